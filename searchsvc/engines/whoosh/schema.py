"""The Whoosh schema of a paragraph document, and the mapping between it and ``Paragraph``.

The indexer writes documents built by ``paragraph_to_document``; the searcher reads
stored fields back through ``stored_to_paragraph``. Both sides agree here and nowhere else.

Field guide:
- ``text`` / ``title``: stemmed, accent-folded, with positions (phrases, highlighting);
  ``title`` carries a field boost so headline matches rank above body-only matches.
- ``actors`` / ``locations``: exact canonical names, comma-separated keyword fields, for
  filters and facet counts (the values shown to users).
- ``actor_terms`` / ``location_terms`` / ``source_terms``: the same names as folded words,
  so ``actor:erdogan`` matches "Recep Tayyip Erdoğan".
- ``countries`` / ``country_terms``: the country code and country name of each located
  place, so that a filter on a country can include its cities.
- ``source_key``: ``path`` plus the file's size and mtime, for incremental reindexing.
- ``copy_signature`` / ``article_signature``: the near-duplicate signature of the text
  and (on an article's first paragraph) of the article's body (``searchsvc.copies``),
  fixed-width columns read in one piece per segment; candidates are found from their
  band keys per index version (``search/copies.py``), not from terms, which cost
  Whoosh's writer too much. Indexes built before copies lack them: they are searched
  as before and written without them (``COPY_FIELDS``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, NUMERIC, STORED, Schema

from searchsvc.copies import SIGNATURE_BYTES
from searchsvc.dates import parse_iso, to_iso
from searchsvc.models import Paragraph, Place
from searchsvc.urls import http_url

from .analysis import NAME_KIND, TEXT_KIND, AnalysedText, name_analyzer, text_analyzer

__all__ = ["build_schema", "name_analyzer", "text_analyzer"]

TITLE_BOOST = 2.0
COPY_SIGNATURE = "copy_signature"
ARTICLE_SIGNATURE = "article_signature"
COPY_FIELDS = (COPY_SIGNATURE, ARTICLE_SIGNATURE)
NO_SIGNATURE = bytes(SIGNATURE_BYTES)


class ExactDate(DATETIME):
    """DATETIME indexed as one term per value. Whoosh's default adds eight coarser
    terms per date for its tiered range queries; searchsvc reads date ranges from the
    sortable column instead, so those terms only cost indexing time."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.shift_step = 0


def build_schema() -> Schema:
    """Return a new Schema for paragraph documents."""
    return Schema(
        id=ID(stored=True, unique=True),
        article_id=ID(stored=True),
        path=ID(stored=True),
        source_key=ID(stored=False),
        position=NUMERIC(int, stored=True, sortable=True, shift_step=0),
        count=STORED(),
        title=AnalysedText(TEXT_KIND, stored=True, field_boost=TITLE_BOOST),
        text=AnalysedText(TEXT_KIND, stored=True),
        source=ID(stored=True),
        source_terms=AnalysedText(NAME_KIND),
        date=ExactDate(stored=True, sortable=True),
        url=STORED(),
        author=STORED(),
        actors=KEYWORD(stored=True, commas=True, lowercase=False, scorable=False),
        actor_terms=AnalysedText(NAME_KIND),
        locations=KEYWORD(stored=True, commas=True, lowercase=False, scorable=False),
        location_terms=AnalysedText(NAME_KIND),
        countries=KEYWORD(stored=True, commas=True, lowercase=False, scorable=False),
        country_terms=AnalysedText(NAME_KIND),
        places=STORED(),
        copy_signature=COLUMN(FixedBytesColumn(SIGNATURE_BYTES, default=NO_SIGNATURE)),
        article_signature=COLUMN(FixedBytesColumn(SIGNATURE_BYTES, default=NO_SIGNATURE)),
    )


def has_copies(schema: Schema) -> bool:
    """Return True when an index's schema has the copy fields (built with copies)."""
    return all(name in schema for name in COPY_FIELDS)


def keyword_value(names: list[str]) -> str:
    """Return names joined for a comma-separated KEYWORD field (commas inside a name
    become spaces, duplicates dropped, order kept)."""
    seen: dict[str, None] = {}
    for name in names:
        clean = " ".join(name.replace(",", " ").split())
        if clean:
            seen.setdefault(clean, None)
    return ",".join(seen)


def paragraph_to_document(paragraph: Paragraph, source_key: str = "") -> dict[str, Any]:
    """Return the Whoosh document (field -> value) for a paragraph."""
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
        "source": paragraph.source or "",
        "source_terms": paragraph.source or "",
        "url": paragraph.url or "",
        "author": paragraph.author or "",
        "actors": keyword_value(paragraph.actors),
        "actor_terms": "\n".join(paragraph.actors),
        "locations": keyword_value([p.name for p in places]),
        "location_terms": "\n".join(p.name for p in places),
        "countries": keyword_value([p.country_code for p in places if p.country_code]),
        "country_terms": "\n".join(p.country for p in places if p.country),
        "places": [p.to_dict() for p in places],
    }
    date = parse_iso(paragraph.date)
    if date is not None:
        doc["date"] = date
    for name, value in (
        (COPY_SIGNATURE, paragraph.copy_signature),
        (ARTICLE_SIGNATURE, paragraph.article_signature),
    ):
        if value and len(value) == SIGNATURE_BYTES:
            doc[name] = value
    return doc


def split_keywords(value: str | None) -> list[str]:
    """Return the names stored in a comma-separated KEYWORD field."""
    if not value:
        return []
    return [v for v in value.split(",") if v]


def stored_to_paragraph(fields: dict[str, Any]) -> Paragraph:
    """Return the Paragraph rebuilt from a document's stored fields."""
    return Paragraph(
        id=fields["id"],
        article_id=fields.get("article_id", ""),
        position=int(fields.get("position", 0) or 0),
        count=int(fields.get("count", 0) or 0),
        text=fields.get("text", ""),
        title=fields.get("title", ""),
        date=to_iso(date) if isinstance(date := fields.get("date"), datetime) else None,
        source=fields.get("source") or None,
        url=http_url(fields.get("url")),  # an index written before URLs were checked
        author=fields.get("author") or None,
        path=fields.get("path") or None,
        actors=split_keywords(fields.get("actors")),
        locations=[Place.from_dict(d) for d in fields.get("places") or []],
    )
