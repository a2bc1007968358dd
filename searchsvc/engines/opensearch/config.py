"""Where the cluster is and how to talk to it: the index location and the environment.

A location is ``opensearch://HOST[:PORT]/NAME`` (HTTPS), ``https://HOST[:PORT]/NAME`` or
``http://HOST[:PORT]/NAME``; ``NAME`` is the alias searchsvc searches and manages.
Credentials never come from the location (a location is printed in messages and logs);
they come from the environment:

- ``SEARCHSVC_OPENSEARCH_USER`` and ``SEARCHSVC_OPENSEARCH_PASSWORD`` (basic auth), or
  ``SEARCHSVC_OPENSEARCH_API_KEY`` (sent as ``Authorization: ApiKey …``);
- ``SEARCHSVC_OPENSEARCH_CA_BUNDLE``: a PEM file of the certificate authorities to trust;
- ``SEARCHSVC_OPENSEARCH_VERIFY=0``: do not verify the server's certificate (explicit,
  and warned about on every start);
- ``SEARCHSVC_OPENSEARCH_TIMEOUT``: seconds one request may take (default 10; bulk
  writes get six times as long);
- ``SEARCHSVC_OPENSEARCH_SHARDS`` / ``SEARCHSVC_OPENSEARCH_REPLICAS``: primary shards
  and replicas of the indices a full rebuild creates (default 1 and 1).

This module does not import the client: the location can be checked, and a clear
message given, without it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...errors import SearchsvcError

LOG = logging.getLogger("searchsvc.opensearch")
DEFAULT_PORT = 9200
DEFAULT_TIMEOUT = 10.0
BULK_TIMEOUT_FACTOR = 6
ENV_USER = "SEARCHSVC_OPENSEARCH_USER"
ENV_PASSWORD = "SEARCHSVC_OPENSEARCH_PASSWORD"
ENV_API_KEY = "SEARCHSVC_OPENSEARCH_API_KEY"
ENV_CA_BUNDLE = "SEARCHSVC_OPENSEARCH_CA_BUNDLE"
ENV_VERIFY = "SEARCHSVC_OPENSEARCH_VERIFY"
ENV_TIMEOUT = "SEARCHSVC_OPENSEARCH_TIMEOUT"
ENV_SHARDS = "SEARCHSVC_OPENSEARCH_SHARDS"
ENV_REPLICAS = "SEARCHSVC_OPENSEARCH_REPLICAS"
# OpenSearch index and alias names: lowercase, no path or wildcard characters, not
# starting with '_', '-', '+' or '.' (hidden), at most 255 bytes; searchsvc keeps a
# margin for the suffixes of its build, file-state and lock indices.
_NAME = re.compile(r"[a-z0-9][a-z0-9_\-]{0,150}")
_FALSE = {"0", "false", "no", "off"}


class LocationError(SearchsvcError):
    """An OpenSearch location or setting that cannot be used."""

    code = "bad_location"
    http_status = 500


@dataclass(frozen=True)
class ClusterConfig:
    """How to reach one alias of one cluster. ``display`` is safe to print."""

    url: str  # scheme://host:port, never with credentials
    name: str  # the alias searched and managed
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    verify: bool = True
    ca_bundle: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    shards: int = 1
    replicas: int = 1

    @property
    def display(self) -> str:
        """Return the location as it may appear in messages: ``URL/NAME``."""
        return f"{self.url}/{self.name}"

    @property
    def tls(self) -> bool:
        """Return True when the cluster is reached over HTTPS."""
        return self.url.startswith("https://")

    @property
    def has_credentials(self) -> bool:
        """Return True when requests carry credentials."""
        return bool(self.api_key or self.username)


def parse_location(location: str, env: Mapping[str, str] | None = None) -> ClusterConfig:
    """Return the ClusterConfig of ``location`` with the settings of ``env`` (default
    ``os.environ``). Raises LocationError naming what is wrong."""
    env = os.environ if env is None else env
    parts = urlsplit(str(location).strip())
    scheme = parts.scheme.lower()
    if scheme not in ("opensearch", "http", "https"):
        raise LocationError("not an OpenSearch location: use opensearch://HOST:PORT/NAME")
    if parts.username or parts.password or "@" in parts.netloc:
        raise LocationError(
            "credentials do not belong in the index location (it is shown in messages "
            f"and logs): set {ENV_USER} and {ENV_PASSWORD}, or {ENV_API_KEY}, instead"
        )
    host = parts.hostname
    if not host:
        raise LocationError("the OpenSearch location has no host: opensearch://HOST:PORT/NAME")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise LocationError("the port of the OpenSearch location is not a number") from exc
    name = parts.path.strip("/")
    if parts.query or parts.fragment or not _NAME.fullmatch(name):
        raise LocationError(
            "the OpenSearch location must end with the alias name, e.g. "
            "opensearch://localhost:9200/news (lowercase letters, digits, '-' and '_')"
        )
    http_scheme = "http" if scheme == "http" else "https"
    shown_host = f"[{host}]" if ":" in host else host
    user = env.get(ENV_USER) or None
    password = env.get(ENV_PASSWORD) or None
    api_key = env.get(ENV_API_KEY) or None
    if api_key and user:
        raise LocationError(f"set either {ENV_API_KEY} or {ENV_USER}, not both")
    if user and password is None:
        raise LocationError(f"{ENV_USER} is set but {ENV_PASSWORD} is not")
    ca_bundle = env.get(ENV_CA_BUNDLE) or None
    if ca_bundle and not os.path.isfile(ca_bundle):
        raise LocationError(f"{ENV_CA_BUNDLE} names no file: {ca_bundle}")
    verify = (env.get(ENV_VERIFY) or "1").strip().lower() not in _FALSE
    return ClusterConfig(
        url=f"{http_scheme}://{shown_host}:{port}",
        name=name,
        username=user,
        password=password,
        api_key=api_key,
        verify=verify,
        ca_bundle=ca_bundle,
        timeout=_positive(env, ENV_TIMEOUT, DEFAULT_TIMEOUT, float),
        shards=int(_positive(env, ENV_SHARDS, 1, int)),
        replicas=int(_positive(env, ENV_REPLICAS, 1, int, allow_zero=True)),
    )


def _positive(env: Mapping[str, str], key: str, default, kind, allow_zero: bool = False):
    raw = env.get(key)
    if raw is None or not raw.strip():
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        value = None
    if value is None or value < 0 or (value == 0 and not allow_zero):
        raise LocationError(
            f"{key} must be a {'non-negative' if allow_zero else 'positive'} number"
        )
    return value


def connection_warnings(config: ClusterConfig) -> list[str]:
    """Return the warnings a configuration deserves (verification off, credentials over
    plain HTTP to another machine)."""
    warnings = []
    if config.tls and not config.verify:
        warnings.append(
            f"TLS certificate verification is OFF for {config.display} "
            f"({ENV_VERIFY}=0): anyone between here and the cluster can read and change "
            f"the traffic; prefer {ENV_CA_BUNDLE}=/path/to/ca.pem"
        )
    host = urlsplit(config.url).hostname or ""
    if not config.tls and config.has_credentials and host not in ("localhost", "127.0.0.1", "::1"):
        warnings.append(f"credentials are sent to {config.display} over plain HTTP: use https://")
    return warnings
