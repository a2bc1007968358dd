"""The statistical extractor: spaCy NER (trained on CoNLL-2003) plus rules on top.

Flow for one article: each paragraph is cut into chunks of at most ``CHUNK_CHARS``
characters at whitespace, HTML tags are blanked out (same length, so offsets hold),
the chunks go through ``nlp.pipe``; the model's PER/ORG/LOC spans are trimmed (titles,
"the", possessive "'s", stray punctuation), checked, mapped to actor/location and given
canonical names; a dictionary pass adds well-known names the model missed; then names
are resolved across the whole article (surnames to full names, ambiguous places by the
article's other places).
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from searchsvc.entities.known_names import find_names, lookup
from searchsvc.entities.normalize import clean_display, name_key
from searchsvc.entities.ops import one_blas_thread
from searchsvc.entities.places import PlaceQuery, inside, readings, resolve_places
from searchsvc.entities.resources import (
    abbreviations,
    aliases,
    gazetteer,
    to_place,
)
from searchsvc.errors import SearchsvcError
from searchsvc.models import Entity, Place

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "model"
#: Paragraph text is analysed in chunks of at most this many characters (cut at whitespace).
CHUNK_CHARS = 10_000
#: Text beyond this many characters in one paragraph is not analysed (bounded time).
MAX_TEXT_CHARS = 200_000
#: Entities longer than this are rejected as absurd.
MAX_ENTITY_CHARS = 80

LABELS = {"PER": "actor", "ORG": "actor", "LOC": "location"}

# Rule switches (kept as module flags so evaluation can measure each rule's effect).
RULES: dict[str, bool] = {
    "trim": True,  # titles, "the", possessives, punctuation
    "aliases": True,  # alias table: canonical names and forced labels
    "dictionary": True,  # add alias/country names the model missed
    "hyphen": True,  # split "Israel-Hamas" style compounds the model calls MISC
    "article": True,  # surname -> full name, label agreement within an article
    "titles": True,  # "Secretary of State Antony Blinken": the name after a title is a person
    "countries": True,  # a country name the model calls ORG/PER is a location
    "qualifiers": True,  # "Glasgow, Ky.": the region after "City, " qualifies the city
    "names": True,  # the names list (data/names.tsv): add missed names, correct labels
}

# Capitalised titles that reliably precede a person's name (case-sensitive).
_PERSON_TITLE_RE = re.compile(
    r"\b(?=[A-Zt])(?:(?:Deputy |Vice )?(?:Prime|Foreign|Defen[cs]e|Finance|Interior) Minister"
    r"|Secretary of State|Secretary-General|Secretary General|President|Chancellor"
    r"|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Senator|Sen\.|Rep\.|Governor|Gov\.|Mayor|Ambassador"
    r"|King|Queen|Prince|Princess|Sheikh|Pope|Ayatollah|Premier|Professor|Prof\."
    r"|Judge|Rabbi|Imam|Lord|Lady|Sir|Dame|Spokesman|Spokeswoman|top diplomat)"
    r"[ \t]+((?:[A-Z][\w'\u2019.-]*[ \t]+){0,3}[A-Z][\w-]*[a-z][\w-]*)"
)

_TITLE_WORDS = [
    # multi-word titles first, so that the longest one is removed
    r"secretary[ -]general",
    r"secretary of state",
    r"secretary of defen[cs]e",
    r"defen[cs]e secretary",
    r"home secretary",
    r"foreign secretary",
    r"(?:deputy |vice )?prime minister",
    r"(?:deputy |vice )?foreign minister",
    r"(?:deputy |vice )?defen[cs]e minister",
    r"(?:deputy |vice )?finance minister",
    r"interior minister",
    r"economy minister",
    r"trade minister",
    r"health minister",
    r"justice minister",
    r"energy minister",
    r"minister",
    r"vice[ -]president",
    r"president[ -]elect",
    r"president",
    r"chancellor",
    r"premier",
    r"king",
    r"queen",
    r"prince",
    r"princess",
    r"crown prince",
    r"sheikh",
    r"emir",
    r"pope",
    r"ayatollah",
    r"supreme leader",
    r"senator",
    r"sen\.",
    r"rep\.",
    r"representative",
    r"congressman",
    r"congresswoman",
    r"governor",
    r"gov\.",
    r"mayor",
    r"ambassador",
    r"envoy",
    r"general",
    r"gen\.",
    r"lieutenant general",
    r"lt\. gen\.",
    r"major general",
    r"colonel",
    r"col\.",
    r"commander",
    r"admiral",
    r"adm\.",
    r"captain",
    r"capt\.",
    r"spokesman",
    r"spokeswoman",
    r"spokesperson",
    r"chairman",
    r"chairwoman",
    r"ceo",
    r"chief executive",
    r"judge",
    r"justice",
    r"professor",
    r"prof\.",
    r"dr\.?",
    r"mr\.?",
    r"mrs\.?",
    r"ms\.?",
    r"miss",
    r"sir",
    r"dame",
    r"lord",
    r"lady",
    r"rev\.?",
    r"reverend",
    r"father",
    r"rabbi",
    r"imam",
    r"top diplomat",
    r"fm",
]
_TITLE_RE = re.compile(r"^(?:(?:" + "|".join(_TITLE_WORDS) + r")\s+)+(?=[^\W\d_])", re.IGNORECASE)
_TITLE_CASED_RE = re.compile(r"^(?:[A-Z][\w.]*\s+)+")
_LEAD_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_STRIP_CHARS = " \t\r\n\"'\u2018\u2019\u201c\u201d\u00ab\u00bb{}<>,;:!?*|#~^`=+/\\-\u2013\u2014"
_LONG_RUN = re.compile(r"\S{60,}")
_HTML_TAG = re.compile(r"<[^<>]{0,300}>")
_HTML_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6});")
_BAD_CHARS = re.compile(r"[<>{}=|\\@_#]")
_MODEL_CODE = re.compile(r"^[A-Za-z]{1,3}-\d+[A-Za-z]?$")
_HAS_LETTER = re.compile(r"[^\W\d_]")


# Dictionary-pass surface forms too ambiguous to add without the model's say-so.
# Words the model sometimes takes for a place or an organisation: never entities here.
@lru_cache(maxsize=1)
def _not_entities() -> frozenset[str]:
    """Return keys of words never taken as entities (``data/not_entities.txt``)."""
    path = Path(__file__).resolve().parent / "data" / "not_entities.txt"
    words = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return frozenset(name_key(w) for w in words if w.strip() and not w.startswith("#"))


_DICTIONARY_SKIP = {
    "IS",
    "WHO",
    "Xi",
    "America",
    "Emirates",
    "Security Council",
    "Kremlin",
    "Pentagon",
    "White House",
    "Houthi",
    "Biden",
    "Putin",
    "Nato",
    "Opec",
    "Unicef",
    "Congress",
    "State Department",
}


@dataclass
class Mention:
    """An entity mention while it is being resolved (internal)."""

    start: int
    end: int
    text: str
    raw: str  # model label: PER, ORG, LOC (or DICT for the dictionary pass)
    label: str
    name: str
    key: str
    forced: bool = False
    place_key: str | None = None
    place: Place | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- model


_NLP: Any = None


def model_path() -> Path:
    """Return the folder of the shipped model (``SEARCHSVC_NER_MODEL`` overrides it)."""
    return Path(os.environ.get("SEARCHSVC_NER_MODEL", MODEL_DIR))


def get_nlp() -> Any:
    """Return this process's spaCy pipeline, loading it on first use.

    Raises SearchsvcError when the model folder is missing or unreadable."""
    global _NLP
    if _NLP is None:
        path = model_path()
        if not (path / "config.cfg").exists():
            raise SearchsvcError(
                f"the entity model is missing from {path}: reinstall searchsvc, run "
                "`make train-ner`, or reindex with --no-entities"
            )
        import spacy

        from searchsvc.entities.ops import use_blas_ops

        try:
            nlp = spacy.load(path)
        except Exception as exc:  # spaCy raises many types for a damaged model folder
            raise SearchsvcError(f"cannot load the entity model at {path}: {exc}") from exc
        use_blas_ops(nlp)
        _NLP = nlp
    return _NLP


# --------------------------------------------------------------------------- chunks


def iter_chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """Yield (offset, chunk) pieces of ``text`` of at most ``size`` chars, cut at whitespace.

    Only the first ``MAX_TEXT_CHARS`` characters are used. HTML tags and entities, and
    runs of 60+ non-space characters, are replaced by spaces of the same length, and
    accented Latin letters are folded, so offsets into ``text`` stay valid.
    """
    text = text[:MAX_TEXT_CHARS]
    pos = 0
    n = len(text)
    while pos < n:
        end = min(pos + size, n)
        if end < n:
            # prefer a line break, then a sentence end, then any whitespace
            for sep in ("\n", ". ", " ", "\t"):
                cut = text.rfind(sep, pos + size // 2, end)
                if cut > pos:
                    end = cut + len(sep)
                    break
        piece = text[pos:end]
        if "<" in piece or "&" in piece:
            piece = _HTML_TAG.sub(lambda m: " " * len(m.group(0)), piece)
            piece = _HTML_ENTITY.sub(lambda m: " " * len(m.group(0)), piece)
        # whitespace-free runs this long are URLs, base64, rules of dashes: never names,
        # and slow for the tokenizer (it peels punctuation off one char at a time)
        piece = _LONG_RUN.sub(lambda m: " " * len(m.group(0)), piece)
        yield pos, piece.translate(_fold_table())
        pos = end


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Return a translate table folding accented Latin letters to ASCII, one char each.

    The model learnt from ASCII news text; "Erdoğan" is fed to it as "Erdogan" (same
    length, so offsets hold; the entity text keeps the original spelling).
    """
    import unicodedata

    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch)
        if (
            len(base) > 1
            and base[0].isascii()
            and base[0].isalpha()
            and all(unicodedata.combining(c) for c in base[1:])
        ):
            table[code] = base[0]
    return table


# --------------------------------------------------------------------------- spans


def _trim(text: str, start: int, end: int, raw: str) -> tuple[int, int]:
    """Return (start, end) of the part of ``text[start:end]`` that names the entity."""
    # surrounding punctuation / quotes / whitespace; brackets only when unbalanced
    while start < end:
        span = text[start:end]
        left = len(span) - len(span.lstrip(_STRIP_CHARS))
        right = len(span.rstrip(_STRIP_CHARS))
        if right <= left:
            return start, start
        start, end = start + left, start + right
        span = text[start:end]
        opens = span.count("(") + span.count("[")
        closes = span.count(")") + span.count("]")
        if span[0] in "([" and (opens > closes or (span[-1] in ")]" and opens == 1 == closes)):
            start += 1
            if opens == closes:
                end -= 1
        elif span[-1] in ")]" and opens < closes:
            end -= 1
        else:
            break
    span = text[start:end]
    m = _POSSESSIVE.search(span)
    if (
        m
        and (m.group(0) != "'" or span[-2:-1] in ("s", "S"))
        and len(span) > len(m.group(0))
        and not span[: m.start()].endswith(" ")
    ):
        end -= len(m.group(0))
        span = text[start:end]
    m = _LEAD_THE.match(span)
    if (
        m
        and len(span) > len(m.group(0))
        and (
            span[0] == "t"
            or (_sentence_initial(text, start) and name_key(span) not in _known_the_names())
        )
    ):
        start += m.end()
        span = text[start:end]
    if raw in ("PER", "ORG", "LOC"):
        m = _TITLE_RE.match(span)
        if m and m.end() < len(span):
            rest = span[m.end() :]
            if rest[:1].isupper() and (raw == "PER" or name_key(span) not in aliases()):
                start += m.end()
    return start, end


def _sentence_initial(text: str, pos: int) -> bool:
    """Return whether ``pos`` starts a sentence or line (capital "The" means nothing there).

    Mid-sentence, a capital "The" belongs to the name ("at The Oval", "The Hague").
    """
    before = text[max(0, pos - 4) : pos].rstrip(" \t\"'\u201c\u2018(")
    return not before or before[-1] in ".!?\n:;"


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """Return spaCy's English stop words (lower case)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.lower() for w in STOP_WORDS) | {"later", "meanwhile", "however"}


@lru_cache(maxsize=1)
def _known_the_names() -> frozenset[str]:
    """Return keys of known names that really start with "the" (The Hague, The Gambia)."""
    keys = {k for k in gazetteer() if k.startswith("the ")}
    keys |= {"the netherlands", "the gambia", "the bahamas", "the hague", "the vatican"}
    keys |= {k for k in aliases() if k.startswith("the ")}
    return frozenset(keys)


def _acceptable(surface: str) -> bool:
    """Return whether a trimmed mention is plausible as an entity name."""
    if not surface or len(surface) > MAX_ENTITY_CHARS or "\n" in surface:
        return False
    if not _HAS_LETTER.search(surface) or _BAD_CHARS.search(surface):
        return False
    return not (len(surface) == 1 and not surface.isupper())


def _display_case(display: str) -> str:
    """Return the display form of a name: all-capital words of 5+ letters title-cased.

    "BLINKEN" -> "Blinken", "REUTERS" -> "Reuters"; "NATO", "FBI" stay (acronyms).
    """
    if not display.isupper():
        return display
    return " ".join(
        w.capitalize() if len(w) >= 5 and w.isalpha() else w for w in display.split(" ")
    )


def _make_mention(text: str, start: int, end: int, raw: str, trim: bool = True) -> Mention | None:
    """Build a Mention for ``text[start:end]`` with label ``raw``; None if rejected.

    ``trim=False`` keeps the span as given (a names-list name is exact: "Ben & Jerry's").
    """
    if trim and RULES["trim"]:
        start, end = _trim(text, start, end, raw)
    surface = text[start:end]
    if not _acceptable(surface):
        return None
    display = clean_display(surface)
    key = name_key(display)
    if not key or key in _not_entities():
        return None
    if (
        " " not in key
        and key in _stop_words()
        and not surface.isupper()
        and key not in aliases()
        and key not in gazetteer()
    ):
        return None  # "Later", "However": a capitalised word, not a name
    label = LABELS.get(raw, "actor")
    if label == "location" and _MODEL_CODE.match(surface):
        return None  # "F-16", "MiG-29": aircraft and weapon names, not places
    if (
        RULES["countries"]
        and label == "actor"
        and any(c.kind == "country" and c.exact for c in gazetteer().get(key, ()))
    ):
        label = "location"
    name = _display_case(display)
    forced = False
    place_key = key if label == "location" else None
    if RULES["aliases"]:
        alias = aliases().get(key)
        if alias is not None:
            name = alias.canonical
            if alias.label:
                label = alias.label
                forced = True
            place_key = name_key(alias.canonical) if label == "location" else None
    return Mention(start, end, surface, raw, label, name, key, forced, place_key)


_HYPHEN_SPLIT = re.compile(r"([-\u2010\u2011\u2013/])")


def _hyphen_parts(text: str, start: int, end: int, need_all: bool = False) -> list[Mention]:
    """Split a compound such as "Israel-Hamas" into its known parts.

    With ``need_all`` (for spans the model called PER/ORG/LOC) the split happens only if
    every part is a known name and the whole is not ("Israel-Gaza" splits,
    "Guinea-Bissau" does not); otherwise the known parts are returned.
    """
    if need_all and name_key(text[start:end]) in gazetteer():
        return []
    out: list[Mention] = []
    pos = start
    parts = _HYPHEN_SPLIT.split(text[start:end])
    for part in parts:
        p_start, pos = pos, pos + len(part)
        if len(part) < 2 or not part[0].isupper():
            if need_all and (len(part) > 1 or part.isalnum()):
                return []
            continue
        key = name_key(part)
        alias = aliases().get(key)
        listed = lookup(part) if RULES["names"] and len(parts) > 1 else None
        if alias is not None and alias.label:
            raw = "LOC" if alias.label == "location" else "ORG"
        elif listed is not None and listed.add and listed.label in ("PER", "ORG"):
            raw = listed.label  # "Pfizer-BioNTech": Pfizer, BioNTech
        elif any(
            c.exact and (c.kind in ("country", "region") or (need_all and c.population >= 100_000))
            for c in gazetteer().get(key, ())
        ):
            raw = "LOC"
        else:
            if need_all:
                return []
            continue
        m = _make_mention(text, p_start, pos, raw)
        if m is not None:
            out.append(m)
    return out


@lru_cache(maxsize=1)
def _dictionary_forms() -> dict[str, list[str]]:
    """Return the dictionary pass's surface forms, indexed by their first three chars.

    Forms are the alias-table spellings that carry a label (minus ambiguous ones) and the
    gazetteer's country names; all start with a capital letter; longest first.
    """
    from searchsvc.entities.resources import ALIASES_PATH

    forms: set[str] = set()
    for line in ALIASES_PATH.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 3 or parts[2].strip() == "-":
            continue
        if parts[0] not in _DICTIONARY_SKIP and len(parts[0]) > 1:
            forms.add(parts[0])
    for cands in gazetteer().values():
        for c in cands:
            if c.kind == "country" and c.exact:
                forms.add(c.name)
    index: dict[str, list[str]] = {}
    for form in sorted(forms, key=len, reverse=True):
        if form[:1].isupper():
            index.setdefault(form[:3], []).append(form)
    return index


_CAPITAL_START = re.compile(r"(?<![\w.\-])[A-Z]")


def _dictionary_hits(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of dictionary forms in ``text`` (whole words, longest first)."""
    index = _dictionary_forms()
    pos = 0
    for m in _CAPITAL_START.finditer(text):
        s = m.start()
        if s < pos:
            continue
        for form in index.get(text[s : s + 3], ()):
            e = s + len(form)
            if text.startswith(form, s):
                nxt = text[e : e + 1]
                if nxt and (
                    nxt.isalnum() or nxt in "-_" or (nxt == "." and text[e + 1 : e + 2].isalnum())
                ):
                    continue
                yield s, e
                pos = e
                break


def _caps_lines(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of the lines of ``text`` written in capitals (headlines)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        # quick no: a fifth or more of the line in ASCII lower case cannot be a caps line
        if 5 * (len(line) - len(line.translate(_DELETE_ASCII_LOWER))) < len(line):
            letters = [ch for ch in line if ch.isalpha()]
            if len(letters) >= 4 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters):
                out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


_DELETE_ASCII_LOWER = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=1)
def _caps_keys() -> dict[str, str]:
    """Return key -> raw label of names safe to spot in all-caps headlines.

    Country names, alias-table names of 3+ letters that carry a label, and cities of a
    million people or more (smaller towns are too often plain words: "Reading", "Nice").
    """
    keys: dict[str, str] = {}
    for key, cands in gazetteer().items():
        if any(c.exact and (c.kind == "country" or c.population >= 1_000_000) for c in cands):
            keys[key] = "LOC"
    for key, alias in aliases().items():
        if alias.label and len(key.replace(" ", "")) >= 3 and key not in _stop_words():
            keys[key] = "LOC" if alias.label == "location" else "ORG"
    return keys


_CAPS_WORD = re.compile(r"[A-Z][A-Z'.]*[A-Z]|[A-Z]")


def _caps_mentions(
    text: str, folded: str, lo: int, hi: int, taken: list[tuple[int, int]]
) -> list[Mention]:
    """Return known names in the all-caps line ``text[lo:hi]``, longest match first.

    ``folded`` is ``text`` with accents folded (same length), used for matching.
    """
    words = [m.span() for m in _CAPS_WORD.finditer(folded, lo, hi)]
    keys = _caps_keys()
    out: list[Mention] = []
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            if i + n > len(words):
                continue
            s, e = words[i][0], words[i + n - 1][1]
            if any(folded[words[j][1] : words[j + 1][0]] != " " for j in range(i, i + n - 1)):
                continue
            raw = keys.get(name_key(folded[s:e]))
            if raw and not any(s < te and ts < e for ts, te in taken):
                mention = _make_mention(text, s, e, raw)
                if mention is not None:
                    mention.raw = "DICT"
                    out.append(mention)
                    i += n
                    break
        else:
            i += 1
    return out


def _dictionary_mentions(text: str, taken: list[tuple[int, int]]) -> list[Mention]:
    """Return mentions of well-known names in ``text`` not overlapping ``taken`` spans."""
    out: list[Mention] = []
    caps = _caps_lines(text)
    folded = text.translate(_fold_table())
    for s, e in _dictionary_hits(folded):
        if any(s < te and ts < e for ts, te in taken):
            continue
        if any(lo <= s < hi for lo, hi in caps):
            continue  # all-caps line: handled below ("US" may be "TELL US" there)
        alias = aliases().get(name_key(folded[s:e]))
        raw = "ORG" if alias is not None and alias.label == "actor" else "LOC"
        mention = _make_mention(text, s, e, raw)
        if mention is not None:
            mention.raw = "DICT"
            out.append(mention)
    for lo, hi in caps:
        out.extend(_caps_mentions(text, folded, lo, hi, taken))
    return out


def paragraph_mentions(text: str, docs: Iterable[tuple[int, Any]]) -> list[Mention]:
    """Return the mentions of one paragraph from its analysed chunks (offset, Doc)."""
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for offset, doc in docs:
        for ent in doc.ents:
            s, e = offset + ent.start_char, offset + ent.end_char
            taken.append((s, e))
            if ent.label_ in LABELS:
                parts = (
                    _hyphen_parts(text, s, e, need_all=True)
                    if RULES["hyphen"] and _HYPHEN_SPLIT.search(text, s, e)
                    else []
                )
                if len(parts) > 1:
                    mentions.extend(parts)
                    continue
                m = _make_mention(text, s, e, ent.label_)
                if m is not None:
                    mentions.append(m)
            elif RULES["hyphen"] and ent.label_ == "MISC":
                mentions.extend(_hyphen_parts(text, s, e))
    if RULES["titles"]:
        mentions = _title_persons(text[:MAX_TEXT_CHARS], mentions, taken)
    if RULES["names"]:
        mentions = _listed_names(text[:MAX_TEXT_CHARS], mentions, taken)
    if RULES["dictionary"]:
        mentions.extend(_dictionary_mentions(text[:MAX_TEXT_CHARS], taken))
    mentions.sort(key=lambda m: m.start)
    if RULES["qualifiers"]:
        mentions = _place_qualifiers(text[:MAX_TEXT_CHARS], mentions)
    return mentions


_COMMA = re.compile(r",[ \t]*")


@lru_cache(maxsize=1)
def _abbreviation_re() -> re.Pattern[str]:
    """Return a regex matching any region abbreviation as a whole word ("Ky.", "NSW")."""
    forms = sorted(abbreviations(), key=len, reverse=True)
    body = "|".join(re.escape(f) for f in forms) or "(?!)"
    return re.compile(rf"(?:{body})(?![A-Za-z0-9])")


def _place_qualifiers(text: str, mentions: list[Mention]) -> list[Mention]:
    """Link "City, Region" pairs and add region abbreviations after a place.

    In "Glasgow, Ky." or "Austin, TX" the part after the comma is a region (added if
    the model missed it, made a location if it called it an actor) and the part before
    it a place inside that region: the pair is recorded for place resolution
    (``extra["qualifier"]`` on the city, ``extra["after_place"]`` on the region).
    """
    gaz, abbrevs = gazetteer(), abbreviations()
    by_start = {m.start: m for m in mentions}
    added: list[Mention] = []
    for m in mentions:
        if not (m.label == "location" or (not m.forced and m.key in gaz)):
            continue
        comma = _COMMA.match(text, m.end)
        if comma is None:
            continue
        nxt = by_start.get(comma.end())
        if nxt is None:
            hit = _abbreviation_re().match(text, comma.end())
            if hit is None:
                continue
            form = hit.group(0)
            nxt = Mention(hit.start(), hit.end(), form, "DICT", "location",
                          abbrevs[form].region.name, name_key(form))  # fmt: skip
            added.append(nxt)
        elif nxt.label != "location":
            if nxt.forced or nxt.text not in abbrevs:
                continue
            nxt.label = "location"
        nxt.place_key = nxt.place_key or nxt.key
        query = PlaceQuery(nxt.place_key, nxt.text, after_place=True)
        areas = [c for c in readings(query) if c.kind in ("country", "region")]
        if not areas:
            continue
        if m.label != "location":
            # "Austin, TX": a name the model took for a person is the city in that state
            if not any(inside(c, a) for c in gaz[m.key] for a in areas):
                continue
            m.label, m.place_key = "location", m.key
        m.extra["qualifier"] = nxt
        nxt.extra["after_place"] = True
    if added:
        mentions = sorted(mentions + added, key=lambda x: x.start)
    return mentions


def _listed_names(
    text: str, mentions: list[Mention], taken: list[tuple[int, int]]
) -> list[Mention]:
    """Apply the names list to one paragraph's mentions and return them.

    A listed name the model marked exactly gets the list's label (MISC: dropped); one
    that covers whatever the model saw there (parts of it, or nothing) replaces that, if
    the list says to add it; one inside a longer model span, or crossing one, leaves the
    model's reading alone. ``taken`` (the model's raw spans) gains the names added.
    """
    hits = find_names(text.translate(_fold_table()), _caps_lines(text))
    for hit in hits:
        s, e, listed = hit.start, hit.end, hit.name
        inside = [m for m in mentions if m.start < e and s < m.end]
        exact = next((m for m in inside if m.start == s and m.end == e), None)
        if exact is not None:
            if exact.forced or not _relabel_ok(text, exact, listed.label):
                continue
        elif (s, e) in taken and not (listed.add and listed.label in ("PER", "ORG")):
            continue  # the model read exactly this as MISC ("Arctic island")
        elif not listed.add or not all(
            s <= ts and te <= e for ts, te in taken if ts < e and s < te
        ):
            continue  # a fix-only name, or the model's span reaches beyond the name
        elif not all(s <= m.start and m.end <= e for m in inside):
            continue
        mentions = [m for m in mentions if not (m.start < e and s < m.end)]
        taken.append((s, e))
        if listed.label == "MISC":
            continue
        new = _make_mention(text, s, e, listed.label, trim=False)
        if new is not None:
            new.raw = "PER" if listed.label == "PER" else "DICT"
            mentions.append(new)
    return mentions


def _relabel_ok(text: str, mention: Mention, label: str) -> bool:
    """Return whether the names list's ``label`` should replace the model's reading of
    ``mention``: not when it says the same, and a place stays a place where the name is
    also a sizeable place ("Liverpool"; not the village of Pemex) or reads as one ("the
    Amazon")."""
    if label == mention.raw:
        return False
    if label == "MISC" or mention.label != "location" or label == "LOC":
        return True
    if text[max(0, mention.start - 4) : mention.start] == "the ":
        return False
    return not any(
        c.exact and (c.kind != "city" or c.population >= 100_000)
        for c in gazetteer().get(mention.key, ())
    )


def _title_persons(
    text: str, mentions: list[Mention], taken: list[tuple[int, int]]
) -> list[Mention]:
    """Add/relabel as persons the capitalised names that follow a title.

    A model span overlapping such a name is replaced by the name (as PER) unless the
    model already has exactly that span as PER.
    """
    if "\n" not in text and text.isupper():
        return mentions
    for m in _PERSON_TITLE_RE.finditer(text):
        s, e = m.span(1)
        if any(x.start == s and x.end == e and x.raw == "PER" for x in mentions):
            continue
        if aliases().get(name_key(m.group(1))) or gazetteer().get(name_key(m.group(1))):
            continue
        new = _make_mention(text, s, e, "PER")
        if new is None:
            continue
        mentions = [x for x in mentions if not (x.start < new.end and new.start < x.end)]
        mentions.append(new)
        taken.append((s, e))
    return mentions


# --------------------------------------------------------------------------- article


def _person_full_names(mentions: list[Mention]) -> dict[str, str]:
    """Map a surname (or trailing name part) key to the article's full person name."""
    counts: Counter[str] = Counter()
    for m in mentions:
        if m.raw in ("PER", "DICT") and m.label == "actor" and " " in m.name:
            counts[m.name] += 1
    table: dict[str, str] = {}
    # the most mentioned full name wins a shared surname; ties go to the first named
    for full, _n in counts.most_common():
        parts = name_key(full).split()
        for i in range(1, len(parts)):
            table.setdefault(" ".join(parts[i:]), full)
    for full in counts:
        table.pop(name_key(full), None)
    return table


def _resolve_places(mentions: list[Mention]) -> None:
    """Attach a Place to every location mention, deciding ambiguous names by context.

    A name the gazetteer cannot place with confidence keeps a kind="unknown" Place.
    """
    gaz = gazetteer()
    locs = [m for m in mentions if m.label == "location"]
    index = {id(m): i for i, m in enumerate(locs)}
    queries = []
    for m in locs:
        key = m.place_key if m.place_key and m.place_key in gaz else m.key
        qualifier = m.extra.get("qualifier")
        queries.append(
            PlaceQuery(
                key,
                m.text,
                after_place=bool(m.extra.get("after_place")),
                qualifier=index.get(id(qualifier)) if qualifier is not None else None,
            )
        )
    for m, cand in zip(locs, resolve_places(queries), strict=True):
        if cand is not None:
            m.name = cand.name
            m.place = to_place(cand)
        else:
            m.place = Place(m.name, kind="unknown")


def _known_place(key: str) -> bool:
    """Return whether a name is a famous place (a country, capital, big city, region)."""
    return any(c.famous for c in gazetteer().get(key, ()))


def _caps_surnames(text: str, mentions: list[Mention], full: dict[str, str]) -> None:
    """Add to ``mentions`` the article's known surnames written in an all-caps line."""
    for lo, hi in _caps_lines(text):
        for m in _CAPS_WORD.finditer(text, lo, hi):
            s, e = m.span()
            if len(m.group(0)) < 3 or name_key(m.group(0)) not in full:
                continue
            if any(x.start < e and s < x.end for x in mentions):
                continue
            new = _make_mention(text, s, e, "PER")
            if new is not None:
                mentions.append(new)
        mentions.sort(key=lambda x: x.start)


def resolve_article(
    paragraph_mentions_list: list[list[Mention]], texts: list[str] | None = None
) -> list[list[Entity]]:
    """Resolve names across one article's paragraphs and return its Entities.

    ``texts`` (the paragraphs) lets all-caps headlines pick up the article's surnames.
    """
    flat = [m for ms in paragraph_mentions_list for m in ms]
    if RULES["article"] and flat:
        full = _person_full_names(flat)
        if texts is not None and full:
            for text, ms in zip(texts, paragraph_mentions_list, strict=False):
                _caps_surnames(text[:MAX_TEXT_CHARS], ms, full)
            flat = [m for ms in paragraph_mentions_list for m in ms]
        gaz = gazetteer()
        for m in flat:
            if m.forced or m.raw == "DICT" or (" " in m.name and m.raw != "PER"):
                continue
            target = full.get(name_key(m.name))
            if target is None:
                continue
            if m.label == "actor" or (m.raw in ("LOC", "ORG") and not _known_place(m.key)):
                m.label, m.name, m.place_key = "actor", target, None
        # a "place" the gazetteer does not know, that the article also names as an actor,
        # is that actor ("Sony" said ... / sales at Sony)
        actor_keys = {name_key(m.name) for m in flat if m.label == "actor"}
        for m in flat:
            if (
                m.label == "location"
                and not m.forced
                and not (gaz.get(m.place_key or m.key) or gaz.get(m.key))
                and name_key(m.name) in actor_keys
            ):
                m.label, m.place_key = "actor", None
        # one display form per name key: "Erdoğan" and "Erdogan" become the commoner one
        forms: dict[str, Counter[str]] = {}
        for m in flat:
            forms.setdefault(name_key(m.name), Counter())[m.name] += 1
        for m in flat:
            m.name = forms[name_key(m.name)].most_common(1)[0][0]
    _resolve_places(flat)
    kinds = _actor_kinds(flat)
    return [
        [
            Entity(
                m.text,
                m.label,
                m.start,
                m.end,
                m.name,  # type: ignore[arg-type]
                m.place if m.label == "location" else None,
                kinds.get(m.name) if m.label == "actor" else None,
            )
            for m in ms
        ]
        for ms in paragraph_mentions_list
    ]


def _actor_kinds(mentions: list[Mention]) -> dict[str, str]:
    """Return what the article says each actor name is: "person" when the model (or a
    title) calls one of its mentions a person, else "organisation" when the model calls
    one an organisation; names only the dictionary pass found are left out."""
    kinds: dict[str, str] = {}
    for m in mentions:
        if m.label != "actor":
            continue
        if m.raw == "PER":
            kinds[m.name] = "person"
        elif m.raw in ("ORG", "LOC"):
            kinds.setdefault(m.name, "organisation")
    return kinds


# --------------------------------------------------------------------------- driving


#: Articles sent to a worker process at a time when ``n_process > 1``.
ARTICLES_PER_TASK = 16


def _annotate_task(task: tuple[list[list[str]], int]) -> list[list[list[Entity]]]:
    """Worker side of ``annotate_paragraph_lists`` with several processes."""
    articles, batch_size = task
    return list(_annotate_in_process(articles, batch_size))


def annotate_paragraph_lists(
    articles: Iterable[list[str]], batch_size: int = 64, n_process: int = 1
) -> Iterator[list[list[Entity]]]:
    """Yield per-article, per-paragraph entities, in input order, input read lazily.

    With ``n_process > 1`` groups of ``ARTICLES_PER_TASK`` articles go to a pool of worker
    processes that run the whole extraction (model and rules) and send back only the
    Entities; at most two groups per worker are in flight, so memory stays bounded.
    (spaCy's own ``nlp.pipe(n_process=...)`` ships whole Docs with their tensors back to
    the parent, which measured slower than one process.)
    """
    if n_process == 1:
        yield from _annotate_in_process(articles, batch_size)
        return
    import multiprocessing
    from collections import deque
    from itertools import islice

    if n_process <= 0:
        n_process = os.cpu_count() or 1
    get_nlp()  # load before forking, so workers share it
    gazetteer()
    aliases()
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    it = iter(articles)
    with ctx.Pool(n_process) as pool:
        pending: deque[Any] = deque()
        while True:
            group = [list(a) for a in islice(it, ARTICLES_PER_TASK)]
            if group:
                pending.append(pool.apply_async(_annotate_task, ((group, batch_size),)))
            if pending and (not group or len(pending) >= 2 * n_process):
                yield from pending.popleft().get()
            if not group and not pending:
                break


def _annotate_in_process(
    articles: Iterable[list[str]], batch_size: int = 64
) -> Iterator[list[list[Entity]]]:
    """Yield per-article entities, with chunks batched through this process's nlp.pipe."""
    nlp = get_nlp()
    sizes: dict[int, list[str]] = {}

    def chunk_stream() -> Iterator[tuple[str, tuple[int, int, int]]]:
        for ai, paragraphs in enumerate(articles):
            paragraphs = [p if isinstance(p, str) else "" for p in paragraphs]
            sizes[ai] = paragraphs
            if not paragraphs:
                yield "", (ai, -1, 0)
            for pi, para in enumerate(paragraphs):
                emitted = False
                for offset, piece in iter_chunks(para):
                    emitted = True
                    yield piece, (ai, pi, offset)
                if not emitted:
                    yield "", (ai, pi, 0)

    with one_blas_thread():
        yield from _annotate_docs(
            nlp.pipe(chunk_stream(), as_tuples=True, batch_size=batch_size), sizes
        )


def _annotate_docs(
    docs_iter: Iterator[tuple[Any, tuple[int, int, int]]], sizes: dict[int, list[str]]
) -> Iterator[list[list[Entity]]]:
    """Yield per-article entities from the (Doc, (article, paragraph, offset)) stream."""
    current = -1
    per_para: dict[int, list[tuple[int, Any]]] = {}

    def finish(ai: int) -> list[list[Entity]]:
        paragraphs = sizes.pop(ai)
        mentions = [
            paragraph_mentions(text, per_para.get(pi, [])) for pi, text in enumerate(paragraphs)
        ]
        return resolve_article(mentions, paragraphs)

    for doc, (ai, pi, offset) in docs_iter:
        if ai != current:
            if current >= 0:
                yield finish(current)
                per_para = {}
            current = ai
        if pi >= 0:
            per_para.setdefault(pi, []).append((offset, _light(doc)))
    if current >= 0:
        yield finish(current)


class _LightEnt:
    """Just what paragraph_mentions needs of a spaCy entity span."""

    __slots__ = ("start_char", "end_char", "label_")

    def __init__(self, start_char: int, end_char: int, label_: str) -> None:
        self.start_char, self.end_char, self.label_ = start_char, end_char, label_


class _LightDoc:
    """Just the entities of a Doc, so whole Docs are not kept while an article fills."""

    __slots__ = ("ents",)

    def __init__(self, ents: list[_LightEnt]) -> None:
        self.ents = ents


def _light(doc: Any) -> _LightDoc:
    """Return the entity spans of ``doc`` without the Doc itself."""
    return _LightDoc([_LightEnt(e.start_char, e.end_char, e.label_) for e in doc.ents])
