"""The one date reader of searchsvc (being completed: see issue 14)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .errors import BadQuery

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_FORMATS = ("%Y-%m-%d", "%Y-%m", "%Y")


def parse_iso(value: str | None) -> datetime | None:
    """Return the naive UTC datetime of an ISO date or timestamp, or None."""
    if not value:
        return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        return None
    if parsed.tzinfo is not None:
        from datetime import UTC

        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def date_bounds(value: str | None, end: bool) -> datetime | None:
    """Return the first (or, with ``end``, the last) instant of a ``YYYY``, ``YYYY-MM``,
    ``YYYY-MM-DD`` date or a full ISO timestamp; None for an empty value.
    Raises BadQuery for anything else."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    match = _DATE.fullmatch(text)
    try:
        if match:
            year, month, day = (int(g) if g else None for g in match.groups())
            start = datetime(year, month or 1, day or 1)
            if not end:
                return start
            if day:
                nxt = start + timedelta(days=1)
            elif month:
                nxt = datetime(year + (month == 12), month % 12 + 1, 1)
            else:
                nxt = datetime(year + 1, 1, 1)
            return nxt - timedelta(microseconds=1)
        parsed = parse_iso(text) if len(text) <= 40 else None
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise BadQuery(f"cannot read the date {text[:40]!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed
