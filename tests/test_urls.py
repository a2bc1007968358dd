"""searchsvc.urls: only absolute http(s) links pass; relative ones only with a base."""

from __future__ import annotations

import pytest

from searchsvc.urls import MAX_URL_CHARS, http_url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a",
        "http://example.org",
        "HTTPS://Example.org/Path?q=1#frag",
        "https://example.org:8443/news/2023/11/06/story.html",
        "https://例え.jp/記事",
    ],
)
def test_absolute_http_urls_pass_unchanged(url: str) -> None:
    assert http_url(url) == url
    assert http_url(f"  {url}\n") == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(document.cookie)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "mailto:desk@example.org",
        "file:///etc/passwd",
        "ftp://example.org/a",
        "http:example.org",
        "https://",
        "https:\\\\evil.example",
        "https://example.org/a b",
        "https://example.org:port/",
        "https://exa<mple.org/",
        "not a url",
        "",
        None,
        42,
        "https://example.org/" + "a" * MAX_URL_CHARS,
    ],
)
def test_anything_else_is_refused(url) -> None:
    assert http_url(url) is None


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "mailto:a@example.org", "file:///x"]
)
def test_other_schemes_stay_refused_with_a_base(url: str) -> None:
    assert http_url(url, base="https://example.org/news/") is None


def test_relative_urls_need_an_http_base() -> None:
    assert http_url("/news/a") is None
    assert http_url("story.html") is None
    assert http_url("/news/a", base="https://example.org/x/y") == "https://example.org/news/a"
    assert http_url("b.html", base="https://example.org/x/y") == "https://example.org/x/b.html"
    assert http_url("/news/a", base="javascript:alert(1)") is None
    assert http_url("/news/a", base="/relative/base") is None


def test_scheme_relative_urls_take_the_base_scheme_or_https() -> None:
    assert http_url("//cdn.example.org/a") == "https://cdn.example.org/a"
    assert http_url("//cdn.example.org/a", base="http://example.org/") == "http://cdn.example.org/a"
