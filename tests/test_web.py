"""The HTML search page and article page: same results as the API, escaping, links
that work without JavaScript, accessibility basics, security headers."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from searchsvc import limits
from searchsvc.models import SearchRequest
from searchsvc.web import create_app
from searchsvc.web.links import article_href, search_href
from searchsvc.web.params import build_request
from tests.fixtures_search import A1, XSS, build_sample_index


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    index_dir = build_sample_index(tmp_path_factory.mktemp("index"))
    return create_app({"INDEX_DIR": str(index_dir)}).test_client()


def page(client, **params):
    response = client.get("/?" + urlencode(params, doseq=True))
    return response, response.get_data(as_text=True)


def hit_ids(html):
    return re.findall(r'class="hit" data-id="([^"]+)"', html)


def links(html):
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "humanitarian"},
        {"q": "market", "sort": "oldest", "page": "2"},
        {"q": "humanitarian OR turkey", "location": "Turkey", "expand": "1"},
        {"q": "humanitarian", "collapse": "1"},
    ],
)
def test_html_and_api_agree(client, params):
    response, html = page(client, **params)
    assert response.status_code == 200
    data = client.get("/api/search?" + urlencode(params)).get_json()
    assert hit_ids(html) == [h["id"] for h in data["hits"]]
    assert f'data-total="{data["total"]}"' in html


def test_home_page_is_accessible_and_self_contained(client):
    response, html = page(client)
    assert response.status_code == 200
    assert '<label for="q">' in html and 'id="q"' in html
    assert 'role="search"' in html and "<main" in html and 'class="skip-link"' in html
    assert '<html lang="en">' in html
    # No external requests: every src/href to a script or stylesheet is local.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert "style=" not in html


def test_security_headers(client):
    response, _ = page(client, q="x")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_results_show_highlight_meta_and_chips(client):
    _, html = page(client, q='"humanitarian pause"')
    assert "<mark>humanitarian pause</mark>" in html
    assert "paragraph 1 of 4" in html
    assert 'class="chip actor"' in html and "Recep Tayyip Erdoğan" in html
    assert 'class="chip location"' in html and "Ankara" in html
    assert f'href="/article/{A1}?q=%22humanitarian+pause%22#p1"' in html


def test_query_and_text_are_escaped(client):
    response, html = page(client, q=XSS)
    assert response.status_code == 200
    assert "<script>alert" not in html
    _, html = page(client, q="istanbul")
    assert "&lt;script&gt;alert(" in html and "<script>alert" not in html
    assert "&lt;b&gt;tags&lt;/b&gt;" in html


def test_facet_links_add_and_remove_filters(client):
    _, html = page(client, q="humanitarian")
    add = next(u for u in links(html) if "actor=Antony+Blinken" in u)
    response, filtered = page(client, **parse_qs(urlsplit(add).query))
    assert response.status_code == 200
    assert set(hit_ids(filtered)) == {f"{A1}#1", "b2b2b2b2b2b2b2b2#2"}
    assert 'aria-current="true"' in filtered and "Remove filter Antony Blinken" in filtered
    remove = [u for u in links(filtered) if "actor=" not in u and "q=humanitarian" in u]
    assert remove, "a link removing the active filter"


def test_pagination_links(client):
    _, html = page(client, q="market")
    assert 'aria-current="page">1<' in html
    nxt = next(u for u in links(html) if "page=2" in u)
    _, second = page(client, **parse_qs(urlsplit(nxt).query))
    assert 'aria-current="page">2<' in second
    assert not set(hit_ids(html)) & set(hit_ids(second))


def test_did_you_mean_link(client):
    _, html = page(client, q="humanitarain")
    assert 'id="suggestion"' in html and "/?q=humanitarian" in html


def test_bad_input_is_a_400_page_not_a_crash(client):
    response, html = page(client, q="x" * 5000)
    assert response.status_code == 400 and "1000" in html
    response, html = page(client, q="market", per_page="500")
    assert response.status_code == 400


def test_collapse_links_to_all_paragraphs_of_an_article(client):
    _, html = page(client, q="humanitarian", collapse="1")
    more = next(u for u in links(html) if "article=" in u)
    _, inside = page(client, **parse_qs(urlsplit(more).query))
    assert {i.split("#")[0] for i in hit_ids(inside)} == {A1}


def test_article_page_highlights_and_anchors(client):
    response = client.get(f"/article/{A1}?q=ceasefire")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert all(f'id="p{n}"' in html for n in range(1, 5))
    assert "<mark>ceasefire</mark>" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html


def test_article_ids_are_validated(client):
    for bad in ("..%2F..%2Fetc%2Fpasswd", "zzzz", "ffffffffffffffff"):
        response = client.get(f"/article/{bad}")
        assert response.status_code == 404
        assert "text/html" in response.content_type


def test_static_files_are_served(client):
    for name in ("search.css", "search.js"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        response.close()


def test_article_link_carries_the_search_back(client):
    _, html = page(client, q="humanitarian", actor="Antony Blinken", page="1")
    link = next(u for u in links(html) if u.startswith(f"/article/{A1}"))
    assert "actor=Antony+Blinken" in link and link.endswith("#p1")
    article = client.get(link.split("#")[0]).get_data(as_text=True)
    back = next(u for u in links(article) if u.startswith("/?"))
    assert "q=humanitarian" in back and "actor=Antony+Blinken" in back
    assert "<mark>humanitarian</mark>" in article


def test_unknown_option_values_are_a_400_page(client):
    response, html = page(client, q="market", expand="AAA")
    assert response.status_code == 400 and "expand must be one of" in html


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)


@settings(max_examples=150, deadline=None)
@given(
    st.builds(
        SearchRequest,
        q=names.map(str.strip),
        actors=st.lists(names.map(str.strip).filter(bool), max_size=3, unique=True),
        locations=st.lists(names.map(str.strip).filter(bool), max_size=3, unique=True),
        sources=st.lists(names.map(str.strip).filter(bool), max_size=2, unique=True),
        date_from=st.none() | st.sampled_from(["2023", "2023-11", "2023-11-06"]),
        date_to=st.none() | st.sampled_from(["2024", "2024-01-31"]),
        sort=st.sampled_from(limits.SORTS),
        page=st.integers(1, 100),
        per_page=st.integers(1, limits.MAX_PER_PAGE),
        collapse=st.booleans(),
        article_id=st.none() | st.from_regex(r"[0-9a-f]{16}", fullmatch=True),
        facet_limit=st.integers(1, limits.MAX_FACET_LIMIT),
        expand_locations=st.booleans(),
    )
)
def test_every_link_reads_back_as_the_search_it_was_built_from(req):
    for href in (search_href(req, page=req.page), article_href(req, A1, 1).split("#p")[0]):
        query = urlsplit(href).query
        assert build_request(MultiDict(parse_qsl(query, keep_blank_values=True))) == req
