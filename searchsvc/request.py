"""Engine-neutral validation of a ``SearchRequest``, run once per request before any
engine sees it.

``validate(request)`` checks every limit (``searchsvc.limits``) and reads the date
filters; engines receive the ``Checked`` result and never re-validate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import limits
from .dates import date_bounds
from .errors import BadQuery
from .models import SearchRequest


@dataclass(frozen=True)
class Checked:
    """A validated request with its date filter read: ``start``/``end`` are the first
    and last instants (UTC, naive) of ``date_from``/``date_to``, or None."""

    request: SearchRequest
    start: datetime | None
    end: datetime | None


def validate(req: SearchRequest) -> Checked:
    """Return the request with its dates read; raise BadQuery naming the first problem."""
    if req.sort not in limits.SORTS:
        raise BadQuery(f"sort must be one of {', '.join(limits.SORTS)}")
    if not 1 <= req.per_page <= limits.MAX_PER_PAGE:
        raise BadQuery(f"per_page must be between 1 and {limits.MAX_PER_PAGE}")
    if req.page < 1:
        raise BadQuery("page must be 1 or more")
    if req.page * req.per_page > limits.MAX_RESULT_DEPTH:
        raise BadQuery(
            f"results are available to a depth of {limits.MAX_RESULT_DEPTH} "
            "(page × per_page); refine the query or add filters"
        )
    if not 1 <= req.facet_limit <= limits.MAX_FACET_LIMIT:
        raise BadQuery(f"facet_limit must be between 1 and {limits.MAX_FACET_LIMIT}")
    for name, values in (
        ("actor", req.actors),
        ("location", req.locations),
        ("source", req.sources),
    ):
        if len(values) > limits.MAX_FILTER_VALUES:
            raise BadQuery(f"at most {limits.MAX_FILTER_VALUES} {name} filters")
        if any(len(v) > limits.MAX_FILTER_CHARS for v in values):
            raise BadQuery(
                f"a {name} filter is longer than {limits.MAX_FILTER_CHARS} characters"
            )
    if len(req.ids) > limits.MAX_ID_FILTER:
        raise BadQuery(f"at most {limits.MAX_ID_FILTER} paragraph ids")
    if req.article_id is not None and not limits.valid_article_id(req.article_id):
        raise BadQuery("article must be an article id (hexadecimal)")
    start = date_bounds(req.date_from, end=False)
    stop = date_bounds(req.date_to, end=True)
    if start and stop and start > stop:
        raise BadQuery("the start date is after the end date")
    return Checked(req, start, stop)


def check_similar_page(page: int, per_page: int) -> None:
    """Raise BadQuery unless a "more like this" page is within its limits."""
    if not 1 <= per_page <= limits.MAX_PER_PAGE:
        raise BadQuery(f"per_page must be between 1 and {limits.MAX_PER_PAGE}")
    if page < 1:
        raise BadQuery("page must be 1 or more")
    if (page - 1) * per_page >= limits.MAX_SIMILAR:
        raise BadQuery(f"similar paragraphs are listed to a depth of {limits.MAX_SIMILAR}")
