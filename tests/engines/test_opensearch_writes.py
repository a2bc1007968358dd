"""Writes to the cluster: full rebuilds behind an alias switch, incremental updates with
change detection stored in the cluster, rejected paragraphs reported with their file,
the reindex lock, and a rebuild split over several machines."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from searchsvc.engine import IndexMeta
from searchsvc.engines.opensearch import open_opensearch
from searchsvc.engines.opensearch.write import BuildError
from searchsvc.errors import IndexBusy
from tests.engines.conftest import paragraph


def _file(path: str, article: str, *texts: str):
    return [paragraph(article, i, t, count=len(texts), path=path) for i, t in enumerate(texts, 1)]


def _rebuild(engine, files: dict[str, list], keys: dict[str, str] | None = None):
    with engine.lock():
        writer = engine.begin(full=True)
        for path, paragraphs in files.items():
            writer.add(paragraphs, (keys or {}).get(path, f"{path}:1"))
        totals = writer.publish(IndexMeta(created="c", last_reindex="r", roots=["/data"]))
        return totals, writer.rejected()


def _ids(engine) -> set[str]:
    client = engine.cluster.client
    client.indices.refresh(index=engine.config.name)
    found = client.search(index=engine.config.name, body={"size": 1000, "_source": ["id"]})
    return {h["_source"]["id"] for h in found["hits"]["hits"]}


def test_a_full_rebuild_switches_the_alias_and_removes_the_replaced_index(os_engine):
    assert not os_engine.exists()
    totals, rejected = _rebuild(os_engine, {"/d/a.txt": _file("/d/a.txt", "aa", "One.", "Two.")})
    assert (totals.documents, totals.articles, rejected) == (2, 1, [])
    first = os_engine.store.live_build()
    stats = os_engine.reader().stats()
    assert (stats.exists, stats.documents, stats.generation, stats.last_reindex) == (
        True,
        2,
        first,
        "r",
    )
    _rebuild(os_engine, {"/d/b.txt": _file("/d/b.txt", "bb", "Three.")})
    second = os_engine.store.live_build()
    assert second != first and _ids(os_engine) == {"bb#1"}
    assert os_engine.store.builds() == [second]


def test_a_cancelled_rebuild_leaves_the_alias_and_its_index_is_removed(os_engine):
    _rebuild(os_engine, {"/d/a.txt": _file("/d/a.txt", "aa", "One.")})
    live = os_engine.store.live_build()
    with os_engine.lock():
        writer = os_engine.begin(full=True)
        writer.add(_file("/d/b.txt", "bb", "Other."), "k")
        writer.commit()
        writer.cancel()
    assert os_engine.store.live_build() == live
    assert os_engine.store.builds() == [live]
    assert _ids(os_engine) == {"aa#1"}


def test_a_rebuild_killed_before_the_alias_switch_leaves_the_live_index(os_engine, tmp_path):
    _rebuild(os_engine, {"/d/a.txt": _file("/d/a.txt", "aa", "One.")})
    live = os_engine.store.live_build()
    script = textwrap.dedent(
        f"""
        import os, signal
        from searchsvc.engines.opensearch import open_opensearch
        from tests.engines.conftest import paragraph
        engine = open_opensearch({os_engine.location!r})
        writer = engine.begin(full=True)
        writer.add([paragraph("bb", 1, "New.", path="/d/b.txt")], "k")
        writer.commit()
        print("written", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "written" in run.stdout and run.returncode == -9
    assert os_engine.store.live_build() == live
    assert _ids(os_engine) == {"aa#1"}
    # The next publish removes the abandoned build along with the replaced one.
    _rebuild(os_engine, {"/d/c.txt": _file("/d/c.txt", "cc", "Newest.")})
    assert os_engine.store.builds() == [os_engine.store.live_build()]


def test_incremental_updates_replace_and_remove_files_and_remember_their_keys(os_engine):
    _rebuild(
        os_engine,
        {
            "/d/a.txt": _file("/d/a.txt", "aa", "One.", "Two."),
            "/d/b.txt": _file("/d/b.txt", "bb", "B."),
        },
        {"/d/a.txt": "a1", "/d/b.txt": "b1"},
    )
    with os_engine.lock():
        writer = os_engine.begin(full=False)
        assert writer.incremental
        assert writer.source_keys() == {"/d/a.txt": "a1", "/d/b.txt": "b1"}
        assert writer.meta().roots == ["/data"]
        writer.delete_path("/d/a.txt")
        writer.add(_file("/d/a.txt", "aa", "Only one now."), "a2")
        writer.delete_path("/d/b.txt")
        writer.commit()
        assert _ids(os_engine) == {"aa#1"}
        totals = writer.publish(IndexMeta(created="c", last_reindex="r2", roots=["/data"]))
    assert (totals.documents, totals.articles) == (1, 1)
    writer = os_engine.begin(full=False)
    assert writer.source_keys() == {"/d/a.txt": "a2"}
    assert os_engine.reader().stats().last_reindex == "r2"


def test_an_incremental_run_without_an_index_builds_and_publishes_one(os_engine):
    with os_engine.lock():
        writer = os_engine.begin(full=False)
        assert not writer.incremental
        writer.add(_file("/d/a.txt", "aa", "One."), "a1")
        writer.publish(IndexMeta())
    assert os_engine.exists() and _ids(os_engine) == {"aa#1"}


def test_a_paragraph_the_cluster_refuses_is_reported_with_its_file_and_its_file_kept_unknown(
    os_engine,
):
    good = _file("/d/good.txt", "aa", "Fine.")
    bad = _file("/d/bad.txt", "bb", "Fine too.", "Refused.")
    bad[1].date = "2023-13-45"  # not a date the cluster can read
    bad[1].date = None
    bad[1].position = -(2**40)  # out of the integer range: the cluster refuses it
    totals, rejected = _rebuild(os_engine, {"/d/good.txt": good, "/d/bad.txt": bad})
    assert [(r.path, r.id) for r in rejected] == [("/d/bad.txt", "bb#2")]
    assert "HTTP 400" in rejected[0].reason
    assert totals.documents == 2  # what the cluster holds, the refused one not counted
    keys = os_engine.begin(full=False).source_keys()
    assert keys == {"/d/good.txt": "/d/good.txt:1"}  # bad.txt is tried again next run


def test_one_reindex_at_a_time_and_an_expired_lease_is_taken_over(os_engine):
    from searchsvc.engines.opensearch.lock import ReindexLock

    with os_engine.lock():
        with pytest.raises(IndexBusy, match="held by .* pid"), os_engine.lock():
            pass
        with pytest.raises(IndexBusy), os_engine.lock(shard=(1, 2)):
            pass
    with (
        os_engine.lock(shard=(1, 2)),
        os_engine.lock(shard=(2, 2)),
        pytest.raises(IndexBusy, match="shard [12] of 2"),
        os_engine.lock(),
    ):
        pass
    dead = ReindexLock(os_engine.cluster, os_engine.store.names.lock, lease=0.5)
    held = dead.hold()
    held.__enter__()  # a holder that dies without releasing (its lease runs out)
    time.sleep(1.2)
    with os_engine.lock(wait=2.0):
        pass


def test_a_split_rebuild_fills_one_prepared_index_and_publishes_it_once(os_engine):
    _rebuild(os_engine, {"/d/old.txt": _file("/d/old.txt", "ff", "Old.")})
    build = os_engine.prepare_build()
    for shard, (path, article) in enumerate([("/d/a.txt", "aa"), ("/d/b.txt", "bb")], 1):
        other = open_opensearch(os_engine.location)  # as on another machine
        with other.lock(shard=(shard, 2)):
            writer = other.begin(full=True, build=build, shard=(shard, 2))
            writer.add(_file(path, article, "Shard text."), f"{path}:k")
            totals = writer.publish(IndexMeta())
        assert totals.documents == shard
        assert _ids(os_engine) == {"ff#1"}  # nothing is live before the publish step
    resumed = os_engine.begin(full=True, build=build)
    assert resumed.source_keys() == {"/d/a.txt": "/d/a.txt:k", "/d/b.txt": "/d/b.txt:k"}
    with os_engine.lock():
        totals = os_engine.publish_build(build, IndexMeta(last_reindex="split"))
    assert (totals.documents, totals.articles) == (2, 2)
    assert _ids(os_engine) == {"aa#1", "bb#1"}
    with pytest.raises(BuildError, match="already live"):
        os_engine.begin(full=True, build=build)
    with pytest.raises(BuildError):
        os_engine.begin(full=True, build="news-nothing")
