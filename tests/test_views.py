"""The analyst views (timeline, related, export) over the whole result set: their
counts are the search's counts."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest

from searchsvc import export as exports
from searchsvc import timeline as timelines
from searchsvc.engine import open_engine
from searchsvc.errors import BadQuery
from searchsvc.indexer import write_paragraphs
from searchsvc.models import SearchRequest
from searchsvc.related import related
from tests.fixtures_search import A1, build_sample_index, sample_paragraphs


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    folder = build_sample_index(tmp_path_factory.mktemp("views") / "ix")
    return open_engine(str(folder)).reader()


def _total(reader, request: SearchRequest) -> int:
    return reader.search(request).total


def test_timeline_buckets_equal_date_filtered_searches(reader):
    request = SearchRequest(q="stock market")
    found = timelines.timeline(reader, request, "month")
    assert found.interval == "month"
    assert [b.start for b in found.buckets][:2] == ["2021-01-01", "2021-02-01"]
    for bucket in found.buckets:
        end = timelines.bucket_end(
            timelines.date.fromisoformat(bucket.start), "month"
        ).isoformat()
        filtered = replace(request, date_from=bucket.start, date_to=end)
        assert bucket.count == _total(reader, filtered), bucket
    assert sum(b.count for b in found.buckets) + found.undated == _total(reader, request)


def test_timeline_fills_gaps_and_counts_the_whole_index_per_bucket(reader):
    found = timelines.timeline(reader, SearchRequest(q="humanitarian"), "month")
    starts = [b.start for b in found.buckets]
    assert starts == ["2023-11-01", "2023-12-01"]
    nov, dec = found.buckets
    assert (nov.count, nov.articles) == (3, 1)
    assert (dec.count, dec.articles) == (1, 1)
    assert nov.total == 4 and dec.total == 3  # every paragraph dated that month
    assert nov.share == pytest.approx(3 / 4)
    year = timelines.timeline(reader, SearchRequest(q="stock OR humanitarian"), "year")
    assert [b.start for b in year.buckets] == ["2021-01-01", "2022-01-01", "2023-01-01"]
    assert year.buckets[1].count == 0 and year.buckets[1].total == 2


def test_timeline_interval_is_chosen_from_the_span_of_the_hits(reader):
    assert timelines.timeline(reader, SearchRequest(q="humanitarian")).interval == "day"
    assert timelines.timeline(reader, SearchRequest(q="stock")).interval == "week"
    assert timelines.choose_interval(
        timelines.date(2001, 1, 1), timelines.date(2010, 1, 1)
    ) == "month"
    assert timelines.choose_interval(
        timelines.date(1990, 1, 1), timelines.date(2010, 1, 1)
    ) == "year"


def test_timeline_weeks_start_on_monday():
    assert timelines.bucket_start(timelines.date(2023, 11, 9), "week").isoformat() == "2023-11-06"


def test_compare_gives_one_series_per_query_over_the_same_buckets(reader):
    interval, series = timelines.compare(
        reader, [SearchRequest(q="humanitarian"), SearchRequest(q="doha")], "month"
    )
    assert interval == "month"
    assert [t.query for t in series] == ["humanitarian", "doha"]
    assert [b.start for b in series[0].buckets] == [b.start for b in series[1].buckets]
    assert [b.count for b in series[1].buckets] == [0, 3]  # the headline names Doha
    text = timelines.csv_text(interval, series)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["month", "humanitarian", "doha"]
    assert rows[1:] == [["2023-11-01", "3", "0"], ["2023-12-01", "1", "3"]]


def test_compare_takes_two_to_five_queries_and_known_intervals(reader):
    with pytest.raises(BadQuery, match="2 to 5"):
        timelines.compare(reader, [SearchRequest(q="doha")])
    with pytest.raises(BadQuery, match="interval"):
        timelines.timeline(reader, SearchRequest(q="doha"), "fortnight")


def test_views_refuse_a_request_with_nothing_to_search(reader):
    with pytest.raises(BadQuery, match="nothing to search"):
        timelines.timeline(reader, SearchRequest(q=""))
    with pytest.raises(BadQuery, match="nothing to search"), reader.export(SearchRequest()):
        pass


def test_related_ranks_by_lift_and_keeps_rare_values_out(reader):
    found = related(reader, SearchRequest(q="ceasefire"), "locations", min_count=1)
    names = [v.value for v in found.values]
    assert found.matched == _total(reader, SearchRequest(q="ceasefire"))
    assert set(names) == {"Turkey", "Qatar", "Doha", "Israel"}
    doha = next(v for v in found.values if v.value == "Doha")
    turkey = next(v for v in found.values if v.value == "Turkey")
    everywhere = len(sample_paragraphs())
    # 4 hits (the Doha article's three paragraphs by its headline, one in Ankara);
    # Doha is named in 2 of them and in 2 paragraphs of the whole index, Turkey in 1
    # of them and in 2 paragraphs of the index.
    assert (doha.count, doha.share) == (2, 0.5)
    assert doha.lift == pytest.approx(0.5 / (2 / everywhere), rel=1e-3)
    assert turkey.lift == pytest.approx(0.25 / (2 / everywhere), rel=1e-3)
    lifts = [v.lift for v in found.values]
    assert lifts == sorted(lifts, reverse=True)
    assert names[0] == "Doha"
    kept = related(reader, SearchRequest(q="ceasefire"), "locations", min_count=2)
    assert [v.value for v in kept.values] == ["Doha"]


def test_related_by_count_and_its_figures(reader):
    found = related(reader, SearchRequest(q="humanitarian"), "actors", sort="count", min_count=1)
    top = found.values[0]
    assert top.value == "Antony Blinken"
    total_paragraphs = len(sample_paragraphs())
    blinken_everywhere = sum("Antony Blinken" in p.actors for p in sample_paragraphs())
    assert top.count == 2
    assert top.lift == pytest.approx(
        (2 / found.matched) / (blinken_everywhere / total_paragraphs), rel=1e-3
    )
    with pytest.raises(BadQuery, match="field"):
        related(reader, SearchRequest(q="x"), "sources")


def test_export_gives_every_hit_in_search_order(reader):
    request = SearchRequest(q="stock market", sort="newest", per_page=100)
    page = reader.search(request)
    with reader.export(request) as found:
        hits = list(found.hits())
        assert found.info.total == len(hits) == page.total
    assert [h.id for h in hits] == [h.id for h in page.hits]
    relevance = SearchRequest(q="humanitarian pause", per_page=100)
    with reader.export(relevance) as found:
        ids = [h.id for h in found.hits()]
    assert ids == [h.id for h in reader.search(relevance).hits]


def test_collapsed_export_has_one_row_per_article(reader):
    request = SearchRequest(q="humanitarian", collapse=True)
    with reader.export(request) as found:
        rows = [exports.row(h) for h in found.hits()]
    assert len({r["article_id"] for r in rows}) == len(rows) == 2


def test_csv_export_round_trips_through_a_csv_reader(reader):
    request = SearchRequest(q="humanitarian OR tags")
    with reader.export(request) as found:
        text = "".join(exports.lines(found.hits(), "csv"))
        total = found.info.total
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert len(rows) == total
    assert list(rows[0]) == list(exports.COLUMNS)
    first = next(r for r in rows if r["id"] == f"{A1}#1")
    assert first["actors"] == "Antony Blinken; Recep Tayyip Erdoğan"
    assert first["locations"] == "Ankara; Gaza"
    assert first["countries"] == "PS; TR"
    tags = next(r for r in rows if r["id"] == f"{A1}#4")
    assert tags["text"].startswith("<script>")


def test_ndjson_export_has_lists_for_multi_valued_fields(reader):
    with reader.export(SearchRequest(q="ankara")) as found:
        rows = [json.loads(line) for line in exports.lines(found.hits(), "ndjson")]
    assert rows and rows[0]["locations"] == ["Ankara", "Gaza"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused():
    assert exports.looks_like_formula("=HYPERLINK(1)")
    assert exports.looks_like_formula("-cmd|calc")
    assert exports.looks_like_formula("@SUM(A1)")
    assert not exports.looks_like_formula("-5 degrees")
    assert not exports.looks_like_formula("- a dash")
    assert not exports.looks_like_formula("Ankara")


def test_an_export_reads_one_index_version_while_a_rebuild_publishes(tmp_path):
    folder = tmp_path / "ix"
    build_sample_index(folder)
    reader = open_engine(str(folder)).reader()
    request = SearchRequest(q="stock market")
    with reader.export(request) as found:
        before = found.info.version
        hits = found.hits()
        first = next(hits)
        write_paragraphs(folder, sample_paragraphs()[:5])  # a new generation goes live
        rest = list(hits)
    assert 1 + len(rest) == found.info.total == 25
    assert first.id
    with reader.export(request) as after:
        assert after.info.version != before
        assert after.info.total == 0


def test_cli_timeline_related_and_export(tmp_path):
    from click.testing import CliRunner

    from searchsvc.cli import main

    folder = build_sample_index(tmp_path / "ix")
    runner = CliRunner()
    out = runner.invoke(
        main, ["timeline", "humanitarian", "--interval", "month", "--json", "--index", str(folder)]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["interval"] == "month" and [b["count"] for b in data["buckets"]] == [3, 1]
    out = runner.invoke(main, ["timeline", "humanitarian", "doha", "--csv", "--index", str(folder)])
    assert out.exit_code == 0 and out.output.splitlines()[0] == "day,humanitarian,doha"
    out = runner.invoke(
        main, ["related", "ceasefire", "--field", "locations", "--json", "--index", str(folder)]
    )
    assert out.exit_code == 0 and json.loads(out.output)["values"][0]["value"] == "Doha"
    target = tmp_path / "hits.csv"
    out = runner.invoke(main, ["export", "stock", "-o", str(target), "-q", "--index", str(folder)])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert len(rows) == 25
    meta = json.loads((tmp_path / "hits.csv.meta.json").read_text())
    assert meta["query"] == "stock" and meta["rows"] == 25 and meta["index_version"]
    out = runner.invoke(main, ["timeline", "x", "--interval", "hour", "--index", str(folder)])
    assert out.exit_code == 2


def test_whole_index_day_counts_first_on_a_fresh_reader_do_not_deadlock(tmp_path):
    import threading

    folder = build_sample_index(tmp_path / "ix")
    fresh = open_engine(str(folder)).reader()
    answers = []
    worker = threading.Thread(target=lambda: answers.append(fresh.day_counts(None)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert answers, "day_counts(None) before any search hung (a memo's build took its lock)"
    assert answers[0].matched == len(sample_paragraphs())
