"""The contract suite's engines: the same small corpus, written through
``Engine.begin(full=True)`` -> ``add`` -> ``publish``, in a Whoosh folder, in
osmem-server, and (with OPENSEARCH_URL) in a real cluster."""

from __future__ import annotations

import pytest

from searchsvc.engine import IndexMeta, open_engine
from tests.contract.corpus import FILES
from tests.opensearch_cluster import cluster_modes, fresh_location

ENGINES = [pytest.param("whoosh", id="whoosh"), *cluster_modes()]


def write_corpus(engine) -> None:
    """Write the corpus as a full rebuild, one ``add`` per file."""
    with engine.lock():
        writer = engine.begin(full=True)
        try:
            for path, paragraphs in FILES.items():
                writer.add(paragraphs, f"{path}\t1\t1")
            writer.publish(IndexMeta(created="2026-01-01", last_reindex="2026-01-01"))
        except BaseException:
            writer.cancel()
            raise


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, tmp_path_factory):
    """An engine holding the contract corpus (one per engine kind and test module)."""
    kind = request.param
    if kind == "whoosh":
        built = open_engine(str(tmp_path_factory.mktemp("contract") / "index"))
        write_corpus(built)
        yield built
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEARCHSVC_OPENSEARCH_REPLICAS", "0")
        with fresh_location(kind, "contract") as location:
            built = open_engine(location)
            write_corpus(built)
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
