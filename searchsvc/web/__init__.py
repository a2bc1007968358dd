"""The web search page and the JSON API (the only package that imports Flask).

One module per job:

- ``app``: ``create_app`` (configuration, error handlers, security headers, CORS);
- ``backend``: the app's ``SearchEngine`` (the only way to the index);
- ``params``: query-string parameters, read and described once; ``build_request``;
- ``links``: the URLs the pages link to (``search_href``, ``toggle_href``...);
- ``pages``: the HTML blueprint (``/``, ``/article/<id>``);
- ``api``: the JSON blueprint (``/api/...``); ``endpoint`` adds a route with its
  OpenAPI entry;
- ``openapi``: the OpenAPI document, built from the models and the parameters.
"""

from .app import create_app
from .backend import BACKEND_KEY
from .openapi import openapi_spec

__all__ = ["BACKEND_KEY", "create_app", "openapi_spec"]
