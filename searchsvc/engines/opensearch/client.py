"""The one OpenSearch client of a location, and the translation of its failures into
searchsvc's errors.

Every request goes through ``Cluster.call``: it has a bounded timeout, and a cluster
that cannot be reached (refused, timed out, DNS), that answers 5xx, or that refuses the
credentials becomes ``EngineUnavailable`` (HTTP 503) with a message naming the cluster
and never its credentials. The client reconnects by itself: a later call works again
as soon as the cluster is back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from opensearchpy import OpenSearch
from opensearchpy.exceptions import (
    AuthenticationException,
    AuthorizationException,
    ConnectionError,
    ConnectionTimeout,
    NotFoundError,
    SSLError,
    TransportError,
)

from ...errors import EngineUnavailable, IndexMissing
from .config import ENV_API_KEY, ENV_PASSWORD, ENV_USER, ClusterConfig, connection_warnings

LOG = logging.getLogger("searchsvc.opensearch")
POOL_SIZE = 16  # connections kept per host: the web server's threads share the client
T = TypeVar("T")


class Cluster:
    """One cluster location: its client (created on first use) and error handling."""

    def __init__(self, config: ClusterConfig):
        self.config = config
        self._client: OpenSearch | None = None
        self._lock = threading.Lock()
        for warning in connection_warnings(config):
            LOG.warning("%s", warning)

    @property
    def client(self) -> OpenSearch:
        """Return the client (thread-safe; one per location and process)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = _make_client(self.config)
        return self._client

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Return ``fn(*args, **kwargs)`` (a client method); raise EngineUnavailable when
        the cluster cannot serve it. ``what`` names the operation in messages.
        NotFoundError and other 4xx errors propagate for the caller to interpret."""
        kwargs.setdefault("request_timeout", self.config.timeout)
        try:
            return fn(*args, **kwargs)
        except TransportError as exc:
            raise self.translate(exc, what) from exc

    def translate(self, exc: TransportError, what: str) -> Exception:
        """Return the searchsvc error for a client error (the error itself when it is a
        4xx the caller must interpret)."""
        where = self.config.display
        if isinstance(exc, SSLError):
            return EngineUnavailable(
                f"cannot {what}: the TLS connection to the OpenSearch cluster at {where} "
                f"failed ({_reason(exc)}); set SEARCHSVC_OPENSEARCH_CA_BUNDLE to its CA"
            )
        if isinstance(exc, ConnectionTimeout):
            return EngineUnavailable(
                f"cannot {what}: the OpenSearch cluster at {where} did not answer within "
                f"{self.config.timeout:g} s"
            )
        if isinstance(exc, ConnectionError):
            return EngineUnavailable(
                f"cannot {what}: the OpenSearch cluster at {where} is unreachable ({_reason(exc)})"
            )
        if isinstance(exc, AuthenticationException):
            how = (
                ENV_API_KEY
                if self.config.api_key
                else f"{ENV_USER}/{ENV_PASSWORD}"
                if self.config.username
                else f"none were given: set {ENV_USER}/{ENV_PASSWORD} or {ENV_API_KEY}"
            )
            return EngineUnavailable(
                f"cannot {what}: the OpenSearch cluster at {where} refused the credentials "
                f"(HTTP 401; credentials from {how})"
            )
        if isinstance(exc, AuthorizationException):
            return EngineUnavailable(
                f"cannot {what}: the OpenSearch cluster at {where} does not allow it for "
                f"this user (HTTP 403: {_reason(exc)})"
            )
        status = exc.status_code if isinstance(exc.status_code, int) else 0
        if status == 429 or status >= 500:
            return EngineUnavailable(
                f"cannot {what}: the OpenSearch cluster at {where} answered HTTP {status} "
                f"({_reason(exc)})"
            )
        return exc

    def missing(self) -> IndexMissing:
        """Return the error for a location whose alias does not exist."""
        return IndexMissing(
            f"no index at {self.config.display} yet: run "
            f"`searchsvc reindex --index {self.config.display} PATHS`"
        )

    def close(self) -> None:
        """Close the client's connections (a later call opens new ones)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):  # closing is best effort
                client.close()


def _reason(exc: TransportError) -> str:
    """Return a short, credential-free reason for a client error."""
    if isinstance(exc, ConnectionError):
        cause = exc.info if exc.info is not None else exc.error
        text = type(cause).__name__ if isinstance(cause, BaseException) else str(cause)
        inner = str(cause)
        if "refused" in inner.lower():
            return "connection refused"
        if "name or service not known" in inner.lower() or "nodename" in inner.lower():
            return "unknown host"
        return text[:120]
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {str(error.get('reason'))[:200]}"
    return str(exc.error)[:200]


def is_not_found(exc: BaseException) -> bool:
    """Return True for a 404 (index or document missing)."""
    return isinstance(exc, NotFoundError)


def _make_client(config: ClusterConfig) -> OpenSearch:
    kwargs: dict[str, Any] = {
        "hosts": [config.url],
        "timeout": config.timeout,
        "max_retries": 0,  # searchsvc retries where it is safe (bulk writes), not here
        "retry_on_timeout": False,
        "pool_maxsize": POOL_SIZE,
        "http_compress": True,
    }
    if config.tls:
        kwargs["use_ssl"] = True
        kwargs["verify_certs"] = config.verify
        kwargs["ssl_show_warn"] = config.verify  # warned once, at start, by Cluster
        if config.ca_bundle:
            kwargs["ca_certs"] = config.ca_bundle
    if config.username:
        kwargs["http_auth"] = (config.username, config.password or "")
    if config.api_key:
        kwargs["headers"] = {"Authorization": f"ApiKey {config.api_key}"}
    return OpenSearch(**kwargs)
