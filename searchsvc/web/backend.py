"""The app's search engine and saved-search store: opened once by ``create_app``,
reached by every view through ``get_backend`` and ``get_store`` (the web app talks to
the index only through ``SearchEngine``, to the saved searches only through
``SavedStore``)."""

from __future__ import annotations

from flask import Flask, current_app

from ..engine import SearchEngine, open_engine
from ..errors import IndexOutdated
from ..models import Copy
from ..saved import SavedStore, default_path

BACKEND_KEY = "searchsvc.backend"
STORE_KEY = "searchsvc.saved"


def init_backend(app: Flask) -> SearchEngine:
    """Return the engine the app searches, kept in ``app.extensions``: the config's
    ``SEARCH_BACKEND`` when given (tests), else a reader of ``INDEX_DIR``. The saved
    searches are opened beside it: the config's ``SAVED_DB``, else
    ``saved.default_path(INDEX_DIR)``."""
    backend = app.config.get("SEARCH_BACKEND") or open_engine(str(app.config["INDEX_DIR"])).reader()
    app.extensions[BACKEND_KEY] = backend
    location = app.config.get("SAVED_DB") or default_path(str(app.config["INDEX_DIR"]))
    app.extensions[STORE_KEY] = SavedStore(location)
    return backend


def get_backend() -> SearchEngine:
    """Return the search engine of the app handling the current request."""
    return current_app.extensions[BACKEND_KEY]


def get_store() -> SavedStore:
    """Return the saved-search store of the app handling the current request."""
    return current_app.extensions[STORE_KEY]


def article_copies_known(article_id: str) -> list[Copy] | None:
    """Return the other copies of an article, or None when the index cannot tell (it
    has no copy signatures: the article is shown anyway)."""
    try:
        return get_backend().article_copies(article_id).copies
    except IndexOutdated:
        return None
