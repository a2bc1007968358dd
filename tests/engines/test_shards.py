"""Splitting work over machines: ``--shard K/N`` picks each file for exactly one shard,
a split rebuild fills one prepared build from several runs and publishes it once, and
a folder index refuses both clearly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searchsvc.cli import main
from searchsvc.engine import in_shard, open_engine, parse_shard


def _corpus(folder, n: int = 12):
    folder.mkdir()
    for i in range(n):
        (folder / f"story-{i:02d}.txt").write_text(
            f"Harbour story {i}\n\nDock workers in port {i} voted on a harbour strike today.\n",
            "utf-8",
        )
    return folder


def test_every_file_falls_in_exactly_one_shard():
    paths = [f"/archive/{year}/story-{i}.json" for year in range(2000, 2010) for i in range(50)]
    for n in (1, 2, 3, 7):
        counts = [sum(in_shard(p, (k, n)) for p in paths) for k in range(1, n + 1)]
        assert sum(counts) == len(paths)
        assert all(in_shard(p, None) for p in paths)
        if n > 1:
            assert min(counts) > len(paths) / n / 2  # spread, not all in one


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "1/2/3"])
def test_bad_shards_are_refused(text):
    with pytest.raises(ValueError, match="K/N"):
        parse_shard(text)


def test_a_folder_index_refuses_shards_and_builds(tmp_path):
    runner = CliRunner()
    docs = _corpus(tmp_path / "docs", 2)
    out = runner.invoke(
        main, ["reindex", "--no-entities", "-q", "--shard", "1/2", "--index", str(tmp_path / "ix"),
               str(docs)]
    )
    assert out.exit_code == 1 and "folder index is written by one machine" in out.output
    out = runner.invoke(main, ["build", "new", "--index", str(tmp_path / "ix")])
    assert out.exit_code == 1 and "OpenSearch" in out.output


def test_a_split_rebuild_fills_one_build_and_publishes_it_once(tmp_path, os_location):
    runner = CliRunner()
    docs = _corpus(tmp_path / "docs")
    args = ["--index", os_location]
    out = runner.invoke(main, ["reindex", "--no-entities", "-q", *args, str(docs)])
    assert out.exit_code == 0, out.output
    engine = open_engine(os_location)
    before = engine.reader().stats()
    assert (before.articles, before.documents) == (12, 12)

    out = runner.invoke(main, ["build", "new", *args])
    assert out.exit_code == 0, out.output
    name = out.output.strip()
    (docs / "story-00.txt").unlink()  # the rebuild must not keep it
    seen = 0
    for k in (1, 2, 3):
        out = runner.invoke(
            main,
            ["reindex", "--no-entities", "-q", "--json", "--build", name, "--shard", f"{k}/3",
             *args, str(docs)],
        )
        assert out.exit_code == 0, out.output
        seen += json.loads(out.output)["files_processed"]
        # nothing is live until the build is published
        assert engine.reader().stats() == before
    assert seen == 11
    rerun = runner.invoke(
        main,
        ["reindex", "--no-entities", "-q", "--json", "--build", name, "--shard", "2/3",
         *args, str(docs)],
    )
    assert json.loads(rerun.output)["files_processed"] == 0  # a shard resumes, not redoes
    out = runner.invoke(main, ["build", "publish", name, *args])
    assert out.exit_code == 0, out.output
    assert "11 articles" in out.output
    after = engine.reader().stats()
    assert (after.articles, after.documents) == (11, 11)


def test_an_incremental_shard_removes_only_its_own_vanished_files(tmp_path, os_location):
    runner = CliRunner()
    docs = _corpus(tmp_path / "docs")
    args = ["--index", os_location]
    assert runner.invoke(main, ["reindex", "--no-entities", "-q", *args, str(docs)]).exit_code == 0
    gone = sorted(docs.iterdir())
    for path in gone:
        path.unlink()
    out = runner.invoke(
        main, ["reindex", "--no-entities", "-q", "--json", "--shard", "1/2", *args, str(docs)]
    )
    report = json.loads(out.output)
    mine = sum(in_shard(str(p), (1, 2)) for p in gone)
    assert report["files_removed"] == mine
    remaining = open_engine(os_location).reader().stats().articles
    assert remaining == len(gone) - mine
