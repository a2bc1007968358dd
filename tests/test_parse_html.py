"""HTML article extraction: body, metadata, robustness, and the real-page benchmark."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import pytest

from searchsvc.errors import ParseError
from searchsvc.models import Article
from searchsvc.parse.html import MAX_INPUT_BYTES, parse_html

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "html"
SHARED_HTML = Path(__file__).resolve().parents[2] / "shared" / "html"
BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "extraction.py"

LONG_P = (
    "<p>The council approved the new budget on Monday, after a debate that lasted "
    "well into the evening, and promised more money for schools and buses.</p>"
)


def load(name: str) -> Article:
    return parse_html((FIXTURES / name).read_bytes())


def body(article: Article) -> str:
    return "\n".join(article.paragraphs)


# --- Fixtures mimicking news sites ---------------------------------------------------


def test_news_article_keeps_body_in_order() -> None:
    article = load("news_article.html")
    paragraphs = article.paragraphs
    assert paragraphs[0].startswith("The harbour bridge reopened to traffic on Tuesday")
    assert paragraphs[-1].startswith("Traffic engineers expect about 40,000 vehicles")
    # Subheading, blockquote and list items inside the body are kept, in order.
    expected = [
        "A long wait for commuters",
        "We rebuilt it to last another hundred years",
        "The work included:",
        "replacing all 96 suspension cables",
        "installing sensors that report vibration",
    ]
    positions = [next(i for i, p in enumerate(paragraphs) if p.startswith(e)) for e in expected]
    assert positions == sorted(positions)
    # A sentence that starts like a byline is still prose.
    assert "By the end of the week, the council said, the old ferry timetable will be retired." in (
        paragraphs
    )


def test_news_article_decodes_entities_and_whitespace() -> None:
    text = body(load("news_article.html"))
    assert "€48 million" in text  # &euro; and &nbsp; (normalised to a plain space)
    assert "María López" in text
    assert "“I’m just happy to have my short ride back,”" in text
    assert "&" not in text and "\xa0" not in text and "  " not in text


@pytest.mark.parametrize(
    "dropped",
    [
        "We use cookies",  # cookie banner
        "Accept all cookies",
        "Sport",  # navigation
        "Share on Facebook",  # share bar
        "Photo: City Archive",  # figure caption
        "Advertisement",  # ad slot
        "googletag",  # inline script
        "NOT TEXT",  # script in head
        "font-family",  # style
        "Related stories",  # related box
        "Ferry operators brace",
        "Read more",
        "Sign up for our free newsletter",
        "Finally! I have been waiting",  # comments
        "Mayor announces new park",  # sidebar
        "first three months",  # promo
        "All rights reserved",  # footer
        "Harbour bridge reopens after two years of repairs",  # the headline itself
        "4 May 2021",  # dateline
        "By Jane Q. Reporter",  # byline
        "Updated May 4, 2021",  # timestamp line
        "Getty Images",  # photo credit
        "Hidden duplicate",  # display: none
    ],
)
def test_news_article_drops_furniture(dropped: str) -> None:
    assert dropped not in body(load("news_article.html"))


def test_news_article_metadata() -> None:
    article = load("news_article.html")
    assert article.title == "Harbour bridge reopens after two years of repairs"
    assert article.date == "2021-05-04T06:30:00+00:00"  # in UTC
    assert article.date_original == "2021-05-04T08:30:00+02:00"
    assert article.source == "The Daily Example"
    assert article.url == "https://www.dailyexample.test/news/2021/05/harbour-bridge-reopens"
    assert article.author == "Jane Q. Reporter"
    assert article.format == "html" and article.id == "" and article.path is None


def test_br_separated_text_becomes_paragraphs() -> None:
    article = load("br_blog.html")
    assert article.paragraphs == [
        "We left early on Saturday, before the sun was up, and drove for three hours into "
        "the hills.",
        "The road was narrow and winding, but the views over the valley made every bend "
        "worth it.",
        "At the top we found a small hut, where an old shepherd sold cheese, bread & warm "
        "milk to hikers.",
        "We walked for six hours that day, and slept better than we had in months.",
    ]
    # <title> suffix naming the site is stripped; relative canonical resolved via <base>.
    assert article.title == "My trip to the mountains"
    assert article.source == "Walking Notes"
    assert article.date == "2019-03-14"
    assert article.url == "http://walkingnotes.test/2019/03/14/my-trip-to-the-mountains/"


def test_cards_sidebar_hidden_copy_and_json_ld_graph() -> None:
    article = load("cards_sidebar.html")
    text = body(article)
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].startswith("A startup based in Lyon")
    for dropped in ("Subscribe to Tech Pulse Pro", "Facebook", "Chipmaker expands",
                    "Electric ferry", "hidden paragraph", "Tags:", "covers energy"):
        assert dropped not in text
    # Metadata from a JSON-LD @graph with a trailing comma; a broken second block is ignored.
    assert article.title == "Startup raises $20m to build cheaper batteries"
    assert article.date == "2020-02-11"
    assert article.author == "Ann Lee, Bo Chan"
    assert article.url == "https://techpulse.test/2020/02/batteries"
    assert article.source == "Tech Pulse"


def test_itemprop_article_body_is_the_body_among_other_prose() -> None:
    article = load("microdata_body.html")
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].startswith("Engineers finished repairing the old river dam")
    assert article.paragraphs[-1].startswith("Anglers, who had been kept away")
    # Prose beside the marked body, and the hidden microdata copy, are left out.
    assert "late harvest" not in body(article)


def test_main_article_is_the_one_holding_the_headline_among_teasers() -> None:
    article = load("teaser_articles.html")
    assert [p[:30] for p in article.paragraphs] == [
        "Depois de dois anos apagado, o",
        "A reparação custou meio milhão",
    ]


def test_teaser_ticker_and_standfirst_are_left_out() -> None:
    article = load("ticker_and_deck.html")
    assert [p[:30] for p in article.paragraphs] == [
        "Councillors voted 41 to 12 on ",
        "Construction will start next y",
        "Opponents argued that the mone",
    ]


def test_first_paragraph_repeating_the_description_is_kept() -> None:
    lead = "The city council has approved a tram line to the airport, to open in 2027."
    page = (
        f'<html><head><meta name="description" content="{lead}"></head><body>'
        f'<div class="story"><p>{lead}</p>{LONG_P}{LONG_P.replace("Monday", "Tuesday")}'
        "</div></body></html>"
    )
    assert parse_html(page).paragraphs[0] == lead


def test_scripted_page_falls_back_to_json_ld_article_body() -> None:
    article = load("scripted_page.html")
    assert article.paragraphs == [
        "The central library will stay open until ten in the evening from October, the city "
        "said on Thursday.",
        "Students had asked for longer hours for years, and a petition last spring gathered "
        "more than four thousand signatures.",
        "The extra hours will be paid for by closing two rarely used reading rooms in the annex.",
    ]
    # HTML inside articleBody is read as paragraphs, tags and entities dropped.
    page = (
        '<html><head><script type="application/ld+json">{"@type": "Article", '
        '"articleBody": "<p>First &amp; foremost, the <b>bridge</b> is open.</p>'
        '<p>Second paragraph.</p>"}</script></head><body><div id="root"></div></body></html>'
    )
    assert parse_html(page).paragraphs == [
        "First & foremost, the bridge is open.",
        "Second paragraph.",
    ]


def test_live_blog_keeps_every_entry() -> None:
    article = load("live_blog.html")
    # No entry is taken for "the main article"; entry times may stay as lines of their own.
    assert [p[:20] for p in article.paragraphs if len(p) > 40] == [
        "Turnout in the capit",
        "The first official c",
        "Queues were still ou",
        "Good evening and wel",
    ]
    assert "Copyright" not in body(article)


@pytest.mark.parametrize("line", ["Publicidade", "Anzeige", "Реклама", "Partager",
                                  "Notícias relacionadas", "Vous aimerez aussi"])
def test_furniture_lines_in_other_languages_are_dropped(line: str) -> None:
    page = f"<html><body><div>{LONG_P}<p>{line}</p>{LONG_P.replace('Monday', 'Friday')}</div>"
    assert line not in parse_html(page + "</body></html>").paragraphs


def test_title_in_angle_brackets_is_prose_not_markup() -> None:
    page = f"<html><body><div>{LONG_P}<p>&lt;The Palace: A Tale&gt;</p>{LONG_P}</div></body></html>"
    assert "<The Palace: A Tale>" in parse_html(page).paragraphs
    markup = f"<html><body><div>{LONG_P}<p>&lt;div class=x&gt;</p></div></body></html>"
    assert "<div class=x>" not in parse_html(markup).paragraphs


@pytest.mark.parametrize(
    "line",
    [
        "Reporting by Jane Roe; editing by John Doe",
        "Associated Press writers Ann Lee and Bo Chan contributed to this report.",
        "Sam Poe contributed reporting from Lisbon.",
        "Write to Ann Lee at ann.lee@example.test",
        "Follow @ExampleDeals on Twitter for more deals.",
        "Ann Lee is a reporter for The Daily Example.",
        "Get the day's top headlines every morning by subscribing to our newsletter.",
    ],
)
def test_credit_and_bio_lines_closing_the_story_are_dropped(line: str) -> None:
    page = f"<html><body><div>{LONG_P}{LONG_P.replace('Monday', 'Friday')}<p>{line}</p>"
    assert parse_html(page + "</div></body></html>").paragraphs[-1].startswith("The council")


def test_credit_like_sentence_inside_the_story_is_kept() -> None:
    line = "Ann Lee is a reporter for The Daily Example, she told the court on Monday."
    filler = "".join(LONG_P.replace("Monday", day) for day in ("Tue", "Wed", "Thu", "Fri", "Sat"))
    page = f"<html><body><div>{LONG_P}<p>{line}</p>{filler}</div></body></html>"
    assert line in parse_html(page).paragraphs


def test_cp1252_page_with_meta_charset() -> None:
    raw = (FIXTURES / "legacy_cp1252.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    article = parse_html(raw)
    assert article.title == "Café culture returns to the old town"
    assert "naïve tourists paid €5 for an espresso — twice" in article.paragraphs[0]
    assert article.paragraphs[1].startswith("“It’s a résumé of the summer,”")
    assert article.date == "2018-07-02"


def test_declared_encoding_argument_is_used() -> None:
    raw = "<html><body><p>Grüße aus Köln, schöne Stadt am Rhein, sagte er.</p></body></html>"
    article = parse_html(raw.encode("latin-1"), declared_encoding="iso-8859-1")
    assert article.paragraphs == ["Grüße aus Köln, schöne Stadt am Rhein, sagte er."]


@pytest.mark.parametrize(
    ("head", "declared"),
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">', "koi8-r"),
        ("<meta charset='windows-1251'>", "windows-1251"),
        ('<?xml version="1.0" encoding="iso-8859-5"?>', "iso-8859-5"),
    ],
)
def test_charset_sniffed_and_passed_to_decoder(
    head: str, declared: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import searchsvc.parse.html as module

    seen: list[str | None] = []
    real = module.decode_bytes

    def spy(data: bytes, declared: str | None = None) -> tuple[str, str]:
        seen.append(declared)
        return real(data, declared)

    monkeypatch.setattr(module, "decode_bytes", spy)
    text = "<p>Мэр города сообщил, что новая улица откроется для пешеходов в марте.</p>"
    page = f"{head}<html><head></head><body>{text}</body></html>".encode(declared)
    assert parse_html(page).paragraphs[0].startswith("Мэр города сообщил")
    assert seen == [declared]
    # An explicit declared_encoding (e.g. from the HTTP header) wins over the page's own.
    seen.clear()
    parse_html(page, declared_encoding=declared)
    assert seen == [declared]


def test_str_input() -> None:
    article = parse_html(f"<html><body>{LONG_P}</body></html>")
    assert article.paragraphs[0].startswith("The council approved")


# --- Metadata details -----------------------------------------------------------------


def test_title_prefers_og_and_strips_site_suffix() -> None:
    page = (
        '<html><head><meta property="og:site_name" content="Example News">'
        '<title>Budget approved - Example News</title></head>'
        f"<body><h1>Budget approved after long debate</h1>{LONG_P}</body></html>"
    )
    assert parse_html(page).title == "Budget approved after long debate"
    page_og = page.replace("<title>", '<meta property="og:title" content="Budget passes '
                           '| Example News"><title>')
    assert parse_html(page_og).title == "Budget passes"


def test_date_sources() -> None:
    def date_of(head: str, url_path: str = "") -> str | None:
        canonical = f'<link rel="canonical" href="https://news.test{url_path}">'
        return parse_html(f"<html><head>{head}{canonical}</head><body>{LONG_P}</body></html>").date

    assert date_of('<meta name="sailthru.date" content="2019-11-18 14:05:00">') == (
        "2019-11-18T14:05:00+00:00"
    )
    assert date_of('<meta name="parsely-pub-date" content="2019-11-18T14:05:00-05:00">') == (
        "2019-11-18T19:05:00+00:00"
    )
    assert date_of('<meta itemprop="datePublished" content="2017-01-02">') == "2017-01-02"
    assert date_of('<meta name="pubdate" content="20160304">') == "2016-03-04"
    assert date_of("", "/2019/03/14/some-story/") == "2019-03-14"
    assert date_of("", "/about/") is None
    page = f"<html><body><time datetime='2015-06-07T10:00'>June 7</time>{LONG_P}</body></html>"
    assert parse_html(page).date == "2015-06-07T10:00:00+00:00"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By June Carter | May 1, 2019 10:00 am", "June Carter"),
        ("Carrie ArnoldNovember 15, 2019", "Carrie Arnold"),
        ("By MARY MAYFIELD and JUNE JONES, Associated Press", "MARY MAYFIELD and JUNE JONES, "
         "Associated Press"),
        ("Sandee LaMotte, CNN 1 day ago", "Sandee LaMotte, CNN"),
    ],
)
def test_author_from_byline(byline: str, expected: str) -> None:
    page = f'<html><body><div class="byline">{byline}</div>{LONG_P}</body></html>'
    article = parse_html(page)
    assert article.author == expected
    assert byline not in body(article)


def test_url_must_be_absolute_http() -> None:
    page = (
        '<html><head><link rel="canonical" href="javascript:alert(1)">'
        '<meta property="og:url" content="ftp://files.test/x">'
        f"</head><body>{LONG_P}</body></html>"
    )
    article = parse_html(page)
    assert article.url is None
    assert article.source is None


def test_source_falls_back_to_host_without_www() -> None:
    page = (
        '<html><head><link rel="canonical" href="https://www.herald.test/a/b">'
        f"</head><body>{LONG_P}</body></html>"
    )
    assert parse_html(page).source == "herald.test"


def test_malformed_json_ld_is_ignored() -> None:
    for script in ('{"@type": "NewsArticle", "headline": ', "[[[[", "{" * 5000, "null",
                   '"just a string"', '{"@graph": 5, "@type": ["NewsArticle", 3]}'):
        page = (
            f'<html><head><script type="application/ld+json">{script}</script></head>'
            f"<body>{LONG_P}</body></html>"
        )
        assert parse_html(page).paragraphs[0].startswith("The council approved")


# --- Robustness: only ParseError, bounded time ------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        ("", "empty"),
        (bytes(range(256)) * 40, "not HTML"),
        (b"\x00" * 4096, "not HTML"),
        (b"just words, no markup at all", "not HTML"),
        (b"<html><head><title>T</title></head><body></body></html>", "no article text"),
        (b"<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>",
         "no article text"),
    ],
)
def test_bad_inputs_raise_parse_error(data: bytes | str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_html(data)


def test_random_garbage_never_crashes() -> None:
    import random

    rng = random.Random(1234)
    pieces = ["<div>", "</div>", "<p>", "</p>", "<br>", "<a href='x'>", "</a>", "<script>",
              "<!--", "-->", "<![CDATA[", "&amp;", "&#x110000;", "&#0;", "<table>", "<td>",
              "\x00", "\ud800", "word ", "sentence, with commas. ", "<", ">", '"', "<meta "
              "charset='bogus'>", "<svg>", "<math>", "<title>", "<html>", "<body>"]
    for _ in range(200):
        doc = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 80)))
        for data in (doc, doc.encode("utf-8", "surrogatepass"), os.urandom(rng.randint(0, 300))):
            try:
                article = parse_html(data)
            except ParseError:
                continue
            assert isinstance(article, Article) and article.paragraphs


def test_nul_bytes_and_invalid_utf8() -> None:
    article = parse_html(b"<html><body><p>Hello\x00 world, a page with a NUL byte in it.</p>")
    assert article.paragraphs == ["Hello world, a page with a NUL byte in it."]
    article = parse_html(b"<html><body><p>Broken \xc3\x28 bytes \xff here, still text.</p>")
    assert "bytes" in article.paragraphs[0] and "still text." in article.paragraphs[0]


def test_br_only_text() -> None:
    article = parse_html(b"first line of text<br>second line here<br><br><br>third line")
    assert article.paragraphs == ["first line of text", "second line here", "third line"]


def test_ten_thousand_nested_divs() -> None:
    page = "<html><body>" + "<div>" * 10_000 + LONG_P + "</div>" * 10_000 + "</body></html>"
    started = time.perf_counter()
    article = parse_html(page.encode())
    assert time.perf_counter() - started < 30
    assert article.paragraphs[0].startswith("The council approved")
    unclosed = "<html><body>" + "<div><span>" * 20_000 + LONG_P
    assert parse_html(unclosed).paragraphs[0].startswith("The council approved")


def test_recursion_error_falls_back_to_flat_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    import searchsvc.parse.html as module

    def explode(text: str, *args: object) -> Article:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(module, "_parse_tree", explode)
    article = parse_html(
        b"<html><head><title>Flat | Site</title><script>var x = '<p>no</p>';</script></head>"
        b"<body><p>First paragraph, &amp; entity.</p><div>Second one</div></body></html>"
    )
    assert article.paragraphs == ["First paragraph, & entity.", "Second one"]
    assert article.title == "Flat | Site"


def test_deeply_nested_inline_and_tables() -> None:
    inline = "<p>" + "<b>" * 30_000 + "deep bold text here" + "</b>" * 30_000 + "</p>"
    assert parse_html(inline).paragraphs == ["deep bold text here"]
    tables = "<table>" * 3_000 + "<tr><td>a cell with words</td></tr>" + "</table>" * 3_000
    assert parse_html(tables).paragraphs == ["a cell with words"]


def test_million_character_lines() -> None:
    words = "word " * 200_000
    article = parse_html(f"<html><body><p>{words}</p></body></html>".encode())
    assert len(article.paragraphs[0]) == len(words.strip())
    blob = "<html><head><meta name='x' content='" + "y" * 1_000_000 + "'></head><body>"
    article = parse_html((blob + "z" * 1_000_000 + "</body></html>").encode())
    assert article.paragraphs == ["z" * 1_000_000]


@pytest.mark.slow
def test_ten_megabyte_page() -> None:
    nav = "<nav>" + "<a href='/x'>link</a>" * 1_000 + "</nav>"
    paragraphs = "".join(
        f"<p>Paragraph {i} of a very long report, with commas, numbers and words.</p>"
        for i in range(140_000)
    )
    page = f"<html><body>{nav}<article>{paragraphs}</article></body></html>".encode()
    assert len(page) > 10_000_000
    started = time.perf_counter()
    article = parse_html(page)
    assert time.perf_counter() - started < 60
    assert len(article.paragraphs) == 140_000
    assert "link" not in article.paragraphs


@pytest.mark.slow
def test_oversized_and_tag_flood_inputs_are_bounded() -> None:
    # Above MAX_INPUT_BYTES the page is cut; millions of tiny tags use the flat reader.
    big = ("<html><body>" + LONG_P * (MAX_INPUT_BYTES // len(LONG_P) + 1000)).encode()
    assert len(big) > MAX_INPUT_BYTES
    started = time.perf_counter()
    assert parse_html(big).paragraphs
    flood = ("<div><a href='#'>a</a></div>" * 400_000 + LONG_P).encode()
    assert parse_html(flood).paragraphs
    unclosed = ("<p>hello there, some text</p>" + "<script>" * 500_000).encode()
    assert parse_html(unclosed).paragraphs == ["hello there, some text"]
    assert time.perf_counter() - started < 90


def test_only_module_importing_bs4() -> None:
    package = Path(__file__).resolve().parents[1] / "searchsvc"
    importers = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "import bs4" in p.read_text(encoding="utf-8", errors="replace")
        or "from bs4" in p.read_text(encoding="utf-8", errors="replace")
    ]
    assert all(p.startswith("parse/html") for p in importers), importers


# --- Real pages ------------------------------------------------------------------------


def _benchmark_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("extraction_benchmark", BENCHMARK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_shingle_scoring() -> None:
    bench = _benchmark_module()
    assert bench.precision_recall("", "") == (1.0, 1.0)
    assert bench.precision_recall("a b c d e", "a b c d e") == (1.0, 1.0)
    assert bench.precision_recall("", "a b c d e") == (0.0, 0.0)
    p, r = bench.precision_recall("a b c d x y z w", "a b c d")
    assert (p, r) == (0.2, 1.0)


@pytest.mark.slow
def test_real_pages_f1() -> None:
    pages = SHARED_HTML / "pages"
    truth = SHARED_HTML / "ground-truth.json"
    if not pages.is_dir() or not truth.is_file():
        pytest.skip(f"benchmark pages not found at {SHARED_HTML} (shared data not mounted)")
    bench = _benchmark_module()
    rows, _ = bench.evaluate(pages, truth)
    assert len(rows) == len(json.loads(truth.read_text(encoding="utf-8")))
    summary = bench.summarize(rows)
    assert summary["f1"] >= 0.93, summary
    assert summary["headline"] == 1.0, summary
    assert summary["date"] >= 0.85, summary
    assert summary["url"] >= 0.90, summary


# -- dates and URLs in metadata ----------------------------------------------------------


def _page(head: str, body: str = "") -> Article:
    return parse_html(f"<html><head>{head}</head><body>{body}{LONG_P}</body></html>")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="Mon, 06 Nov 2023 10:00:00 GMT">',
         "2023-11-06T10:00:00+00:00"),
        ('<meta name="date" content="6 November 2023">', "2023-11-06"),
        ('<meta name="pubdate" content="1699264800">', "2023-11-06T10:00:00+00:00"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": '
         '"2023-11-06T12:00:00+02:00"}</script>', "2023-11-06T10:00:00+00:00"),
    ],
)
def test_meta_and_json_ld_dates_are_read_by_the_dates_module(head: str, expected: str) -> None:
    assert _page(head).date == expected


def test_time_element_datetime_and_text() -> None:
    assert _page("", '<time datetime="2023-11-06T10:00:00-05:00">6 Nov</time>').date == (
        "2023-11-06T15:00:00+00:00"
    )
    assert _page("", "<time>Monday 6 November 2023</time>").date == "2023-11-06"


def test_unreadable_metadata_date_is_kept_as_written_and_named() -> None:
    article = _page('<meta property="article:published_time" content="sometime soon">')
    assert article.date is None and article.date_original == "sometime soon"
    assert [(w.kind, w.value) for w in article.warnings] == [("date_unreadable", "sometime soon")]


def test_an_unreadable_meta_date_is_no_warning_when_another_source_has_the_date() -> None:
    article = _page('<meta name="date" content="garbage">'
                    '<meta property="og:updated_time" content="2023-11-06">')
    assert article.date == "2023-11-06" and article.warnings == []


def test_dateline_with_byline_is_dropped_but_a_short_sentence_with_a_date_is_kept() -> None:
    article = _page("", "<p>November 12, 2018 | Jane Doe</p><p>He died on 6 May 2019.</p>")
    assert "He died on 6 May 2019." in article.paragraphs
    assert not any("Jane Doe" in p for p in article.paragraphs)


def test_relative_canonical_is_resolved_against_the_pages_own_url() -> None:
    head = ('<link rel="canonical" href="/news/story">'
            '<meta property="og:url" content="https://news.test/news/story?utm_source=x">')
    assert _page(head).url == "https://news.test/news/story"
    based = '<base href="https://news.test/section/"><link rel="canonical" href="story">'
    assert _page(based).url == "https://news.test/section/story"


def test_relative_canonical_without_a_known_address_is_dropped_and_named() -> None:
    article = _page('<link rel="canonical" href="/news/story">')
    assert article.url is None
    assert [(w.kind, w.value) for w in article.warnings] == [("url_dropped", "/news/story")]


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "data:text/html,x", "mailto:desk@news.test", "garbage url"]
)
def test_non_http_canonical_and_og_url_are_dropped(bad: str) -> None:
    article = _page(f'<link rel="canonical" href="{bad}"><meta property="og:url" content="{bad}">')
    assert article.url is None and [w.kind for w in article.warnings] == ["url_dropped"]
    fine = _page(f'<link rel="canonical" href="{bad}">'
                 '<meta property="og:url" content="https://news.test/a">')
    assert fine.url == "https://news.test/a" and fine.warnings == []


def test_json_ld_fragment_ids_are_not_page_urls() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "@id": "#article",'
            ' "headline": "x"}</script>')
    article = _page(head)
    assert article.url is None and article.warnings == []
