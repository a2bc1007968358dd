"""The OpenAPI 3.0 document of the JSON API, generated rather than written: component
schemas from the dataclasses the API answers with (``searchsvc.models``: fields, type
hints and ``described`` metadata), parameters from ``params`` (their limits and enum
values come from ``searchsvc.limits``), operations from the endpoints that
``api.endpoint`` registers in ``ENDPOINTS``.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import searchsvc

from ..models import ArticleView, ErrorReply, in_api
from .params import Param

OPENAPI_VERSION = "3.0.3"
# Component names that are not the dataclass's own name.
COMPONENT_NAMES: dict[type, str] = {ArticleView: "Article", ErrorReply: "Error"}
NO_INDEX = "No usable index (missing, damaged, or its engine unreachable)."
NO_TOKEN = "The server requires its access token and none valid was sent."
FORGED = "A write from another origin, or with a browser's credentials but no CSRF token."
# How a program proves it may call the API when the server has an access token
# (``searchsvc serve --token``); without one every operation is open. Writes
# authenticated by a browser's credentials (the login cookie or basic auth) also need
# the CSRF token (header X-CSRF-Token); a bearer token does not.
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "The access token."},
    "basic": {
        "type": "http",
        "scheme": "basic",
        "description": "Any user name, the access token as the password.",
    },
}
ACCESS = [{"bearer": []}, {"basic": []}, {}]


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API as the document describes it: ``answer`` is the
    dataclass of its 200 JSON body (None: it has none), ``media`` the other media types
    its 200 may have (media type -> what it holds), ``headers`` the headers its 200
    always has (name -> meaning), ``errors`` the other statuses it may answer (each
    with the ``Error`` body) and what they mean; ``open`` when it answers without the
    access token."""

    path: str  # OpenAPI form: /api/articles/{id}
    operation_id: str
    summary: str
    answer: type | None
    answer_doc: str
    params: tuple[Param, ...] = ()
    errors: Mapping[int, str] = field(default_factory=dict)
    method: str = "get"
    description: str = ""
    open: bool = False
    media: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


ENDPOINTS: list[Endpoint] = []


def openapi_path(rule: str) -> str:
    """Return a Flask URL rule in OpenAPI form (``/articles/<path:id>`` ->
    ``/articles/{id}``)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def openapi_spec(endpoints: Iterable[Endpoint] | None = None) -> dict[str, Any]:
    """Return the OpenAPI document of ``endpoints`` (default: every registered one)."""
    schemas = Schemas()
    error = schemas.ref(ErrorReply)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS if endpoints is None else endpoints:
        errors = dict(endpoint.errors)
        if not endpoint.open:
            errors.setdefault(401, NO_TOKEN)
        if endpoint.method != "get":
            errors.setdefault(403, FORGED)
        ok = _response(
            None if endpoint.answer is None else schemas.ref(endpoint.answer),
            endpoint.answer_doc,
            endpoint.media,
        )
        if endpoint.headers:
            ok["headers"] = {
                name: {"description": meaning, "required": True, "schema": {"type": "string"}}
                for name, meaning in endpoint.headers.items()
            }
        responses = {"200": ok}
        for status, meaning in sorted(errors.items()):
            responses[str(status)] = _response(error, meaning)
        operation: dict[str, Any] = {
            "operationId": endpoint.operation_id,
            "summary": endpoint.summary,
        }
        if endpoint.description:
            operation["description"] = endpoint.description
        if endpoint.params:
            operation["parameters"] = [p.openapi() for p in endpoint.params]
        operation["responses"] = responses
        operation["security"] = [{}] if endpoint.open else ACCESS
        paths.setdefault(endpoint.path, {})[endpoint.method] = operation
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "searchsvc API",
            "version": searchsvc.__version__,
            "description": "Full-text search over news paragraphs, with actors, "
            "locations and source facets, and saved searches. Every error has the body "
            '{"error": {"code", "message"}}. A server started with an access token '
            "(searchsvc serve, SEARCHSVC_TOKEN) answers 401 without it, except "
            "/api/health.",
        },
        "paths": paths,
        "components": {"schemas": schemas.components, "securitySchemes": SECURITY_SCHEMES},
    }


def _response(
    schema: dict[str, Any] | None, description: str, media: Mapping[str, str] | None = None
) -> dict[str, Any]:
    content: dict[str, Any] = {} if schema is None else {"application/json": {"schema": schema}}
    for media_type, holds in (media or {}).items():
        content[media_type] = {"schema": {"type": "string", "description": holds}}
    return {"description": description, "content": content}


class Schemas:
    """JSON Schemas (OpenAPI 3.0 dialect) of dataclasses, collected as components."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}
        self.types: dict[str, type] = {}  # component name -> its dataclass

    def ref(self, cls: type) -> dict[str, Any]:
        """Return a ``$ref`` to the component schema of dataclass ``cls`` (built once)."""
        name = COMPONENT_NAMES.get(cls, cls.__name__)
        if self.types.setdefault(name, cls) is not cls:
            raise TypeError(f"two dataclasses named {name}: {self.types[name]} and {cls}")
        if name not in self.components:
            self.components[name] = {}  # placeholder: a class may refer to itself
            self.components[name] = self.object(cls)
        return {"$ref": f"#/components/schemas/{name}"}

    def object(self, cls: type) -> dict[str, Any]:
        """Return the object schema of dataclass ``cls``: one required property per
        field in the API, typed by its hint, described by its ``described`` metadata."""
        hints = get_type_hints(cls)
        properties: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if not in_api(f):
                continue
            schema = self.of(hints[f.name])
            extra = {**f.metadata.get("schema", {})}
            if f.metadata.get("doc"):
                extra["description"] = f.metadata["doc"]
            if extra and "$ref" in schema:
                schema = {"allOf": [schema]}  # OpenAPI 3.0 ignores siblings of $ref
            properties[f.name] = {**schema, **extra}
        return {
            "type": "object",
            "description": _summary(cls),
            "required": list(properties),
            "properties": properties,
        }

    def of(self, hint: Any) -> dict[str, Any]:
        """Return the schema of a value of type ``hint``."""
        origin, args = get_origin(hint), get_args(hint)
        if origin in (Union, types.UnionType):
            options = [a for a in args if a is not type(None)]
            if len(options) != 1:
                raise TypeError(f"no schema for the union {hint!r}")
            schema = self.of(options[0])
            if len(options) == len(args):
                return schema
            if "$ref" in schema:
                return {"allOf": [schema], "nullable": True}
            return {**schema, "nullable": True}
        if origin is Literal:
            return {**self.of(type(args[0])), "enum": list(args)}
        if origin in (list, tuple) and args:
            return {"type": "array", "items": self.of(args[0])}
        if origin is dict:
            key, value = args
            if get_origin(key) is Literal:
                names = list(get_args(key))
                item = self.of(value)
                return {
                    "type": "object",
                    "required": names,
                    "properties": {name: item for name in names},
                }
            return {"type": "object", "additionalProperties": self.of(value)}
        if dataclasses.is_dataclass(hint):
            return self.ref(hint)
        if hint is Any:
            return {}
        if hint in _PRIMITIVES:
            return {"type": _PRIMITIVES[hint]}
        raise TypeError(f"no schema for the type {hint!r}")


_PRIMITIVES = {str: "string", bool: "boolean", int: "integer", float: "number"}


def _summary(cls: type) -> str:
    """Return the first paragraph of the class's docstring, as plain text."""
    first = (cls.__doc__ or cls.__name__).strip().split("\n\n")[0]
    return " ".join(first.split()).replace("``", "")
