"""The OpenSearch cluster the tests use: one osmem-server per test session (started on
127.0.0.1 on first use), or, when ``OPENSEARCH_URL`` is set, that cluster as well.

``cluster_modes()`` gives the pytest params: ``osmem`` always (skipped with the reason
when osmem-server is not installed) and ``live`` (skipped with the reason unless
``OPENSEARCH_URL`` is set). Every test gets its own alias name (``fresh_location``)
and its indices are deleted afterwards, so tests share a cluster safely, a real one
included. Credentials for a live cluster come from the usual environment variables
(``SEARCHSVC_OPENSEARCH_USER`` ...), never from the URL.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

LIVE_ENV = "OPENSEARCH_URL"
_SERVER = None
_SERVER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Target:
    """A cluster to test against: ``url`` (scheme://host:port) and what it is."""

    url: str
    kind: str  # "osmem" or "live"


def osmem_url() -> str:
    """Return the URL of the session's osmem-server (started on first use), or skip."""
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None:
            try:
                from osmem_server import OsmemServer
            except ImportError:
                pytest.skip("osmem-server is not installed (pip install -e '.[dev]')")
            _SERVER = OsmemServer.start(japanese=False, addr="127.0.0.1:0")
        return _SERVER.url.rstrip("/")


def start_private_osmem(addr: str = "127.0.0.1:0"):
    """Return a new osmem-server of its own (for tests that stop it); skip without it."""
    try:
        from osmem_server import OsmemServer
    except ImportError:
        pytest.skip("osmem-server is not installed (pip install -e '.[dev]')")
    return OsmemServer.start(japanese=False, addr=addr)


def cluster_modes() -> list:
    """Return the pytest params of the cluster fixtures."""
    live = os.environ.get(LIVE_ENV)
    return [
        pytest.param("osmem", id="osmem"),
        pytest.param(
            "live",
            id="live",
            marks=pytest.mark.skipif(
                not live,
                reason=f"{LIVE_ENV} is not set: this ran against osmem-server only "
                f"(set {LIVE_ENV}=https://host:9200 to verify a real cluster)",
            ),
        ),
    ]


def target(mode: str) -> Target:
    """Return the cluster of a mode."""
    if mode == "live":
        return Target(os.environ[LIVE_ENV].rstrip("/"), "live")
    return Target(osmem_url(), "osmem")


def new_name(prefix: str = "t") -> str:
    """Return an alias name no other test uses."""
    return f"searchsvc-test-{prefix}-{secrets.token_hex(4)}"


@contextmanager
def fresh_location(mode: str, prefix: str = "t") -> Iterator[str]:
    """Yield a location ``URL/NAME`` for one test; its indices are deleted afterwards."""
    where = target(mode)
    name = new_name(prefix)
    try:
        yield f"{where.url}/{name}"
    finally:
        remove_indices(where.url, name)


def remove_indices(url: str, name: str) -> None:
    """Delete every index of alias ``name`` (best effort)."""
    from searchsvc.engines.opensearch.client import Cluster
    from searchsvc.engines.opensearch.config import parse_location

    cluster = Cluster(parse_location(f"{url}/{name}"))
    try:
        cluster.client.indices.delete(index=f"{name}-*", ignore_unavailable=True)
    except Exception:  # the cluster may be gone (fault tests)
        pass
    finally:
        cluster.close()
