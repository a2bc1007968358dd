"""The contract suite's engines: the same small corpus, written through
``Engine.begin(full=True)`` -> ``add`` -> ``publish``, in a Whoosh folder, in
osmem-server, and (with OPENSEARCH_URL) in a real cluster."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from searchsvc.engine import IndexMeta, open_engine
from tests.contract.corpus import FILES
from tests.opensearch_cluster import cluster_modes, fresh_location

ENGINES = [pytest.param("whoosh", id="whoosh"), *cluster_modes()]


def write_corpus(engine, files=FILES) -> None:
    """Write a corpus (``{path: paragraphs}``) as a full rebuild, one ``add`` per file."""
    with engine.lock():
        writer = engine.begin(full=True)
        try:
            for path, paragraphs in files.items():
                writer.add(paragraphs, f"{path}\t1\t1")
            writer.publish(IndexMeta(created="2026-01-01", last_reindex="2026-01-01"))
        except BaseException:
            writer.cancel()
            raise


@contextmanager
def corpus_engine(kind: str, tmp_path_factory, name: str, files=FILES):
    """Yield an engine of ``kind`` holding a corpus, in a new folder or alias."""
    if kind == "whoosh":
        built = open_engine(str(tmp_path_factory.mktemp(name) / "index"))
        write_corpus(built, files)
        yield built
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEARCHSVC_OPENSEARCH_REPLICAS", "0")
        with fresh_location(kind, name) as location:
            built = open_engine(location)
            write_corpus(built, files)
            yield built


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, tmp_path_factory):
    """An engine holding the contract corpus (one per engine kind and test module)."""
    with corpus_engine(request.param, tmp_path_factory, "contract") as built:
        yield built


@pytest.fixture
def reader(engine):
    """The read side of ``engine``."""
    return engine.reader()


@pytest.fixture
def search(engine, reader):
    """Run a search on the engine under test."""
    from searchsvc.models import SearchRequest

    def run(q: str = "", **options):
        return reader.search(SearchRequest(q=q, **options))

    return run
