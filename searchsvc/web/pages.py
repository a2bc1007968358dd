"""The HTML blueprint: the search page (``/``) and the article page (``/article/<id>``),
rendered from the same ``SearchRequest`` and engine call as the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup

from ..errors import BadQuery, SearchsvcError
from ..limits import MAX_QUERY_CHARS, MAX_RESULT_DEPTH, SORTS
from ..models import SearchPage, SearchRequest
from ..urls import http_url
from . import panels
from .backend import article_copies_known, get_backend
from .differences import marked_differences
from .links import article_href, copies_href, search_href, similar_href, toggle_href
from .params import (
    PARAGRAPH_ID,
    SIMILAR_PAGE,
    ChartView,
    build_chart_view,
    build_request,
    has_search,
)

_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}
SORT_LABELS = {sort: _LABELS[sort] for sort in SORTS}  # a new sort order needs its label

pages = Blueprint("pages", __name__)


@pages.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    """Give every template of the app the link builders, the form's values and the
    ``http_url`` filter (links only ever to http(s))."""
    state.app.jinja_env.filters["http_url"] = http_url
    state.app.jinja_env.globals.update(
        search_href=search_href,
        article_href=article_href,
        toggle_href=toggle_href,
        copies_href=copies_href,
        similar_href=similar_href,
        sort_labels=SORT_LABELS,
        max_query_chars=MAX_QUERY_CHARS,
    )


@pages.get("/")
def index() -> Any:
    """Return the search page; with a query or filters, the results too."""
    error = None
    status = 200
    req = SearchRequest()
    page = None
    views: dict[str, Any] = {}
    try:
        req = build_request(request.args)
        view = build_chart_view(request.args)
        if has_search(req):
            page = get_backend().search(req)
            views = _views(req, page, view)
    except SearchsvcError as exc:
        error, status = str(exc), exc.http_status
    pagination = _pagination(page) if page else None
    return (
        render_template(
            "index.html", req=req, page=page, error=error, pagination=pagination, **views
        ),
        status,
    )


def _views(req: SearchRequest, page: SearchPage, view: ChartView) -> dict[str, Any]:
    """Return the analyst panels of a result page (none when nothing matches): the
    ``chart``, the ``named_with`` panels and the ``downloads`` links."""
    if not page.total:
        return {}
    backend = get_backend()
    return {
        "chart": panels.chart(backend, req, view),
        "named_with": panels.named_with(backend, req, page),
        "downloads": panels.downloads(req),
    }


@pages.get("/article/<path:article_id>")
def article_page(article_id: str) -> Any:
    """Return an article page: every paragraph, the ones matching ``q`` highlighted."""
    backend = get_backend()
    paragraphs = backend.article(article_id)
    try:
        req = build_request(request.args)
    except BadQuery:
        req = SearchRequest()
    q = req.q
    texts = [p.text for p in paragraphs]
    try:
        marked = backend.highlight(q, texts, req.expand_locations) if q else None
    except BadQuery:
        marked = None
    highlights: list[Markup]
    if marked is None:
        highlights = [Markup.escape(t) for t in texts]
    else:
        highlights = [Markup(h) for h in marked]  # built escaped, only <mark> tags
    back = search_href(req, page=req.page) if has_search(req) else "/"
    return render_template(
        "article.html",
        paragraphs=list(zip(paragraphs, highlights, strict=True)),
        first=paragraphs[0],
        q=q,
        back=back,
        copies=article_copies_known(article_id),
    )


@pages.get("/copies/<path:paragraph_id>")
def copies_page(paragraph_id: str) -> Any:
    """Return the page listing a paragraph's copies (source, date, headline), each with
    its differences from the paragraph marked."""
    found = get_backend().copies(PARAGRAPH_ID.check(paragraph_id))
    of = get_backend().article(found.of.split("#")[0])
    paragraph = next(p for p in of if p.id == found.of)
    rows = [(c, marked_differences(paragraph.text, c.text)) for c in found.copies]
    return render_template("copies.html", paragraph=paragraph, found=found, rows=rows)


@pages.get("/similar/<path:paragraph_id>")
def similar_page(paragraph_id: str) -> Any:
    """Return the page of paragraphs about the same thing in other articles."""
    backend = get_backend()
    page_number = SIMILAR_PAGE.read(request.args)
    found = backend.similar(PARAGRAPH_ID.check(paragraph_id), page_number)
    article = backend.article(paragraph_id.split("#")[0])
    paragraph = next(p for p in article if p.id == paragraph_id)
    return render_template("similar.html", paragraph=paragraph, page=found, req=SearchRequest())


def _pagination(page: SearchPage) -> dict[str, Any]:
    """Return what the template needs to draw page links."""
    reachable = min(page.total, MAX_RESULT_DEPTH)
    last = max(1, -(-reachable // page.per_page))
    current = page.page
    window = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    return {"current": current, "last": last, "pages": window}
