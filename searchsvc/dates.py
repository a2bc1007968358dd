"""Dates: the one reading of every date searchsvc meets, in files, in the index and in
queries.

Read (``read_date``, for a value that is meant to be a date: a JSON key, a meta tag, a
``<time datetime>``):

- ISO 8601 with or without time and offset (``2023-11-06``, ``2023-11-06T10:00:00Z``,
  ``2023-11-06 10:00:00.123+0100``, the basic form ``20231106T100000Z``, ``20231106``);
- RFC 2822 (``Mon, 06 Nov 2023 10:00:00 GMT``, ``-0500``, ``EST``) and the ``ctime``
  form (``Wed Oct 10 20:19:24 +0000 2018``);
- written dates (``6 November 2023``, ``Nov 6, 2023``, ``November 6th, 2023``,
  ``6. November 2023``, ``5 de mayo de 2023``: English, French, German, Spanish and
  Italian month names), with an optional weekday, time (``10:00``, ``10.30am``) and zone;
- numeric dates: ``2023/11/06``; ``11/06/2023`` and ``11-06-2023`` month first,
  ``06.11.2023`` day first (each unless the other order is the only valid one);
- epoch seconds (9 or 10 digits, from March 1973) and milliseconds (11 to 13 digits),
  as numbers or numeric strings.

Every date is normalised to UTC (``ParsedDate.utc``). A time without a zone is taken as
UTC; a time in a zone this module does not know (``ET``, ``IST``) is dropped and the day
kept as written. ``ParsedDate.iso`` is ``YYYY-MM-DD`` when the source had no time, else
``YYYY-MM-DDTHH:MM:SS+00:00``. Strictness: a date names a day (a month or a year alone is
not an article date); years before ``MIN_YEAR`` or more than ``FUTURE_YEARS`` ahead are
refused; other bare numbers are refused; text is read only where it has the shape of a
date (``is_date_line`` for a whole line, ``find_date`` inside a text), never by guessing.

Queries and filters use ``date_bounds``: ``YYYY``, ``YYYY-MM``, a day, a timestamp or a
written date, to the first or last instant it covers; ``BadQuery`` for anything else.
The index mapping uses ``parse_iso`` (article date -> naive UTC datetime, as Whoosh
stores it) and ``to_iso`` (stored datetime -> the ISO string shown).
"""

from __future__ import annotations

import contextlib
import math
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from dateutil import parser as dateutil_parser

from .errors import BadQuery

MIN_YEAR = 1800
FUTURE_YEARS = 5  # an article dated more than this many years ahead is refused
MAX_DATE_CHARS = 300  # a value is read from its first MAX_DATE_CHARS characters

# JSON keys that hold an article's date, by preference: publication, creation, generic
# stamps, then modification. Matched ignoring case, "_" and "-" (``PublishedAt``).
PUBLISHED_KEYS = (
    "date", "published", "published_at", "publishedAt", "pubDate", "datePublished",
    "publish_date", "publishDate", "publication_date", "published_date", "date_published",
    "pub_date", "first_published", "issued", "created_at", "createdAt", "created",
    "dateCreated", "uploadDate", "timestamp", "time", "datetime",
)  # fmt: skip
MODIFIED_KEYS = (
    "updated", "updated_at", "updatedAt", "dateModified", "modified", "modified_at",
    "last_modified", "lastModified",
)  # fmt: skip
DATE_KEYS = PUBLISHED_KEYS + MODIFIED_KEYS

_EPOCH_S_MIN, _EPOCH_MS_MIN, _EPOCH_MS_END = 10**8, 10**11, 10**14


@dataclass(frozen=True)
class ParsedDate:
    """A date read from a source: ``utc`` is timezone-aware in UTC (midnight UTC of the
    written day when the source had no time), ``has_time`` says whether it had one,
    ``original`` is the value as written."""

    utc: datetime
    has_time: bool
    original: str

    @property
    def iso(self) -> str:
        """Return ``YYYY-MM-DD`` for a day, ``YYYY-MM-DDTHH:MM:SS+00:00`` for a time."""
        return to_iso(self.utc, self.has_time)


# ---------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------

_MONTH_NAMES = (
    ("jan", "january", "janv", "janvier", "januar", "enero", "gennaio"),
    ("feb", "february", "febr", "fev", "fév", "février", "fevrier", "februar", "febrero",
     "febbraio"),
    ("mar", "march", "mars", "märz", "maerz", "marzo"),
    ("apr", "april", "avr", "avril", "abril", "aprile"),
    ("may", "mai", "mayo", "maggio"),
    ("jun", "june", "juin", "juni", "junio", "giugno"),
    ("jul", "july", "juil", "juillet", "juli", "julio", "luglio"),
    ("aug", "august", "août", "aout", "agosto"),
    ("sep", "sept", "september", "septembre", "septiembre", "settembre"),
    ("oct", "october", "octobre", "oktober", "octubre", "ottobre"),
    ("nov", "november", "novembre", "noviembre"),
    ("dec", "december", "déc", "décembre", "decembre", "dezember", "diciembre", "dicembre"),
)  # fmt: skip
_WEEKDAY_NAMES = (
    ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"),
    ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"),
    ("sun", "sunday"),
)  # fmt: skip

# Zones a news date may name. RFC 2822's own (the US ones included), then ones that
# mean one offset in English-language news. Ambiguous ones (IST, ET) are left out: a time
# given in them is dropped and the day kept.
_HOUR = 3600
_ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5 * _HOUR, "EDT": -4 * _HOUR, "CST": -6 * _HOUR, "CDT": -5 * _HOUR,
    "MST": -7 * _HOUR, "MDT": -6 * _HOUR, "PST": -8 * _HOUR, "PDT": -7 * _HOUR,
    "AKST": -9 * _HOUR, "AKDT": -8 * _HOUR, "HST": -10 * _HOUR,
    "BST": _HOUR, "WEST": _HOUR, "CET": _HOUR, "CEST": 2 * _HOUR, "EET": 2 * _HOUR,
    "EEST": 3 * _HOUR, "MSK": 3 * _HOUR, "HKT": 8 * _HOUR, "SGT": 8 * _HOUR,
    "AWST": 8 * _HOUR, "JST": 9 * _HOUR, "KST": 9 * _HOUR, "ACST": 34200,
    "AEST": 10 * _HOUR, "AEDT": 11 * _HOUR, "NZST": 12 * _HOUR, "NZDT": 13 * _HOUR,
}  # fmt: skip


class _ParserInfo(dateutil_parser.parserinfo):
    """dateutil's vocabulary with the month names above and the Spanish/French filler
    words of written dates ("5 de mayo", "1er janvier")."""

    JUMP = [*dateutil_parser.parserinfo.JUMP, "de", "er"]
    MONTHS = [tuple(names) for names in _MONTH_NAMES]
    WEEKDAYS = [tuple(names) for names in _WEEKDAY_NAMES]


_INFO = _ParserInfo()


def _alternation(groups: tuple[tuple[str, ...], ...]) -> str:
    names = sorted({n for names in groups for n in names}, key=len, reverse=True)
    return "|".join(re.escape(n) for n in names)


_MON = rf"(?:{_alternation(_MONTH_NAMES)})\.?"
_WD = rf"(?:{_alternation(_WEEKDAY_NAMES)})\.?"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th|er)?"
_YEAR = r"\d{4}(?!\d)"
_MONTH_NUM = r"(?:1[0-2]|0?[1-9])"
_DAY_NUM = r"(?:3[01]|[12]\d|0?[1-9])"
_AMPM = r"[ap]\.?\s?m\.?(?!\w)"
_TIME = (
    r"(?:[01]?\d|2[0-3])(?:[:.h][0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?(?:\s?" + _AMPM + r")?"
    r"|\s?" + _AMPM + r")"
)
_TZ = (
    r"Z(?![\w])|[+-](?:[01]\d|2[0-3]):?[0-5]\d(?!\d)|[+-](?:[01]\d|2[0-3])(?![\d:])"
    r"|(?:UTC|GMT)\s?[+-]\d{1,2}(?::?\d{2})?(?!\d)|UTC|GMT|UT"
    r"|\(?(?-i:[A-Z]{2,5})\)?(?!\w)"
)
_TIME_SEP = r"(?:T|,?\s+(?:at\s+|à\s+|um\s+|@\s*|[-\u2013\u2014|\u00b7\u2022]\s+)?|\s*[,@|-]\s*)"

# One date, with what follows it: group ``date`` and, optionally, ``time`` and ``tz``.
# The forms of ``date``: ISO day, Y/M/D, numeric D/M/Y or M/D/Y, written D M Y, M D Y.
_DATE_FORMS = (
    rf"(?P<iso>\d{{4}})-(?P<iso_m>{_MONTH_NUM})-(?P<iso_d>{_DAY_NUM})(?!\d)",
    rf"(?P<ymd>\d{{4}})(?P<ymd_sep>[/.])(?P<ymd_m>{_MONTH_NUM})(?P=ymd_sep)(?P<ymd_d>{_DAY_NUM})"
    r"(?!\d)",
    rf"(?P<n1>\d{{1,2}})(?P<nsep>[/.-])(?P<n2>\d{{1,2}})(?P=nsep)(?P<ny>{_YEAR})",
    rf"(?:{_WD},?\s+)?{_DAY}\.?(?:\s+of|\s+de)?[\s-]+{_MON},?(?:\s+de)?[\s-]+{_YEAR}",
    rf"(?:{_WD},?\s+)?{_MON}[\s-]*{_DAY},?[\s-]+{_YEAR}",
)
_DATE = re.compile(
    r"(?<![\w/.:+-])(?P<date>" + "|".join(f"(?:{f})" for f in _DATE_FORMS) + r")"
    rf"(?:{_TIME_SEP}(?P<time>{_TIME})(?:\s*(?P<tz>{_TZ}))?)?",
    re.I,
)
# ``ctime``, as Twitter and Unix tools write it: "Wed Oct 10 20:19:24 +0000 2018".
_CTIME = re.compile(
    rf"(?<![\w/.:+-])(?P<date>{_WD}\s+{_MON}\s+{_DAY})\s+(?P<time>{_TIME})"
    rf"(?:\s+(?P<tz>{_TZ}))?\s+(?P<year>{_YEAR})",
    re.I,
)
_WORD = re.compile(r"[^\W\d_][\w'\u2019.]*")
_DATELINE_MAX_WORDS = 8
# Lower-case words a dateline may hold besides the date: labels, the byline's "by" in a
# few languages, little words between date and time, zones.
_DATELINE_WORDS = frozenset(
    (
        "published", "updated", "posted", "modified", "created", "issued", "first", "last",
        "originally", "date", "dated", "on", "at", "by", "and", "of", "the", "am", "pm",
        "a.m.", "p.m.", "de", "par", "von", "por", "di", "et", "um", "à", "le", "ist", "pt",
        "ct", "mt", *(zone.lower() for zone in _ZONES),
    )
)  # fmt: skip
_ISO_FAST = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?")
_ISO_BASIC = re.compile(r"(\d{8})T(\d{4}|\d{6})(Z|[+-]\d{4})?")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_DEFAULT = datetime(1804, 1, 1)  # never used: the regexes let only whole dates through
# The RFC 2822 form with a zone the standard library reads right.
_RFC_2822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    r"|Nov|Dec) \d{4} \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UTC?|[ECMP][SD]T)"
)


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------


def max_year() -> int:
    """Return the last year an article may be dated (this year plus ``FUTURE_YEARS``)."""
    return _this_year(int(time.time() // 86400)) + FUTURE_YEARS


@lru_cache(maxsize=1)
def _this_year(_day: int) -> int:
    return datetime.now(UTC).year


def _plausible(value: datetime) -> bool:
    return MIN_YEAR <= value.year <= max_year()


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _made(
    value: datetime, has_time: bool, original: str, bounded: bool = True
) -> ParsedDate | None:
    """Return the ParsedDate for a parsed value (naive means UTC); None when ``bounded``
    and the year is not plausible for an article."""
    utc = _as_utc(value) if has_time else datetime(*value.timetuple()[:3], tzinfo=UTC)
    if bounded and not _plausible(utc):
        return None
    return ParsedDate(utc.replace(microsecond=0), has_time, original)


def _from_epoch(number: float, original: str) -> ParsedDate | None:
    """Return the date of epoch seconds or milliseconds (by magnitude), or None."""
    if not math.isfinite(number) or not _EPOCH_S_MIN <= number < _EPOCH_MS_END:
        return None
    seconds = number / 1000 if number >= _EPOCH_MS_MIN else number
    try:
        stamp = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return _made(stamp, True, original)


def _from_digits(digits: str, original: str, bounded: bool = True) -> ParsedDate | None:
    """Return the date of ``YYYYMMDD`` / ``YYYYMMDDhhmmss`` digits, or None."""
    try:
        if len(digits) == 8:
            return _made(datetime.strptime(digits, "%Y%m%d"), False, original, bounded)
        if len(digits) == 14:
            return _made(datetime.strptime(digits, "%Y%m%d%H%M%S"), True, original, bounded)
    except ValueError:
        return None
    return None


def _from_number(text: str, original: str) -> ParsedDate | None:
    digits = text.lstrip("+")
    if digits.isdigit() and len(digits) in (8, 14):
        found = _from_digits(digits, original)
        if found:
            return found
    try:
        return _from_epoch(float(text), original)
    except ValueError:
        return None


def _fix_time(text: str) -> str:
    """Return a matched time with ``:`` between hours and minutes ("10.30am", "10h30")."""
    return re.sub(r"^(\d{1,2})[.h](\d{2})", r"\1:\2", text)


def _fix_zone(text: str) -> str:
    """Return a matched zone as dateutil reads it: "GMT+1" means one hour east (dateutil
    would read it the POSIX way round), "(EST)" loses its brackets."""
    text = text.strip("()")
    m = re.fullmatch(r"(?i)(?:UTC|GMT)\s?([+-])(\d{1,2})(?::?(\d{2}))?", text)
    if m:
        return f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}"
    return text


def _day_text(m: re.Match[str]) -> str:
    """Return the day of a ``_DATE`` / ``_CTIME`` match as text dateutil reads one way."""
    if m.group("date") is None:
        return ""
    groups = m.groupdict()
    if groups.get("iso"):
        return f"{m['iso']}-{int(m['iso_m']):02d}-{int(m['iso_d']):02d}"
    if groups.get("ymd"):
        return f"{m['ymd']}-{int(m['ymd_m']):02d}-{int(m['ymd_d']):02d}"
    if groups.get("n1"):
        first, second = int(m["n1"]), int(m["n2"])
        day_first = m["nsep"] == "."
        if (second if day_first else first) > 12:
            day_first = not day_first
        month, day = (second, first) if day_first else (first, second)
        return f"{m['ny']}-{month:02d}-{day:02d}"
    if groups.get("year"):
        return f"{m['date']} {m['year']}"
    return m["date"]


def _from_match(m: re.Match[str], original: str, bounded: bool = True) -> ParsedDate | None:
    """Return the date a ``_DATE`` / ``_CTIME`` match names, or None when it is not a real
    day (30 February) or (``bounded``) not a plausible year."""
    time, zone = m.group("time"), m.group("tz")
    text = _day_text(m)
    if time:
        text += " " + _fix_time(time)
        if zone:
            text += " " + _fix_zone(zone)
    parsed = _parse_written(text)
    if parsed is None:
        return None
    value, zone_known = parsed
    has_time = bool(time) and zone_known
    return _made(value if has_time else value.replace(tzinfo=None), has_time, original, bounded)


@lru_cache(maxsize=4096)
def _parse_written(text: str) -> tuple[datetime, bool] | None:
    """Return (datetime, whether its zone was understood) for a date the regexes above
    matched and put in order, or None when it is not a real date. RFC 2822 goes to the
    standard library (ten times quicker), the rest to dateutil."""
    if _RFC_2822.fullmatch(text):
        with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
            return parsedate_to_datetime(text), True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = dateutil_parser.parse(
                text, parserinfo=_INFO, tzinfos=_ZONES, default=_DEFAULT
            )
        except (ValueError, OverflowError, TypeError):
            return None
    unknown = any(issubclass(w.category, dateutil_parser.UnknownTimezoneWarning) for w in caught)
    return value, not unknown


def _first_match(text: str, start: int = 0) -> re.Match[str] | None:
    found = [m for m in (_DATE.search(text, start), _CTIME.search(text, start)) if m]
    return min(found, key=lambda m: (m.start(), -m.end())) if found else None


def _clean(value: str) -> str:
    return " ".join(value[:MAX_DATE_CHARS].split())


def _first_date(s: str) -> tuple[re.Match[str], ParsedDate] | None:
    """Return the first date-shaped span of ``s`` that is a real date, with its date."""
    m = _first_match(s)
    while m is not None:
        found = _from_match(m, m.group(0))
        if found:
            return m, found
        m = _first_match(s, m.start() + 1)
    return None


def find_date(text: str | None) -> ParsedDate | None:
    """Return the first date written inside ``text`` (a byline, a dateline, a meta value
    with words around the date), or None. Only date shapes are read: bare numbers and
    words that merely could be dates ("May", "5 of 2023") never are."""
    first = _first_date(_clean(text)) if text else None
    return first[1] if first else None


def is_date_line(text: str | None) -> bool:
    """Return True when a line is a dateline: one full date (perhaps with a time and a
    zone) and around it at most a label, a byline's names and separators ("Published
    6 Nov 2023 10:00 GMT", "November 12, 2018 | BY: Jane Doe", "2019-04-10 17:32"). A
    sentence that mentions a date ("He died on 6 November 2023.") is not one: any other
    word in lower case makes the line prose."""
    if not text:
        return False
    s = _clean(text)
    first = _first_date(s)
    if first is None:
        return False
    m = first[0]
    rest = f"{s[: m.start()]} {s[m.end() :]}"
    words = _WORD.findall(rest)
    if len(words) > _DATELINE_MAX_WORDS:
        return False
    return not any(w[0].islower() and w.lower() not in _DATELINE_WORDS for w in words)


def _from_text(text: str, bounded: bool = True) -> ParsedDate | None:
    """Return the date a string holds: a number (epoch, ``YYYYMMDD``), an ISO value or
    the first date written in it; None when there is none."""
    s = _clean(text)
    if not s:
        return None
    if _NUMBER.fullmatch(s):
        return _from_number(s, s)
    if _ISO_FAST.fullmatch(s):
        try:
            return _made(datetime.fromisoformat(s), len(s) > 10, s, bounded)
        except ValueError:
            pass
    basic = _ISO_BASIC.fullmatch(s)
    if basic:
        try:
            value = dateutil_parser.isoparse(s)
        except (ValueError, OverflowError):
            return None
        return _made(value, True, s, bounded)
    found = find_date(s)
    return ParsedDate(found.utc, found.has_time, s) if found else None


def original_text(value: Any) -> str | None:
    """Return a raw date value (string, number, list, ``{"$date": ...}``) as the text to
    keep and show as the original, or None when it is empty."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, str):
        return _clean(value) or None
    if isinstance(value, list):
        return next((t for t in map(original_text, value) if t), None)
    if isinstance(value, dict):
        inner = _mongo_value(value)
        return original_text(inner) if inner is not None else str(value)[:MAX_DATE_CHARS]
    return str(value)[:MAX_DATE_CHARS]


def _mongo_value(value: Mapping[str, Any]) -> Any:
    """Return the inside of a MongoDB extended-JSON date (``{"$date": ...}``,
    ``{"$numberLong": "..."}``), or None."""
    for key in ("$date", "$numberLong"):
        if key in value:
            inner = value[key]
            return _mongo_value(inner) if isinstance(inner, Mapping) else inner
    return None


def read_date(value: Any) -> ParsedDate | None:
    """Return the date held by a value that is meant to be one (a JSON date key, a meta
    tag, a ``datetime`` attribute): a string in any form the module reads, epoch
    seconds or milliseconds as a number or numeric string, the first date of a list,
    a MongoDB ``{"$date": ...}``. None when there is no readable, plausible date."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        original = str(value)
        if isinstance(value, int) and len(original) in (8, 14):
            found = _from_digits(original, original)
            if found:
                return found
        return _from_epoch(float(value), original)
    if isinstance(value, str):
        return _from_text(value)
    if isinstance(value, list):
        first = next((v for v in value if v not in (None, "")), None)
        return read_date(first) if first is not None else None
    if isinstance(value, Mapping):
        inner = _mongo_value(value)
        return read_date(inner) if inner is not None else None
    return None


@lru_cache(maxsize=4096)
def _key_rank(key: str, keys: tuple[str, ...]) -> int | None:
    """Return the place of ``key`` in ``keys``, ignoring case, ``_`` and ``-``."""
    form = key.lower().replace("_", "").replace("-", "")
    for rank, known in enumerate(keys):
        if known.lower().replace("_", "") == form:
            return rank
    return None


def date_values(
    record: Mapping[str, Any], keys: tuple[str, ...] = DATE_KEYS
) -> list[tuple[str, Any]]:
    """Return the record's non-empty values under date ``keys`` as (key, value), best
    first (the order of ``keys``; keys matched ignoring case, ``_`` and ``-``)."""
    found: list[tuple[int, str, Any]] = []
    for key, value in record.items():
        rank = _key_rank(key, keys) if isinstance(key, str) else None
        if rank is not None and value not in (None, "", [], {}):
            found.append((rank, key, value))
    found.sort(key=lambda item: item[0])
    return [(key, value) for _rank, key, value in found]


@dataclass(frozen=True)
class RecordDate:
    """The date of a record: ``date`` when one could be read; ``original`` is the raw
    value of the key it came from (or, when none could be read, of the best key)."""

    date: ParsedDate | None
    original: str | None

    @property
    def unreadable(self) -> bool:
        """Return True when the record gave a date that could not be read."""
        return self.date is None and self.original is not None


def record_date(record: Mapping[str, Any]) -> RecordDate:
    """Return the date of a JSON record: the first of its date keys (``DATE_KEYS``) whose
    value reads as a date, or the unreadable raw value when none does."""
    values = date_values(record)
    for _key, value in values:
        found = read_date(value)
        if found:
            return RecordDate(found, original_text(value))
    return RecordDate(None, original_text(values[0][1]) if values else None)


# ---------------------------------------------------------------------------------------
# The index and queries
# ---------------------------------------------------------------------------------------


def to_iso(value: datetime, has_time: bool | None = None) -> str:
    """Return ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS+00:00`` for a datetime (naive means
    UTC). With ``has_time`` None, a time of exactly midnight counts as no time, which
    is how a date read back from the index is shown."""
    utc = _as_utc(value)
    if has_time is None:
        has_time = (utc.hour, utc.minute, utc.second) != (0, 0, 0)
    if not has_time:
        return utc.date().isoformat()
    return f"{utc.replace(microsecond=0, tzinfo=None).isoformat()}+00:00"


def parse_iso(value: str | None) -> datetime | None:
    """Return the naive UTC datetime (what the Whoosh index stores) of an article or
    paragraph date, normally the ISO string ``read_date`` made; None when it is missing
    or unreadable."""
    found = read_date(value) if value else None
    return found.utc.replace(tzinfo=None) if found else None


_YEAR_ONLY = re.compile(r"(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})[-/.](1[0-2]|0?[1-9])")
_MONTH_YEAR = re.compile(rf"({_MON})[\s,-]+(\d{{4}})", re.I)
_MAX_BOUND_CHARS = 80
BOUNDS_HELP = (
    "write YYYY, YYYY-MM, YYYY-MM-DD, a timestamp (2023-11-06T10:00:00Z) "
    "or a written date (6 November 2023)"
)


def _month_end(year: int, month: int) -> datetime:
    return datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)


def date_bounds(text: str | None, end: bool) -> datetime | None:
    """Return the first instant (or, with ``end``, the last) that a filter or query date
    covers, as a naive datetime in UTC (the index's convention): ``2023`` and ``2023-11``
    cover the year and month, ``November 2023`` too, a day (``2023-11-06``,
    ``6 Nov 2023``) the day, a timestamp itself. None for an empty value. Raises
    BadQuery naming the value otherwise."""
    found = _bounds(text, end)
    return found.replace(tzinfo=None) if found else None


def _bounds(text: str | None, end: bool) -> datetime | None:
    if text is None or not text.strip():
        return None
    s = " ".join(text.split())
    if len(s) > _MAX_BOUND_CHARS:
        raise BadQuery(f"the date {s[:40]!r}... is too long: {BOUNDS_HELP}")
    start: datetime | None = None
    stop: datetime | None = None
    try:
        if m := _YEAR_ONLY.fullmatch(s):
            start = datetime(int(m[1]), 1, 1, tzinfo=UTC)
            stop = datetime(int(m[1]) + 1, 1, 1, tzinfo=UTC) if end else None
        elif (m := _YEAR_MONTH.fullmatch(s)) or (m := _MONTH_YEAR.fullmatch(s)):
            if m.re is _MONTH_YEAR:
                year, month = int(m[2]), _month_number(m[1])
            else:
                year, month = int(m[1]), int(m[2])
            start = datetime(year, month, 1, tzinfo=UTC)
            stop = _month_end(year, month) if end else None
        else:
            found = _whole_date(s)
            if found is not None:
                start = found.utc
                if end and not found.has_time:
                    stop = start + timedelta(days=1)
                elif end:
                    return start
    except (ValueError, OverflowError):
        start = None
    if start is None:
        raise BadQuery(f"cannot read the date {s!r}: {BOUNDS_HELP}")
    if end and stop is not None:
        try:
            return stop - timedelta(microseconds=1)
        except OverflowError:
            return datetime.max.replace(tzinfo=UTC)
    return start


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")
    for number, names in enumerate(_MONTH_NAMES, start=1):
        if key in names:
            return number
    raise ValueError(name)


def _whole_date(s: str) -> ParsedDate | None:
    """Return the date when all of ``s`` is one (no search inside, no epoch numbers)."""
    if _NUMBER.fullmatch(s):
        return _from_digits(s, s, bounded=False) if len(s) == 8 else None
    if _ISO_FAST.fullmatch(s) or _ISO_BASIC.fullmatch(s):
        return _from_text(s, bounded=False)
    for pattern in (_DATE, _CTIME):
        m = pattern.fullmatch(s)
        if m:
            return _from_match(m, s, bounded=False)
    return None
