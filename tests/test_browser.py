"""End-to-end in headless Chromium (Playwright from PyPI, Debian's /usr/bin/chromium):
search, facet, page, article; saving a search, its list, its feed. Screenshots go to
tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from searchsvc.saved import SavedStore, default_path
from searchsvc.web import create_app
from tests.fixtures_search import A1, build_sample_index

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
INDEXES: dict[str, Path] = {}  # server URL -> the index it serves
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    waitress = pytest.importorskip("waitress")
    index_dir = build_sample_index(tmp_path_factory.mktemp("index"))
    app = create_app({"INDEX_DIR": str(index_dir)})
    srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{srv.effective_port}"
    INDEXES[url] = index_dir
    yield url
    srv.close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("chromium not found at /usr/bin/chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_search_facet_page_and_article(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(server) else None,
    )

    page.goto(server + "/")
    page.get_by_label("Search the archive").fill("humanitarian")
    page.keyboard.press("Enter")
    page.wait_for_selector("li.hit")
    assert page.locator("li.hit").count() >= 3
    assert page.locator("li.hit mark").first.inner_text().lower() == "humanitarian"

    # Facet: filter on an actor, then see it active.
    page.locator("aside.facets a", has_text="Antony Blinken").first.click()
    page.wait_for_selector("aside.facets a.active")
    assert page.locator("li.hit").count() == 2
    assert "actor=Antony+Blinken" in page.url
    page.screenshot(path=str(ARTIFACTS / "search-facet.png"), full_page=True)

    # Pagination (from a fresh page: the form keeps active filters for new queries).
    page.goto(server + "/")
    page.get_by_label("Search the archive").fill("market")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("nav.pagination")
    first = page.locator("li.hit").first.get_attribute("data-id")
    page.get_by_role("link", name="Next").click()
    page.wait_for_selector('nav.pagination [aria-current="page"]:text("2")')
    assert page.locator("li.hit").first.get_attribute("data-id") != first

    # Suggestions as you type (JavaScript enhancement).
    page.goto(server + "/?q=humanitarian")
    page.locator("details.more-options summary").click()
    page.get_by_label("Add an actor filter").type("erd")
    page.wait_for_selector("#actor-list option", state="attached", timeout=5000)
    assert page.locator("#actor-list option").first.get_attribute("value") == (
        "Recep Tayyip Erdoğan"
    )

    # Article page: the hit's paragraph is the :target and query words are marked.
    page.goto(server + '/?q="humanitarian pause"&actor=Recep+Tayyip+Erdo%C4%9Fan')
    hit_id = page.locator("li.hit").first.get_attribute("data-id")
    assert hit_id == f"{A1}#1"
    page.locator("li.hit h2 a").first.click()
    page.wait_for_selector("article.article")
    assert f"/article/{A1}" in page.url and page.url.endswith("#p1")
    target = page.locator("#p1")
    assert "humanitarian pause" in target.locator("mark").first.inner_text().lower()
    background = target.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)

    # Phone width stays readable (no horizontal scrolling).
    phone = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    phone.goto(server + "/?q=humanitarian")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    phone.screenshot(path=str(ARTIFACTS / "search-phone.png"), full_page=True)

    assert not outside, f"external requests: {outside}"
    assert not problems, f"console errors (CSP?): {problems}"
    context.close()


def test_keyboard_skip_link_and_focus(server, browser):
    page = browser.new_page()
    page.goto(server + "/?q=humanitarian")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert page.locator(".skip-link").is_visible() or outline != "none"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.close()


def test_save_a_search_from_the_page_and_open_its_feed(server, browser):
    feedparser = pytest.importorskip("feedparser")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto(server + "/?q=humanitarian&sort=newest")
    page.get_by_label("Save this search as").fill("hum-watch")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(server + "/saved")
    row = page.locator('tr[data-name="hum-watch"]')
    assert row.locator("code").inner_text() == "humanitarian"
    assert row.locator(".new-count").inner_text() == "0"
    page.screenshot(path=str(ARTIFACTS / "saved-list.png"), full_page=True)

    # A reindex records new matches: here straight into the server's saved searches.
    index_dir = INDEXES[server]
    store = SavedStore(default_path(str(index_dir)))
    match = {
        "id": f"{A1}#1",
        "article_id": A1,
        "position": 1,
        "title": "Blinken meets Erdoğan",
        "text": "a humanitarian pause",
        "highlight": "a <mark>humanitarian</mark> pause",
    }
    store.record("hum-watch", [match])
    page.reload()
    assert row.locator(".new-count").inner_text() == "1"

    # Its feed, from the page's link, is Atom with the match linking to the paragraph.
    href = row.get_by_role("link", name="Feed").get_attribute("href")
    response = context.request.get(server + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.version == "atom10"
    link = f"{server}/article/{A1}?q=humanitarian&sort=newest#p1"
    assert [e.link for e in feed.entries] == [link]

    # Opening the search shows the match as new and marks it seen.
    row.get_by_role("link", name="hum-watch").click()
    page.wait_for_selector("li.hit.new")
    page.get_by_role("link", name="All saved searches").click()
    assert page.locator('tr[data-name="hum-watch"] .new-count').inner_text() == "0"

    # Rename, then delete (the confirmation is accepted).
    page.get_by_label("New name for hum-watch").fill("humanitarian")
    page.locator('tr[data-name="hum-watch"]').get_by_role("button", name="Rename").click()
    page.wait_for_selector('tr[data-name="humanitarian"]')
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete humanitarian").click()
    page.wait_for_selector("text=Deleted “humanitarian”.")
    assert page.locator("table.saved-list").count() == 0
    assert not problems, f"console errors (CSP?): {problems}"
    context.close()


def test_chart_bar_narrows_the_search_and_the_export_downloads(server, browser, tmp_path):
    import csv
    import io
    from urllib.parse import parse_qs, urlsplit

    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(server + "/")
    page.get_by_label("Search the archive").fill("stock market")
    page.keyboard.press("Enter")
    page.wait_for_selector("svg.timeline-chart")
    everything = int(page.locator("h1.results-summary").get_attribute("data-total"))
    page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)

    # A bar with hits: its title says how many; clicking it narrows the search to it.
    bars = page.locator("svg.timeline-chart a")
    label = next(
        bars.nth(i).get_attribute("aria-label")
        for i in range(bars.count())
        if not bars.nth(i).get_attribute("aria-label").endswith(": 0")
    )
    expected = int(label.rsplit(": ", 1)[1].replace(",", ""))
    page.locator(f'svg.timeline-chart a[aria-label="{label}"]').click()
    page.wait_for_url("**from=*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["from"][0] == label.split(": ")[0]
    assert int(page.locator("h1.results-summary").get_attribute("data-total")) == expected
    assert page.locator("li.hit").count() == expected
    page.get_by_role("link", name="← All dates").click()
    page.wait_for_selector("svg.timeline-chart")
    assert "from=" not in page.url

    # The share toggle redraws the chart from the server.
    page.get_by_role("link", name="Share of all paragraphs").click()
    page.wait_for_selector('.chart-options [aria-current]:text("Share of all paragraphs")')
    assert "chart=share" in page.url
    assert "(share per" in page.locator("#chart-title").text_content()

    # "Download all N results (CSV)": the file downloads and parses with N rows.
    link = page.locator("#export-csv")
    assert f"Download all {everything} results (CSV)" == link.inner_text()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("searchsvc-stock-market-")
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert len(rows) == everything
    assert all(r["id"] and "stock market" in r["text"] for r in rows)

    # At phone width the chart scrolls inside its box: the page does not.
    phone = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    phone.goto(server + "/?q=stock+market&vs=humanitarian")
    phone.wait_for_selector("svg.timeline-chart")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    box = phone.locator("svg.timeline-chart").bounding_box()
    assert box and box["height"] >= 120  # legible, not squashed to the width
    phone.screenshot(path=str(ARTIFACTS / "timeline-phone.png"), full_page=True)
    assert not problems, f"console errors (CSP?): {problems}"
    context.close()
