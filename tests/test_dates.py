"""searchsvc.dates: every form read, normalised to UTC, strict where text is not a date,
and the bounds that filters and date: queries use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.dates import (
    DATE_KEYS,
    MIN_YEAR,
    date_bounds,
    find_date,
    is_date_line,
    max_year,
    parse_iso,
    read_date,
    record_date,
    to_iso,
)
from searchsvc.errors import BadQuery


def iso(value) -> str | None:
    found = read_date(value)
    return found.iso if found else None


# -- each form ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # ISO 8601
        ("2023-11-06", "2023-11-06"),
        ("2023-11-06T10:00:00Z", "2023-11-06T10:00:00+00:00"),
        ("2023-11-06T10:00:00.123456Z", "2023-11-06T10:00:00+00:00"),
        ("2023-11-06T10:00:00.1234567+00:00", "2023-11-06T10:00:00+00:00"),
        ("2023-11-06T10:00", "2023-11-06T10:00:00+00:00"),
        ("2023-11-06 10:00:00", "2023-11-06T10:00:00+00:00"),
        ("2023-11-06 10:00:00 +0100", "2023-11-06T09:00:00+00:00"),
        ("2023-11-06T10:00:00 UTC", "2023-11-06T10:00:00+00:00"),
        ("20231106T100000Z", "2023-11-06T10:00:00+00:00"),
        ("20231106", "2023-11-06"),
        ("2023/11/06", "2023-11-06"),
        ("2019/3/4", "2019-03-04"),
        # RFC 2822 and ctime
        ("Mon, 06 Nov 2023 10:00:00 GMT", "2023-11-06T10:00:00+00:00"),
        ("Mon, 06 Nov 2023 10:00:00 -0500", "2023-11-06T15:00:00+00:00"),
        ("Mon, 6 Nov 2023 10:00 EST", "2023-11-06T15:00:00+00:00"),
        ("Mon, 06 Nov 2023 10:00:00 +0000", "2023-11-06T10:00:00+00:00"),
        ("Wed Oct 10 20:19:24 +0000 2018", "2018-10-10T20:19:24+00:00"),
        # written forms
        ("6 November 2023", "2023-11-06"),
        ("Nov 6, 2023", "2023-11-06"),
        ("Nov. 6, 2023", "2023-11-06"),
        ("November 6th, 2023", "2023-11-06"),
        ("6th of November 2023", "2023-11-06"),
        ("Monday, November 6, 2023", "2023-11-06"),
        ("Monday 6 November 2023 10:00 GMT", "2023-11-06T10:00:00+00:00"),
        ("November 6, 2023 at 10:00 am", "2023-11-06T10:00:00+00:00"),
        ("Nov 6, 2023, 4:30 PM", "2023-11-06T16:30:00+00:00"),
        ("6 Nov 2023 10.30am", "2023-11-06T10:30:00+00:00"),
        ("6-Nov-2023", "2023-11-06"),
        ("6. November 2023", "2023-11-06"),
        ("14 mars 2019", "2019-03-14"),
        ("5 de mayo de 2023", "2023-05-05"),
        ("1er janvier 2023", "2023-01-01"),
        # numeric day and month: slashes month first, dots day first, unless impossible
        ("11/06/2023", "2023-11-06"),
        ("06.11.2023", "2023-11-06"),
        ("13/11/2023", "2023-11-13"),
        ("11.13.2023", "2023-11-13"),
        # a date inside a longer value
        ("Published on Nov 6, 2023 by the desk", "2023-11-06"),
    ],
)
def test_each_form_is_read(raw: str, expected: str) -> None:
    assert iso(raw) == expected


def test_the_original_is_kept_as_written() -> None:
    found = read_date("  Mon, 06 Nov 2023\n10:00:00 GMT ")
    assert found is not None
    assert found.original == "Mon, 06 Nov 2023 10:00:00 GMT"
    assert found.has_time and found.utc == datetime(2023, 11, 6, 10, tzinfo=UTC)


# -- offsets to UTC -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-11-06T23:30:00-05:00", "2023-11-07T04:30:00+00:00"),  # crosses midnight
        ("2023-11-06T01:00:00+09:00", "2023-11-05T16:00:00+00:00"),
        ("2023-11-06T10:00:00+05:30", "2023-11-06T04:30:00+00:00"),
        ("6 November 2023 10:00 GMT+1", "2023-11-06T09:00:00+00:00"),  # not the POSIX way
        ("6 November 2023 10:00 UTC-03:00", "2023-11-06T13:00:00+00:00"),
        ("6 Nov 2023 10:00 (PST)", "2023-11-06T18:00:00+00:00"),
        ("6 Nov 2023 10:00 CEST", "2023-11-06T08:00:00+00:00"),
    ],
)
def test_offsets_are_normalised_to_utc(raw: str, expected: str) -> None:
    assert iso(raw) == expected


def test_a_time_in_an_unknown_zone_keeps_the_day_only() -> None:
    found = read_date("Nov 19, 2019 8:21 am ET")
    assert found is not None and found.iso == "2019-11-19" and not found.has_time


def test_a_day_without_time_is_not_shifted() -> None:
    found = read_date("6 November 2023")
    assert found is not None and not found.has_time
    assert found.utc == datetime(2023, 11, 6, tzinfo=UTC)


# -- epochs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [1699264800, 1699264800.0, "1699264800", 1699264800000, "1699264800000", 1699264800000.0],
)
def test_epoch_seconds_and_milliseconds_by_magnitude(raw) -> None:
    assert iso(raw) == "2023-11-06T10:00:00+00:00"


def test_epoch_fractions_and_extended_json() -> None:
    assert iso(1699264800.75) == "2023-11-06T10:00:00+00:00"
    assert iso({"$date": "2023-11-06T10:00:00Z"}) == "2023-11-06T10:00:00+00:00"
    assert iso({"$date": {"$numberLong": "1699264800000"}}) == "2023-11-06T10:00:00+00:00"
    assert iso(["", "6 November 2023"]) == "2023-11-06"


@pytest.mark.parametrize(
    "raw",
    [0, 42, 2023, -1699264800, 99_999_999, 10**20, float("nan"), float("inf"), True, False,
     "2023", "42", "12345678901234567"],
)
def test_numbers_that_are_not_plausible_epochs_are_refused(raw) -> None:
    assert read_date(raw) is None


def test_year_bounds_apply_to_epochs_too() -> None:
    far = datetime(max_year() + 1, 6, 1, tzinfo=UTC).timestamp()
    assert read_date(int(far)) is None
    assert read_date(int(far * 1000)) is None


# -- garbage and strictness ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [None, "", "   ", "yesterday", "3 hours ago", "May", "May 2023", "November 6",
     "2019-02-30", "31 February 2019", "2023-13-01", "6 Smarch 2023", "5 of May and 2023",
     "10 things", "12", "n/a", "TBD", "Monday", "1750-06-01", "6 November 1799", {}, [],
     {"not": "a date"}, object()],
)
def test_garbage_is_not_a_date(raw) -> None:
    assert read_date(raw) is None


def test_years_before_1800_and_far_ahead_are_refused() -> None:
    assert iso(f"{MIN_YEAR}-01-01") == f"{MIN_YEAR}-01-01"
    assert read_date(f"{MIN_YEAR - 1}-12-31") is None
    assert iso(f"{max_year()}-12-31") == f"{max_year()}-12-31"
    assert read_date(f"{max_year() + 1}-01-01") is None
    assert read_date("2999-01-01") is None


@pytest.mark.parametrize(
    "line",
    [
        "6 November 2023",
        "Monday 6 November 2023",
        "Published 6 Nov 2023 10:00 GMT",
        "Updated: 2023-11-06",
        "Last Updated: 10:30 AM EST, Mon November 6, 2023",
        "November 12, 2018 | BY: Jane Doe",
        "By JANE DOE - 2019-04-10",
        "Nov 20 2019, 10:18am ist",
        "2018.04.05 ~ OPEN RUN",
        "기사입력 :[ 2018-09-28 17:32 ]",
    ],
)
def test_datelines_are_date_lines(line: str) -> None:
    assert is_date_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "He died on 6 November 2023.",
        "6 Nov 2023 – ceasefire announced in Gaza",
        "Sales rose in May 2023",
        "1699264800",
        "20231106",
        "Talks resume on Monday",
        "10 people died",
        "Published: 10:30 GMT",
        "31 February 2019",
        "The 2023-11 budget was approved",
        "",
    ],
)
def test_sentences_and_numbers_are_not_date_lines(line: str) -> None:
    assert not is_date_line(line)


def test_find_date_reads_only_date_shapes_inside_text() -> None:
    found = find_date("Posted by John on Nov 6, 2023 at 10:00")
    assert found is not None and found.iso == "2023-11-06T10:00:00+00:00"
    later = find_date("Filed 31/02/2023, corrected 5 March 2021")  # skips the impossible one
    assert later is not None and later.iso == "2021-03-05"
    assert find_date("Order 1699264800 shipped in 2023") is None
    assert find_date("on May 5 they met, in 2023") is None


# -- JSON records -------------------------------------------------------------------


def test_the_key_list_holds_the_common_keys() -> None:
    for key in ("date", "published", "published_at", "publishedAt", "pubDate",
                "datePublished", "created_at", "createdAt", "updated", "timestamp", "time",
                "dateCreated", "issued"):
        assert key in DATE_KEYS


def test_record_keys_match_ignoring_case_and_separators() -> None:
    assert record_date({"PublishedAt": "2023-11-06"}).date.iso == "2023-11-06"
    assert record_date({"pub-date": "6 Nov 2023"}).date.iso == "2023-11-06"
    assert record_date({"PUBDATE": 1699264800}).date.iso == "2023-11-06T10:00:00+00:00"


def test_record_prefers_publication_and_falls_back_to_a_readable_key() -> None:
    both = record_date({"updated": "2024-01-01", "published": "2023-11-06"})
    assert both.date.iso == "2023-11-06" and both.original == "2023-11-06"
    fallback = record_date({"date": "TBD", "created_at": "2023-11-06T10:00:00Z"})
    assert fallback.date.iso == "2023-11-06T10:00:00+00:00" and not fallback.unreadable


def test_record_with_an_unreadable_date_names_the_raw_value() -> None:
    found = record_date({"date": "next tuesday", "time": "soon"})
    assert found.date is None and found.unreadable and found.original == "next tuesday"
    assert record_date({"published": 12}).original == "12"
    none = record_date({"title": "no date here", "date": ""})
    assert none.date is None and not none.unreadable and none.original is None


# -- the index mapping --------------------------------------------------------------


def test_to_iso_shows_midnight_as_a_day_and_other_times_in_utc() -> None:
    assert to_iso(datetime(2023, 11, 6)) == "2023-11-06"
    assert to_iso(datetime(2023, 11, 6, 10, 5, 7)) == "2023-11-06T10:05:07+00:00"
    plus_two = timezone(timedelta(hours=2))
    assert to_iso(datetime(2023, 11, 6, 1, 0, tzinfo=plus_two)) == "2023-11-05T23:00:00+00:00"
    assert to_iso(datetime(2023, 11, 6, 10), has_time=False) == "2023-11-06"


def test_parse_iso_gives_the_naive_utc_datetime_the_index_stores() -> None:
    assert parse_iso("2023-11-06T10:00:00+00:00") == datetime(2023, 11, 6, 10)
    assert parse_iso("2023-11-06T12:00:00+02:00") == datetime(2023, 11, 6, 10)
    assert parse_iso("2023-11-06") == datetime(2023, 11, 6)
    assert parse_iso(None) is None and parse_iso("garbage") is None


# -- bounds for filters and queries -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2023", datetime(2023, 1, 1), datetime(2024, 1, 1)),
        ("2023-11", datetime(2023, 11, 1), datetime(2023, 12, 1)),
        ("2023-12", datetime(2023, 12, 1), datetime(2024, 1, 1)),
        ("2023-2", datetime(2023, 2, 1), datetime(2023, 3, 1)),
        ("November 2023", datetime(2023, 11, 1), datetime(2023, 12, 1)),
        ("2023-11-06", datetime(2023, 11, 6), datetime(2023, 11, 7)),
        ("6 November 2023", datetime(2023, 11, 6), datetime(2023, 11, 7)),
        ("Nov 6, 2023", datetime(2023, 11, 6), datetime(2023, 11, 7)),
        ("20231106", datetime(2023, 11, 6), datetime(2023, 11, 7)),
        ("2100-01-01", datetime(2100, 1, 1), datetime(2100, 1, 2)),  # no article bounds
    ],
)
def test_date_bounds_cover_the_period(text: str, start: datetime, end: datetime) -> None:
    assert date_bounds(text, end=False) == start  # naive, in UTC
    assert date_bounds(text, end=True) == end - timedelta(microseconds=1)


def test_date_bounds_of_a_timestamp_is_the_instant_in_utc() -> None:
    instant = datetime(2023, 11, 6, 9)
    assert date_bounds("2023-11-06T10:00:00+01:00", end=False) == instant
    assert date_bounds("2023-11-06T10:00:00+01:00", end=True) == instant
    assert date_bounds("Mon, 06 Nov 2023 09:00:00 GMT", end=True) == instant


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_bounds_are_none(text) -> None:
    assert date_bounds(text, end=False) is None and date_bounds(text, end=True) is None


@pytest.mark.parametrize(
    "text",
    ["yesterday", "garbage", "2023-13", "2023-02-30", "1699264800", "23", "6 Nov",
     "Published on 6 Nov 2023", "x" * 200],
)
def test_unreadable_bounds_are_a_bad_query_naming_the_forms(text: str) -> None:
    with pytest.raises(BadQuery, match="YYYY-MM-DD") as caught:
        date_bounds(text, end=False)
    assert text[:20] in str(caught.value)


# -- round trips --------------------------------------------------------------------

_instants = st.datetimes(
    min_value=datetime(1801, 1, 2), max_value=datetime(max_year() - 1, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                               timezone(timedelta(hours=-8)), timezone(timedelta(hours=13))]),
).map(lambda d: d.replace(microsecond=0))


@settings(max_examples=150, deadline=None)
@given(_instants)
def test_timestamps_round_trip_through_every_written_form(moment: datetime) -> None:
    utc = moment.astimezone(UTC)
    offset = moment.strftime("%z")
    forms = [
        moment.isoformat(),
        moment.strftime("%Y-%m-%d %H:%M:%S ") + offset,
        format_datetime(moment),  # RFC 2822
        moment.strftime(f"%d %B %Y %H:%M:%S {offset}"),
        moment.strftime(f"%B {moment.day}, %Y %H:%M:%S {offset}"),
    ]
    for text in forms:
        found = read_date(text)
        assert found is not None, text
        assert found.utc == utc and found.has_time, text
        assert read_date(found.iso).utc == utc  # the stored form reads back the same
    if utc.year >= 1974:
        assert read_date(int(utc.timestamp())).utc == utc
        assert read_date(int(utc.timestamp()) * 1000).utc == utc


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=datetime(1800, 1, 1).date(), max_value=datetime(2028, 12, 31).date()))
def test_days_round_trip_without_gaining_a_time(day) -> None:
    for text in (day.isoformat(), day.strftime("%d %B %Y"), day.strftime("%b %d, %Y"),
                 day.strftime("%A, %d %B %Y"), day.strftime("%Y/%m/%d"),
                 day.strftime("%d.%m.%Y")):
        found = read_date(text)
        assert found is not None and found.iso == day.isoformat() and not found.has_time, text
        assert date_bounds(text, end=False).date() == day


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_reads_as_a_date_or_none_and_bounds_fail_only_with_bad_query(text) -> None:
    found = read_date(text)
    assert found is None or MIN_YEAR <= found.utc.year <= max_year()
    find_date(text)
    is_date_line(text)
    try:
        bound = date_bounds(text, end=True)
    except BadQuery as exc:
        assert "YYYY" in str(exc)
    else:
        assert bound is None or bound.tzinfo is None
