"""Fixtures of the engine-specific tests: an OpenSearch location per test (osmem-server,
and a real cluster when OPENSEARCH_URL is set), engines over it, and paragraphs."""

from __future__ import annotations

import pytest

from searchsvc.models import Paragraph, Place
from tests.opensearch_cluster import cluster_modes, fresh_location


@pytest.fixture(params=cluster_modes())
def os_location(request, monkeypatch) -> str:
    """A fresh alias location on the test cluster (its indices removed afterwards)."""
    monkeypatch.setenv("SEARCHSVC_OPENSEARCH_TIMEOUT", "10")
    monkeypatch.setenv("SEARCHSVC_OPENSEARCH_REPLICAS", "0")
    with fresh_location(request.param) as location:
        yield location


@pytest.fixture
def os_engine(os_location):
    """The OpenSearch engine of ``os_location``."""
    from searchsvc.engines.opensearch import open_opensearch

    engine = open_opensearch(os_location)
    yield engine
    engine.cluster.close()


def paragraph(
    article: str,
    position: int,
    text: str,
    *,
    count: int = 1,
    title: str = "A headline",
    path: str = "/data/a.txt",
    date: str | None = "2023-11-06",
    actors: tuple[str, ...] = (),
    places: tuple[Place, ...] = (),
    source: str | None = "Example News",
) -> Paragraph:
    """Return a paragraph document for the tests."""
    return Paragraph(
        id=f"{article}#{position}",
        article_id=article,
        position=position,
        count=count,
        text=text,
        title=title,
        date=date,
        source=source,
        path=path,
        actors=list(actors),
        locations=list(places),
    )
