"""The analyst views on the search page, without JavaScript: the timeline chart (bars
that narrow the search, the share toggle, the table, the CSV, compared queries), the
"Download all N results" link and the "named with" panel."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from searchsvc.chart import COLOURS
from searchsvc.web import create_app
from searchsvc.web.params import build_chart_view, build_request
from tests.fixtures_search import build_sample_index

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    index_dir = build_sample_index(tmp_path_factory.mktemp("views-web") / "ix")
    return create_app({"INDEX_DIR": str(index_dir)}).test_client()


def page(client, **params):
    response = client.get("/?" + urlencode(params, doseq=True))
    return response, response.get_data(as_text=True)


def follow(client, href):
    response = client.get(href)
    return response, response.get_data(as_text=True)


def chart_svg(html) -> ET.Element:
    found = re.search(r'<svg class="timeline-chart".*?</svg>', html, re.S)
    assert found, "a chart"
    return ET.fromstring(found.group(0))


def bar_links(html) -> list[str]:
    return [unescape(a.get("href")) for a in chart_svg(html).iter(f"{SVG}a")]


def args_of(href) -> MultiDict:
    return MultiDict(parse_qsl(urlsplit(href).query, keep_blank_values=True))


def total_of(html) -> int:
    return int(re.search(r'data-total="(\d+)"', html).group(1))


def link(html, css_class) -> str:
    return unescape(re.search(rf'class="{css_class}" href="([^"]+)"', html).group(1))


def test_the_chart_is_above_the_results_and_each_bar_narrows_to_its_period(client):
    response, html = page(client, q="stock market", actor="Stock Exchange")
    assert response.status_code == 200
    assert html.index('class="timeline"') < html.index('class="hits"')
    timeline = client.get(
        "/api/timeline?" + urlencode({"q": "stock market", "actor": "Stock Exchange"})
    ).get_json()
    hrefs = bar_links(html)
    assert len(hrefs) == len(timeline["buckets"])
    for href, bucket in zip(hrefs, timeline["buckets"], strict=True):
        narrowed = build_request(args_of(href))
        assert narrowed.q == "stock market" and narrowed.actors == ["Stock Exchange"]
        assert narrowed.date_from == bucket["start"]
        assert narrowed.date_to >= bucket["start"]
    busy = next(b for b in timeline["buckets"] if b["count"])
    _, inside = follow(client, hrefs[timeline["buckets"].index(busy)])
    assert total_of(inside) == busy["count"]
    back = link(inside, "chart-back")
    assert "from" not in parse_qs(urlsplit(back).query)
    _, again = follow(client, back)
    assert total_of(again) == total_of(html)


def test_a_bar_within_a_date_filter_keeps_inside_it(client):
    _, html = page(client, q="stock", **{"from": "2021-03-10", "to": "2021-09-20"})
    firsts = [build_request(args_of(h)) for h in bar_links(html)]
    assert firsts[0].date_from >= "2021-03-10" and firsts[-1].date_to <= "2021-09-20"


def test_counts_and_share_toggle(client):
    _, html = page(client, q="humanitarian")
    assert '<span aria-current="true">Paragraphs</span>' in html
    share = link(html, "chart-measure")
    assert build_chart_view(args_of(share)).measure == "share"
    _, shared = follow(client, share)
    assert '<span aria-current="true">Share of all paragraphs</span>' in shared
    assert "(share per day)" in shared and "75.0%" in shared
    assert all("chart=share" in h for h in bar_links(shared))  # narrowing keeps the measure
    assert "(count per day)" in html


def test_the_chart_as_a_table_for_screen_readers(client):
    _, html = page(client, q="humanitarian", **{"from": "2023-11", "to": "2023-12"})
    table = re.search(r'<details class="chart-table">(.*?)</details>', html, re.S).group(1)
    rows = re.findall(r'<tr><th scope="row"><a href="([^"]+)">([^<]+)</a></th><td>([^<]+)</td>',
                      table)
    timeline = client.get("/api/timeline?q=humanitarian&from=2023-11&to=2023-12").get_json()
    assert [(label, int(v.replace(",", ""))) for _, label, v in rows] == [
        (b["start"], b["count"]) for b in timeline["buckets"]
    ]
    assert [unescape(h) for h, _, _ in rows] == bar_links(html)
    assert "<caption>" in table


def test_the_csv_link_downloads_the_series(client):
    _, html = page(client, q="stock market")
    href = link(html, "chart-csv")
    assert href.startswith("/api/timeline?") and "format=csv" in href
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)[1:])))
    assert len(rows) == len(bar_links(html))
    assert sum(int(r["count"]) for r in rows) == total_of(html)


def test_compared_queries_are_overlaid_with_a_legend(client):
    _, html = page(client, q="humanitarian", vs=["doha", "ceasefire"])
    legend = re.search(r'<ul class="chart-legend".*?</ul>', html, re.S).group(0)
    assert [unescape(t) for t in re.findall(r"<span>([^<]+)</span>", legend)] == [
        "humanitarian", "doha", "ceasefire"
    ]
    fills = [r.get("fill") for r in chart_svg(html).iter(f"{SVG}rect")]
    assert set(COLOURS[:3]) <= set(fills)
    removes = [unescape(h) for h in re.findall(r'href="([^"]+)" aria-label="Stop comparing',
                                                legend)]
    assert [build_chart_view(args_of(h)).vs for h in removes] == [("ceasefire",), ("doha",)]
    csv_href = link(html, "chart-csv")
    assert csv_href.startswith("/api/timeline/compare?")
    assert parse_qs(urlsplit(csv_href).query)["q"] == ["humanitarian", "doha", "ceasefire"]
    header = client.get(csv_href).get_data(as_text=True)[1:].splitlines()[0]
    assert header.split(",")[1:] == ["humanitarian", "doha", "ceasefire"]
    narrowed = args_of(bar_links(html)[0])
    assert build_chart_view(narrowed).vs == ("doha", "ceasefire")


def test_the_compare_form_adds_a_query_to_the_search(client):
    _, html = page(client, q="humanitarian", actor="Antony Blinken", chart="share")
    form = re.search(r'<form class="compare-form".*?</form>', html, re.S).group(0)
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    submitted = MultiDict([*[(n, unescape(v)) for n, v in hidden], ("vs", "pause")])
    assert build_request(submitted) == build_request(
        MultiDict({"q": "humanitarian", "actor": "Antony Blinken"})
    )
    assert build_chart_view(submitted).vs == ("pause",)
    assert build_chart_view(submitted).measure == "share"
    _, full = page(client, q="humanitarian", vs=["a", "b", "c", "d"])
    assert 'class="compare-form"' not in full  # five series at most


def test_a_chart_that_cannot_be_drawn_says_why_and_the_results_stay(client):
    response, html = page(client, q="humanitarian", vs="date:garbage")
    assert response.status_code == 200
    assert "No chart:" in html and 'class="hit"' in html
    response, html = page(client, q="humanitarian", vs="x" * 2000)
    assert response.status_code == 400 and "vs" in html
    response, _ = page(client, q="humanitarian", chart="pie")
    assert response.status_code == 400


def test_undated_hits_are_counted_beside_the_chart(client, tmp_path):
    from searchsvc.indexer import write_paragraphs
    from tests.fixtures_search import sample_paragraphs

    paragraphs = sample_paragraphs()
    for p in paragraphs[:2]:
        p.date = None
    write_paragraphs(tmp_path / "ix", paragraphs)
    undated = create_app({"INDEX_DIR": str(tmp_path / "ix")}).test_client()
    _, html = page(undated, q="humanitarian OR blinken")
    assert "2 matching paragraphs without a date are not shown." in html


def test_no_chart_no_download_and_no_panel_without_hits(client):
    _, html = page(client, q="nothingmatchesthis", actor="Antony Blinken")
    assert "timeline-chart" not in html and "Download all" not in html
    assert "named-with" not in html


def test_download_all_results_link_exports_every_hit(client):
    for params in ({"q": "stock market", "sort": "oldest"}, {"q": "humanitarian", "collapse": "1"}):
        _, html = page(client, **params)
        found = re.search(r'<a id="export-csv" href="([^"]+)" download>Download all (\d+) results '
                          r"\(CSV\)</a>", html)
        assert found, "a download link"
        href, shown = unescape(found.group(1)), int(found.group(2))
        assert shown == total_of(html)
        response = client.get(href)
        assert response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)[1:])))
        assert len(rows) == shown
        assert parse_qs(urlsplit(href).query)["format"] == ["csv"]
        assert "page" not in parse_qs(urlsplit(href).query)


def test_named_with_panel_for_a_location_filter_lists_actors_that_add_a_filter(client):
    _, html = page(client, location="Doha")
    panel = re.search(r'<section class="facet named-with".*?</section>', html, re.S).group(0)
    assert "People and organisations named with Doha" in panel
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', panel)]
    names = [unescape(n) for n in re.findall(r'<span class="facet-name">([^<]+)</span>', panel)]
    assert names == ["Hamas"]
    added = build_request(args_of(hrefs[0]))
    assert added.locations == ["Doha"] and added.actors == ["Hamas"]
    _, narrowed = follow(client, hrefs[0])
    assert total_of(narrowed) == 1


def test_named_with_panel_for_an_actor_filter_lists_places_by_lift(client):
    _, html = page(client, actor="Antony Blinken")
    panel = re.search(r'<section class="facet named-with".*?</section>', html, re.S).group(0)
    assert "Places named with Antony Blinken" in panel
    related = client.get(
        "/api/related?actor=Antony+Blinken&field=locations&min_count=1"
    ).get_json()
    names = [unescape(n) for n in re.findall(r'<span class="facet-name">([^<]+)</span>', panel)]
    assert names == [v["value"] for v in related["values"]]
    _, plain = page(client, q="humanitarian")
    assert "named-with" not in plain


def test_values_already_filtered_on_are_not_offered_again(client):
    _, html = page(client, actor="Recep Tayyip Erdoğan", location="Ankara")
    panels = re.findall(r'<section class="facet named-with".*?</section>', html, re.S)
    assert len(panels) == 2
    for panel in panels:
        names = re.findall(r'<span class="facet-name">([^<]+)</span>', panel)
        assert "Ankara" not in names and "Recep Tayyip Erdoğan" not in names


def test_the_panels_keep_to_the_content_security_policy(client):
    _, html = page(client, q="humanitarian", actor="Antony Blinken", vs="doha")
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.dictionaries(
        st.sampled_from(["q", "vs", "chart", "from", "to", "actor", "location", "collapse"]),
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(["share", "count", "2023", "2023-11-06", "date:2023", '"', "OR"]),
        ),
        max_size=5,
    )
)
def test_no_chart_or_panel_parameter_causes_a_server_error(client, params):
    response, _ = page(client, **params)
    assert response.status_code in (200, 400), params
