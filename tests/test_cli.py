"""The searchsvc command line: summaries, exit codes and messages, never tracebacks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searchsvc.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _reindex(runner, *args):
    return runner.invoke(main, ["reindex", "--no-entities", "--workers", "1", *args])


def test_reindex_prints_counts_and_the_index_size(runner, article_dir, tmp_path):
    result = _reindex(runner, "--index", str(tmp_path / "ix"), str(article_dir))
    assert result.exit_code == 0, result.output
    assert "5 files processed, 0 unchanged, 0 removed, 0 skipped" in result.output
    assert "indexed 6 articles as" in result.output


def test_reindex_reads_the_index_folder_from_the_environment(runner, article_dir, tmp_path):
    env = {"SEARCHSVC_INDEX": str(tmp_path / "env-ix")}
    result = runner.invoke(main, ["reindex", "--no-entities", "-q", str(article_dir)], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env-ix" / "current").is_symlink()


def test_reindex_lists_skipped_files_with_reasons_and_succeeds(runner, article_dir, tmp_path):
    (article_dir / "zero.txt").write_bytes(b"")
    result = _reindex(runner, "--index", str(tmp_path / "ix"), str(article_dir))
    assert result.exit_code == 0
    assert "1 skipped" in result.output
    assert "zero.txt: the file is empty" in result.output


def test_reindex_with_nothing_indexable_exits_non_zero_without_traceback(runner, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "blob.txt").write_bytes(bytes(range(256)) * 40)
    result = _reindex(runner, "--index", str(tmp_path / "ix"), str(bad))
    assert result.exit_code == 1
    assert "nothing could be indexed" in result.output
    assert "Traceback" not in result.output


def test_reindex_json_summary(runner, article_dir, tmp_path):
    result = _reindex(runner, "--json", "--index", str(tmp_path / "ix"), str(article_dir))
    summary = json.loads(result.stdout)
    assert summary["articles"] == 6 and summary["skipped"] == []


def test_parse_json_shows_metadata_and_paragraphs(runner, article_dir):
    result = runner.invoke(main, ["parse", "--json", str(article_dir / "page.html")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"title", "date", "source", "url", "author", "paragraphs"} <= set(data)
    assert data["title"] == "Election results in Lisbon"
    assert data["url"] == "https://daily.example/lisbon-election"
    assert data["date"].startswith("2024-01-30")
    assert len(data["paragraphs"]) == 2 and data["paragraphs"][0].startswith("Voters in Lisbon")


def test_parse_jsonl_lists_every_record(runner, article_dir):
    result = runner.invoke(main, ["parse", "--json", str(article_dir / "feed.jsonl")])
    assert [r["title"] for r in json.loads(result.output)] == [
        "Floods hit Valencia",
        "Markets calm in Tokyo",
    ]


def test_parse_text_output_is_readable(runner, article_dir):
    result = runner.invoke(main, ["parse", str(article_dir / "ankara.txt")])
    assert "title:  Ministers meet in Ankara for ceasefire talks" in result.output
    assert "[1] Foreign ministers from Turkey" in result.output


def test_parse_of_a_bad_file_is_a_one_line_error(runner, tmp_path):
    (tmp_path / "empty.html").write_bytes(b"")
    result = runner.invoke(main, ["parse", str(tmp_path / "empty.html")])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the file is empty"


def test_search_without_an_index_says_how_to_build_one(runner, tmp_path):
    result = runner.invoke(main, ["search", "--index", str(tmp_path / "none"), "oil"])
    assert result.exit_code == 1
    assert "no index at" in result.output and "searchsvc reindex" in result.output
    assert "Traceback" not in result.output


def test_search_prints_ranked_highlighted_paragraphs(runner, article_dir, tmp_path):
    index = str(tmp_path / "ix")
    _reindex(runner, "--index", index, str(article_dir))
    result = runner.invoke(main, ["search", "--index", index, "ceasefire"])
    assert result.exit_code == 0, result.output
    assert "Ministers meet in Ankara for ceasefire talks" in result.output
    assert "[ceasefire]" in result.output
    assert "paragraph 1 of" in result.output


def test_search_json_matches_the_api_shape(runner, article_dir, tmp_path):
    index = str(tmp_path / "ix")
    _reindex(runner, "--index", index, str(article_dir))
    result = runner.invoke(main, ["search", "--json", "--index", index, "pound"])
    data = json.loads(result.output)
    assert data["total"] == 1
    assert {"query", "total", "page", "per_page", "hits", "facets", "suggestion", "took_ms"} <= set(
        data
    )


def test_status_reports_documents_and_last_reindex(runner, article_dir, tmp_path):
    index = str(tmp_path / "ix")
    _reindex(runner, "--index", index, str(article_dir))
    result = runner.invoke(main, ["status", "--index", index])
    assert result.exit_code == 0
    assert "articles:     6" in result.output
    assert "last reindex: 20" in result.output


def test_serve_prepares_the_shared_tables_before_the_first_search(runner, article_dir, tmp_path):
    from searchsvc.engines.whoosh.search import postings
    from searchsvc.server import _warm
    from searchsvc.web import BACKEND_KEY, create_app

    ix = tmp_path / "ix"
    assert (
        runner.invoke(
            main, ["reindex", "--no-entities", "-q", "--index", str(ix), str(article_dir)]
        ).exit_code
        == 0
    )
    app = create_app({"INDEX_DIR": str(ix)})
    backend = app.extensions[BACKEND_KEY]
    postings.FILES.forget()
    _warm(app)
    gen = backend._generation
    assert gen is not None
    assert {"actors", "locations", "source", "article_id"} <= set(gen._tables)
    assert gen._sort_keys is not None
    opened = {path.name.split(".")[1] for path in postings.FILES._open}
    assert {"text", "title"} <= opened  # opened and checked before the first search


def test_serve_warm_up_of_a_missing_index_is_quiet(tmp_path):
    from searchsvc.server import _warm
    from searchsvc.web import create_app

    _warm(create_app({"INDEX_DIR": str(tmp_path / "none")}))  # must not raise
