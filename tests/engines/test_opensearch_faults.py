"""Faults: a cluster down at start, lost during a search or a reindex, back again; bulk
items throttled; wrong credentials. Messages name the cluster, never credentials.
These stop their own osmem-server, so they run against osmem only."""

from __future__ import annotations

import socket

import pytest

from searchsvc.engine import IndexMeta
from searchsvc.engines.opensearch import open_opensearch
from searchsvc.engines.opensearch import write as write_module
from searchsvc.errors import EngineUnavailable
from searchsvc.models import SearchRequest
from tests.engines.conftest import paragraph
from tests.engines.faultproxy import fault_proxy
from tests.opensearch_cluster import start_private_osmem

SECRET = "pa55-w0rd-never-shown"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """Short timeouts and retries, credentials in the environment (osmem ignores them)."""
    monkeypatch.setenv("SEARCHSVC_OPENSEARCH_TIMEOUT", "3")
    monkeypatch.setenv("SEARCHSVC_OPENSEARCH_REPLICAS", "0")
    monkeypatch.setenv("SEARCHSVC_OPENSEARCH_USER", "searchsvc")
    monkeypatch.setenv("SEARCHSVC_OPENSEARCH_PASSWORD", SECRET)
    monkeypatch.setattr(write_module, "BACKOFF", 0.05)
    monkeypatch.setattr(write_module, "ATTEMPTS", 3)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fill(engine, *texts: str) -> None:
    with engine.lock():
        writer = engine.begin(full=True)
        for i, text in enumerate(texts, 1):
            writer.add([paragraph(f"a{i:03x}", 1, text, path=f"/d/{i}.txt")], f"k{i}")
        writer.publish(IndexMeta())


def _unavailable(call) -> EngineUnavailable:
    with pytest.raises(EngineUnavailable) as caught:
        call()
    message = str(caught.value)
    assert SECRET not in message and "searchsvc:" not in message
    assert caught.value.http_status == 503
    return caught.value


def test_a_cluster_down_at_start_gives_503_naming_it_and_recovers_when_it_is_back():
    port = _free_port()
    location = f"http://127.0.0.1:{port}/news"
    engine = open_opensearch(location)  # opening asks nothing of the cluster
    reader = engine.reader()
    error = _unavailable(reader.stats)
    assert f"127.0.0.1:{port}/news" in str(error) and "unreachable" in str(error)
    _unavailable(lambda: reader.suggest("actor", "er"))
    server = start_private_osmem(f"127.0.0.1:{port}")
    try:
        assert reader.stats().exists is False
        _fill(engine, "Ceasefire talks.")
        assert reader.stats().documents == 1
    finally:
        server.close()


def test_a_cluster_lost_during_searches_gives_503_and_searches_work_once_it_is_back():
    port = _free_port()
    server = start_private_osmem(f"127.0.0.1:{port}")
    engine = open_opensearch(f"http://127.0.0.1:{port}/news")
    _fill(engine, "Ceasefire talks.")
    reader = engine.reader()
    assert reader.article("a001")[0].text == "Ceasefire talks."
    server.close()
    _unavailable(lambda: reader.article("a001"))
    _unavailable(lambda: reader.search(SearchRequest(sources=["Example News"])))
    server = start_private_osmem(f"127.0.0.1:{port}")  # back, empty (osmem is in memory)
    try:
        _fill(engine, "Back again.")
        assert reader.article("a001")[0].text == "Back again."
    finally:
        server.close()


def test_a_reindex_that_loses_the_cluster_stops_clearly_and_a_rerun_completes_exactly():
    server = start_private_osmem()
    with fault_proxy(server.url) as proxy:
        engine = open_opensearch(f"{proxy.url}/news")
        try:
            _fill(engine, "First.", "Second.")
            with engine.lock():
                writer = engine.begin(full=False)
                writer.delete_path("/d/1.txt")
                writer.add([paragraph("a001", 1, "First, changed.", path="/d/1.txt")], "k1b")
                proxy.fail("_bulk", 503, times=10)
                error = _unavailable(writer.commit)
                assert "run the same reindex again" in str(error)
                writer.cancel()
            proxy.rules.clear()  # the cluster is back
            # The changed file's state still has its old key: a rerun redoes it.
            with engine.lock():
                writer = engine.begin(full=False)
                keys = writer.source_keys()
                assert keys.get("/d/1.txt") != "k1b" and keys["/d/2.txt"] == "k2"
                writer.delete_path("/d/1.txt")
                writer.add([paragraph("a001", 1, "First, changed.", path="/d/1.txt")], "k1b")
                totals = writer.publish(IndexMeta())
            assert (totals.documents, totals.articles) == (2, 2)
            assert engine.begin(full=False).source_keys() == {"/d/1.txt": "k1b", "/d/2.txt": "k2"}
        finally:
            server.close()


def test_the_server_stopped_mid_rebuild_leaves_nothing_live_and_a_rerun_builds_it():
    port = _free_port()
    server = start_private_osmem(f"127.0.0.1:{port}")
    engine = open_opensearch(f"http://127.0.0.1:{port}/news")
    writer = engine.begin(full=True)
    writer.add([paragraph("a001", 1, "Half-way.", path="/d/1.txt")], "k1")
    writer.commit()
    server.close()
    _unavailable(lambda: writer.publish(IndexMeta()))
    writer.cancel()  # never raises, even with the cluster gone
    server = start_private_osmem(f"127.0.0.1:{port}")
    try:
        assert not engine.exists()
        _fill(engine, "Complete.")
        assert engine.reader().stats().documents == 1
    finally:
        server.close()


def test_throttled_bulk_items_are_retried_and_nothing_is_lost():
    server = start_private_osmem()
    with fault_proxy(server.url) as proxy:
        engine = open_opensearch(f"{proxy.url}/news")
        try:
            proxy.throttle_bulk_items(times=1)  # every item 429 once
            proxy.fail("_bulk", 429, times=1)  # then the whole request once
            with engine.lock():
                writer = engine.begin(full=True)
                for i in range(1, 6):
                    writer.add([paragraph(f"a{i:03x}", 1, "Text.", path=f"/d/{i}.txt")], f"k{i}")
                totals = writer.publish(IndexMeta())
                assert writer.rejected() == []
            assert totals.documents == 5
            assert sum("_bulk" in s for s in proxy.seen) >= 3
        finally:
            server.close()


def test_items_still_throttled_after_every_retry_are_reported_not_dropped():
    server = start_private_osmem()
    with fault_proxy(server.url) as proxy:
        engine = open_opensearch(f"{proxy.url}/news")
        try:
            with engine.lock():
                writer = engine.begin(full=True)
                writer.add([paragraph("a001", 1, "Text.", path="/d/1.txt")], "k1")
                proxy.throttle_bulk_items(times=3)
                totals = writer.publish(IndexMeta())
                rejected = writer.rejected()
            assert [(r.path, r.id) for r in rejected] == [("/d/1.txt", "a001#1")]
            assert "429" in rejected[0].reason and totals.documents == 0
        finally:
            server.close()


def test_wrong_credentials_get_a_clear_message_without_the_password():
    server = start_private_osmem()
    with fault_proxy(server.url) as proxy:
        try:
            proxy.fail("/", 401, times=5)
            error = _unavailable(open_opensearch(f"{proxy.url}/news").reader().stats)
            assert "refused the credentials" in str(error)
            assert "SEARCHSVC_OPENSEARCH_USER" in str(error)
        finally:
            server.close()


def test_the_web_api_answers_503_in_the_error_shape_while_the_cluster_is_down_then_recovers():
    from searchsvc.web import create_app

    port = _free_port()
    location = f"http://127.0.0.1:{port}/news"
    client = create_app({"INDEX_DIR": location, "TESTING": True}).test_client()
    for url in ("/api/health", "/api/search?actor=Hamas", "/api/suggest?field=actor&q=ha"):
        answer = client.get(url)
        assert answer.status_code == 503, url
        error = answer.get_json()["error"]
        assert error["code"] == "engine_unavailable"
        assert f"127.0.0.1:{port}/news" in error["message"]
        assert SECRET not in answer.get_data(as_text=True)
    server = start_private_osmem(f"127.0.0.1:{port}")
    try:
        _fill(open_opensearch(location), "Hamas talks.")
        assert client.get("/api/health").get_json()["index"]["documents"] == 1
    finally:
        server.close()
