"""Alerts: the paragraphs a reindex added, matched against every saved search.

Only the new paragraphs are searched (the engine restricted to their ids, in chunks of
``limits.MAX_ID_FILTER``), never the whole index again. Each match is recorded with
its highlighted text, so feeds and ``searchsvc alerts`` show what matched even after
the paragraph changes. A saved search whose query no longer parses (or is refused)
is reported beside it, and the others are matched as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from . import limits
from .engine import SearchEngine
from .errors import BadQuery
from .saved import SavedStore


@dataclass
class AlertRun:
    """What one matching pass found: new matches per saved search, and problems."""

    new: dict[str, int] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def match_new(engine: SearchEngine, store: SavedStore, paragraph_ids: Sequence[str]) -> AlertRun:
    """Match ``paragraph_ids`` (just committed, so searchable) against every saved
    search in ``store``, record the new matches and return what was found."""
    run = AlertRun()
    if not paragraph_ids:
        return run
    for saved in store.list():
        try:
            hits = []
            for start in range(0, len(paragraph_ids), limits.MAX_ID_FILTER):
                chunk = list(paragraph_ids[start : start + limits.MAX_ID_FILTER])
                request = saved.request(ids=chunk, collapse=False, sort="newest")
                with engine.export(request) as found:
                    hits.extend(found.hits())
            if hits and saved.params.get("q"):
                marked = engine.highlight(
                    saved.params["q"],
                    [h.text for h in hits],
                    bool(saved.params.get("expand_locations")),
                )
                for hit, highlight in zip(hits, marked, strict=True):
                    hit.highlight = highlight
            else:
                for hit in hits:
                    hit.highlight = escape(hit.text)
            run.new[saved.name] = store.record(saved.name, [h.to_dict() for h in hits])
        except BadQuery as exc:
            store.report_problem(saved.name, str(exc))
            run.problems[saved.name] = str(exc)
    return run
