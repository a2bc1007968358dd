"""Who and where is named with whom: the actors or locations most named in a query's
hits, each with its count, its share of the hits and its lift against the whole index.

``lift`` = (share of the hits naming the value) / (share of all paragraphs naming it):
1 for a value named as often as everywhere else, above 1 for one the query's hits name
more than usual. Values named fewer than ``min_count`` times among the hits are left
out (rare names have large, meaningless lifts). Computed above the engine from two
``SearchEngine.value_counts`` answers. With ``dedupe`` the hits are stories (one per
cluster of copies; ``counted`` says so); the whole index is still every paragraph.
"""

from __future__ import annotations

from dataclasses import replace

from . import limits
from .engine import SearchEngine
from .errors import BadQuery
from .models import Related, RelatedValue, SearchRequest


def related(
    engine: SearchEngine,
    request: SearchRequest,
    field: str,
    *,
    sort: str = "lift",
    min_count: int = limits.DEFAULT_RELATED_MIN_COUNT,
    limit: int = limits.DEFAULT_RELATED_LIMIT,
) -> Related:
    """Return the ``limit`` values of ``field`` (``actors`` or ``locations``) most
    named in the hits of ``request``, by lift or by count."""
    if field not in limits.RELATED_FIELDS:
        raise BadQuery(f"field must be one of {', '.join(limits.RELATED_FIELDS)}")
    if sort not in limits.RELATED_SORTS:
        raise BadQuery(f"sort must be one of {', '.join(limits.RELATED_SORTS)}")
    if not 1 <= limit <= limits.MAX_RELATED_LIMIT:
        raise BadQuery(f"limit must be between 1 and {limits.MAX_RELATED_LIMIT}")
    if min_count < 1:
        raise BadQuery("min_count must be 1 or more")
    hits = engine.value_counts(
        replace(request, page=1, collapse=False), field, limit=limits.RELATED_CANDIDATES
    )
    counted = "stories" if request.dedupe else "paragraphs"
    kept = {v: c for v, c in hits.counts.items() if c >= min_count}
    if not kept or not hits.matched:
        return Related(field=field, values=[], matched=hits.matched, counted=counted)
    everywhere = engine.value_counts(None, field, values=list(kept))
    values = []
    for value, count in kept.items():
        share = count / hits.matched
        named = everywhere.counts.get(value, 0)
        background = named / everywhere.matched if everywhere.matched else 0.0
        lift = share / background if background else 0.0
        values.append(RelatedValue(value, count, round(share, 6), round(lift, 4)))
    if sort == "lift":
        values.sort(key=lambda v: (-v.lift, -v.count, v.value))
    else:
        values.sort(key=lambda v: (-v.count, -v.lift, v.value))
    return Related(field=field, values=values[:limit], matched=hits.matched, counted=counted)
