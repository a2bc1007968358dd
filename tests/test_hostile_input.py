"""Hostile input through ``searchsvc.parse.parse_bytes``: whatever the bytes, the
result is articles or a ``ParseError``, in bounded time and memory (docs/limits.md).

Property-based cases (hypothesis) run in-process; the huge hand-written cases run in a
forked child with an address-space limit and a wall-clock limit, so a blow-up fails the
test instead of taking the machine down.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import time
import traceback
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.errors import ParseError
from searchsvc.parse import parse_bytes

# Bounds promised in docs/limits.md for a single file on the reference machine
# (2 cores, shared). Generous, because CI machines are slow and busy.
CHILD_MEMORY_BYTES = 2 * 2**30  # address space of the child (Python + lxml)
CASE_SECONDS = 60.0
FORMATS = ("page.html", "page.txt", "page.json", "page.jsonl", "page")


def _check(data: bytes, name: str) -> list[Any]:
    """Parse ``data``; return its articles, or [] for a ParseError. Anything else
    propagates and fails the test."""
    try:
        parsed = parse_bytes(data, name)
    except ParseError as exc:
        assert str(exc), "a ParseError must say why"
        assert "\n" not in str(exc).strip(), "the reason is one line"
        return []
    assert parsed.articles, "no ParseError means at least one article"
    for article in parsed.articles:
        assert isinstance(article.title, str)
        assert all(isinstance(p, str) for p in article.paragraphs)
    return parsed.articles


# --- property-based -------------------------------------------------------------------

_fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_tags = st.sampled_from(
    [
        "html",
        "head",
        "body",
        "p",
        "div",
        "article",
        "script",
        "style",
        "title",
        "meta",
        "h1",
        "br",
        "table",
        "td",
        "![CDATA[",
        "!--",
        "?xml",
        "svg",
        "math",
        "template",
    ]
)


@st.composite
def html_soup(draw) -> bytes:
    """Draw HTML-ish bytes: random tags (closed or not), attributes, text, entities."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 4))
        tag = draw(_tags)
        if kind == 0:
            parts.append(f"<{tag}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            attr = draw(st.text(max_size=20))
            parts.append(f'<{tag} content="{attr}" property=og:title>')
        elif kind == 3:
            parts.append(draw(st.sampled_from(["&amp;", "&#0;", "&#x110000;", "&bogus;", "&"])))
        else:
            parts.append(draw(st.text(max_size=80)))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1"]))
    return "".join(parts).encode(encoding, errors="replace")


def _json_values():
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=5)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "title",
                        "text",
                        "body",
                        "date",
                        "source",
                        "url",
                        "author",
                        "articles",
                        "items",
                        "x",
                    ]
                )
                | st.text(max_size=8),
                children,
                max_size=6,
            )
        ),
        max_leaves=30,
    )


@_fast
@given(data=st.binary(max_size=4096), name=st.sampled_from(FORMATS))
def test_any_bytes_give_articles_or_parse_error(data: bytes, name: str) -> None:
    _check(data, name)


@_fast
@given(data=html_soup())
def test_html_soup_gives_articles_or_parse_error(data: bytes) -> None:
    _check(data, "page.html")
    _check(data, "page")


@_fast
@given(value=_json_values(), lines=st.booleans())
def test_any_json_value_gives_articles_or_parse_error(value: Any, lines: bool) -> None:
    text = json.dumps(value)
    if lines:
        _check((text + "\n" + text + "\n{broken\n").encode(), "feed.jsonl")
    else:
        _check(text.encode(), "doc.json")


@_fast
@given(text=st.text(max_size=2000), name=st.sampled_from(FORMATS))
def test_any_unicode_text_gives_articles_or_parse_error(text: str, name: str) -> None:
    _check(text.encode("utf-8", errors="surrogatepass"), name)


@_fast
@given(
    prefix=st.binary(max_size=64),
    body=st.text(min_size=1, max_size=300),
    name=st.sampled_from(FORMATS),
)
def test_nul_bytes_and_broken_utf8_mixed_into_text(prefix: bytes, body: str, name: str) -> None:
    raw = body.encode("utf-8")
    cut = raw[: max(1, len(raw) // 2)]
    _check(prefix + b"\x00" + cut + b"\xff\xfe\xc3\x28" + raw + b"\x00", name)


# --- huge inputs in a bounded child process -------------------------------------------


def _child(data_spec: tuple[str, int], name: str, conn) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    try:
        data = _make(*data_spec)
        started = time.perf_counter()
        try:
            parsed = parse_bytes(data, name)
            paragraphs = sum(len(a.paragraphs) for a in parsed.articles)
            outcome = ("articles", len(parsed.articles), paragraphs)
        except ParseError as exc:
            outcome = ("ParseError", str(exc), 0)
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        conn.send((outcome, elapsed, peak_mb))
    except BaseException:  # reported to the parent, which fails the test
        conn.send((("crash", traceback.format_exc()[-1500:], 0), 0.0, 0.0))
    finally:
        conn.close()


def _make(kind: str, size: int) -> bytes:
    """Return the hostile input ``kind`` of about ``size`` units."""
    sentence = "The minister said the talks in Geneva would resume on Monday. "
    if kind == "big_html":  # ~size bytes of distinct ordinary paragraphs
        para = f"<p>Report {{n}}: {sentence * 8}</p>\n"
        count = size // len(para)
        return (
            "<html><head><title>Big page</title></head><body><article><h1>Big page</h1>"
            + "".join(para.format(n=n) for n in range(count))
            + "</article></body></html>"
        ).encode()
    if kind == "deep_html":  # size nested elements
        return (
            "<html><body>"
            + "<div>" * size
            + f"<p>{sentence * 3}</p>"
            + "</div>" * size
            + "</body></html>"
        ).encode()
    if kind == "deep_html_unclosed":
        return ("<html><body>" + "<div><span>" * size + sentence * 3).encode()
    if kind == "deep_json":
        return ('{"title": "Deep", "text": ' + "[" * size + '"x"' + "]" * size + "}").encode()
    if kind == "deep_json_objects":
        return ('{"a":' * size + '{"title":"t","text":"' + sentence + '"}' + "}" * size).encode()
    if kind == "long_line_text":
        return ("Headline\n\n" + ("word " * (size // 5))).encode()
    if kind == "long_line_html":
        return ("<html><body><p>" + "x" * size + "</p></body></html>").encode()
    if kind == "long_line_jsonl":
        record = json.dumps({"title": "Long", "text": "word " * (size // 5)})
        return (record + "\n").encode()
    if kind == "nul_text":
        return ("Headline\n\n" + sentence * 20 + "\x00" * size + sentence * 20).encode()
    if kind == "invalid_utf8":
        return b"Headline\n\n" + (sentence.encode() + b"\xff\xfe\x80\xc3") * (size // 70)
    if kind == "many_paragraphs":
        return ("Headline\n\n" + (sentence + "\n\n") * size).encode()
    if kind == "many_jsonl_records":
        record = json.dumps({"title": "T", "text": sentence})
        return ((record + "\n") * size).encode()
    if kind == "attribute_bomb":
        return ("<html><body><p " + 'a="x" ' * size + f">{sentence}</p></body></html>").encode()
    raise ValueError(kind)


HUGE_CASES = [
    ("big_html", 10 * 2**20, "page.html"),
    ("deep_html", 10_000, "page.html"),
    ("deep_html_unclosed", 10_000, "page.html"),
    ("deep_json", 10_000, "doc.json"),
    ("deep_json_objects", 10_000, "doc.json"),
    ("long_line_text", 1_000_000, "page.txt"),
    ("long_line_html", 1_000_000, "page.html"),
    ("long_line_jsonl", 1_000_000, "feed.jsonl"),
    ("nul_text", 1_000_000, "page.txt"),
    ("invalid_utf8", 1_000_000, "page.txt"),
    ("many_paragraphs", 100_000, "page.txt"),
    ("many_jsonl_records", 100_000, "feed.jsonl"),
    ("attribute_bomb", 100_000, "page.html"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "size", "name"), HUGE_CASES, ids=[c[0] for c in HUGE_CASES])
def test_huge_input_is_bounded(kind: str, size: int, name: str) -> None:
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=((kind, size), name, child))
    proc.start()
    child.close()
    try:
        if not parent.poll(CASE_SECONDS):
            pytest.fail(f"{kind}: no answer within {CASE_SECONDS:.0f} s")
        outcome, elapsed, peak_mb = parent.recv()
    finally:
        proc.kill()
        proc.join()
    assert outcome[0] in ("articles", "ParseError"), f"{kind} crashed:\n{outcome[1]}"
    print(f"{kind}: {outcome[0]} {outcome[1]!r:.80} in {elapsed:.2f} s, peak {peak_mb:.0f} MB")
    assert elapsed < CASE_SECONDS


def test_ten_megabyte_page_yields_its_paragraphs() -> None:
    articles = _check(_make("big_html", 10 * 2**20), "page.html")
    assert articles and len(articles[0].paragraphs) > 1000


def test_empty_whitespace_and_binary_are_parse_errors() -> None:
    for data in (b"", b"   \n\t ", bytes(range(256)) * 40, b"\x00" * 1000):
        with pytest.raises(ParseError):
            parse_bytes(data, "x.txt")


def test_over_the_size_limit_is_refused_without_reading_it_all() -> None:
    from searchsvc.limits import MAX_ARTICLE_BYTES

    with pytest.raises(ParseError, match="limit"):
        parse_bytes(b"a" * (MAX_ARTICLE_BYTES + 1), "big.txt")
