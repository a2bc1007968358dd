"""The web search page and the JSON API (the only package that imports Flask).

One module per job:

- ``app``: ``create_app`` (configuration, error handlers, security headers, CORS);
- ``backend``: the app's ``SearchEngine`` and ``SavedStore`` (the only ways to the index
  and to the saved searches);
- ``params``: query-string parameters, read and described once; ``build_request``;
- ``links``: the URLs the pages link to (``search_href``, ``toggle_href``...);
- ``pages``: the HTML blueprint (``/``, ``/article/<id>``);
- ``api``: the JSON blueprint (``/api/...``); ``endpoint`` adds a route with its
  OpenAPI entry;
- ``openapi``: the OpenAPI document, built from the models and the parameters;
- ``auth``: who may do what (the access token, login, CSRF tokens, origin checks);
- ``saved_api``: the ``/api/saved`` endpoints; ``saved_pages``: the saved-search pages
  and their Atom feeds (``/saved``, ``/feeds/<name>.atom``).
"""

from .app import create_app
from .backend import BACKEND_KEY
from .openapi import openapi_spec

__all__ = ["BACKEND_KEY", "create_app", "openapi_spec"]
