"""The app's search engine: opened once by ``create_app``, reached by every view through
``get_backend`` (the web app talks to the index only through ``SearchEngine``)."""

from __future__ import annotations

from flask import Flask, current_app

from ..engine import SearchEngine, open_engine
from ..errors import IndexOutdated
from ..models import Copy

BACKEND_KEY = "searchsvc.backend"


def init_backend(app: Flask) -> SearchEngine:
    """Return the engine the app searches, kept in ``app.extensions``: the config's
    ``SEARCH_BACKEND`` when given (tests), else a reader of ``INDEX_DIR``."""
    backend = app.config.get("SEARCH_BACKEND") or open_engine(str(app.config["INDEX_DIR"])).reader()
    app.extensions[BACKEND_KEY] = backend
    return backend


def get_backend() -> SearchEngine:
    """Return the search engine of the app handling the current request."""
    return current_app.extensions[BACKEND_KEY]


def article_copies_known(article_id: str) -> list[Copy] | None:
    """Return the other copies of an article, or None when the index cannot tell (it
    has no copy signatures: the article is shown anyway)."""
    try:
        return get_backend().article_copies(article_id).copies
    except IndexOutdated:
        return None
