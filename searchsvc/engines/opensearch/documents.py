"""``Paragraph`` <-> paragraph document of the cluster, both ways, here only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...copies import Bands, to_hex
from ...dates import parse_iso
from ...models import Hit, Paragraph, Place
from .analysis import index_text, name_text

# What searches read back from _source (the prepared copies are not there anyway).
SOURCE_FIELDS = [
    "id",
    "article_id",
    "position",
    "count",
    "title",
    "text",
    "date",
    "source",
    "url",
    "author",
    "path",
    "actors",
    "places",
]


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        clean = " ".join(str(value).split())
        if clean:
            seen.setdefault(clean, None)
    return list(seen)


def shown_date(value: datetime | None) -> str | None:
    """Return a date as both engines show it: ``YYYY-MM-DD``, or an ISO timestamp
    (UTC, no offset) when it has a time of day."""
    if value is None:
        return None
    if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return value.date().isoformat()
    return value.replace(microsecond=0).isoformat()


def paragraph_document(
    paragraph: Paragraph, source_key: str, bands: Bands | None = None
) -> dict[str, Any]:
    """Return the cluster document of ``paragraph`` (``_source`` plus indexed copies),
    with its copy signatures and their ``bands`` (``copies.bands_of``) when given."""
    places = paragraph.locations
    doc: dict[str, Any] = {
        "id": paragraph.id,
        "article_id": paragraph.article_id,
        "path": paragraph.path or "",
        "source_key": source_key,
        "position": paragraph.position,
        "count": paragraph.count,
        "title": paragraph.title or "",
        "text": paragraph.text,
        "headline": index_text(paragraph.title),
        "body": index_text(paragraph.text),
        "source": paragraph.source or "",
        "source_words": name_text(paragraph.source),
        "url": paragraph.url or "",
        "author": paragraph.author or "",
        "actors": _unique(paragraph.actors),
        "actor_words": [name_text(a) for a in _unique(paragraph.actors)],
        "locations": _unique([p.name for p in places]),
        "location_words": [name_text(p.name) for p in places],
        "countries": _unique([p.country_code for p in places if p.country_code]),
        "country_words": [name_text(p.country) for p in places if p.country],
        "places": [p.to_dict() for p in places],
    }
    date = shown_date(parse_iso(paragraph.date))
    if date is not None:
        doc["date"] = date
    if not doc["source"]:
        del doc["source"]  # no empty facet value
    if bands is not None and bands.paragraph:
        doc["copy_bands"] = bands.paragraph
        doc["copy_signature"] = to_hex(paragraph.copy_signature)
    if bands is not None and bands.article:
        doc["article_bands"] = bands.article
        doc["article_signature"] = to_hex(paragraph.article_signature)
    return doc


def source_paragraph(source: dict[str, Any]) -> Paragraph:
    """Return the Paragraph rebuilt from a document's ``_source``."""
    return Paragraph(
        id=source["id"],
        article_id=source.get("article_id", ""),
        position=int(source.get("position") or 0),
        count=int(source.get("count") or 0),
        text=source.get("text", ""),
        title=source.get("title", ""),
        date=source.get("date") or None,
        source=source.get("source") or None,
        url=source.get("url") or None,
        author=source.get("author") or None,
        path=source.get("path") or None,
        actors=list(source.get("actors") or []),
        locations=[Place.from_dict(d) for d in source.get("places") or []],
    )


def source_hit(source: dict[str, Any], highlight: str, score: float, more: int) -> Hit:
    """Return the Hit of a matching document."""
    return Hit.of(source_paragraph(source), highlight, score, more)
