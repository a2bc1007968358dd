"""HTML news pages to ``Article``: headline, metadata and the article body.

This is the only module that imports BeautifulSoup. The body is found without any
site-specific rule:

1. The page is parsed (lxml backend) and walked once, iteratively, into a flat list of
   text *blocks* (a paragraph, heading, list item, table row or a run of text between
   ``<br>`` tags), each tied to the element that holds it.
2. Boilerplate elements are dropped: scripts, styles, forms controls, ``<nav>``,
   ``<footer>``, captions, hidden elements, and elements whose class / id / role name
   navigation, sharing, comments, related stories, ads, cookie banners, newsletters...
   unless they hold most of the page's prose.
3. Every block gets a weight: long prose with few links counts for its length,
   link-heavy blocks (menus, lists of headlines, teaser list items) count against it or
   not at all. The element whose subtree has the highest total weight is the article
   container (of equal ones, the innermost).
4. The container is narrowed when the page says where its article is: to the one
   ``<article>`` that dominates the others or alone holds the headline, and to the
   element marked ``itemprop="articleBody"``.
5. The container's blocks are returned in order, minus link lists, teaser cards, the
   headline, a standfirst repeating the meta description, short boilerplate lines
   ("Advertisement", "Share this", bylines, datelines, in several languages) and, among
   the last lines, credits, contact lines and the author's bio.
6. A page that draws its text with a script (less than 200 characters of body in the
   HTML) is read from its JSON-LD ``articleBody`` instead.

The knobs (thresholds, and switches for the rules of 3-6) are ``BodyTuning``; how they
were checked is in ``docs/extraction.md``.

Limits: inputs above ``MAX_INPUT_BYTES`` (20 MB) are cut to that size before decoding;
pages with more than ``MAX_TAGS`` (300,000) ``<`` characters, and any page whose tree hits
Python's recursion limit (the walk itself is iterative, so 10,000-deep nesting is fine),
are read by a flat fallback that strips tags with linear-time scans and splits the text
into paragraphs at block tags. Metadata values are read from at most 2,000 characters.
"""

from __future__ import annotations

import contextlib
import html as html_module
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag, XMLParsedAsHTMLWarning

from searchsvc.dates import (
    MODIFIED_KEYS,
    PUBLISHED_KEYS,
    ParsedDate,
    date_values,
    find_date,
    is_date_line,
    original_text,
    read_date,
)
from searchsvc.errors import ParseError
from searchsvc.models import Article, ReadWarning
from searchsvc.parse.decode import decode_bytes, looks_binary
from searchsvc.urls import http_url

MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_TAGS = 300_000
_MAX_META_CHARS = 2000
_SNIFF_BYTES = 8192

# ---------------------------------------------------------------------------------------
# Tag and class vocabularies
# ---------------------------------------------------------------------------------------


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Never text: their subtree is skipped entirely.
_SKIP_TAGS = _word_set(
    "script style noscript template iframe frame frameset svg math canvas object embed "
    "video audio picture source track img map area button select option optgroup "
    "textarea input label head title meta link base param dialog"
)
# Elements that always hold page furniture, whatever their content.
_JUNK_TAGS = frozenset({"nav", "footer", "figcaption"})
# Elements that usually hold page furniture; kept when they hold most of the prose.
_WEAK_JUNK_TAGS = frozenset({"aside", "header", "figure", "menu"})
# Elements that end the current block of text.
_BLOCK_TAGS = _word_set(
    "address article aside blockquote body center dd details div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p pre "
    "section summary table tbody thead tfoot tr ul caption legend"
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CELLS = frozenset({"td", "th"})

# Words in class / id / role values. Strong ones mark furniture even when the element is
# big; weak ones only when it does not hold most of the page's prose.
_NEG_STRONG = _word_set(
    """comment comments commentlist disqus respond share shares sharing sharebar sharetools
    social socials related relatedposts recommended recommendation recommendations promo
    promos promotion promoted sponsor sponsored ad ads adv advert adverts advertisement
    advertising adslot adunit adsense dfp cookie cookies consent gdpr newsletter subscribe
    subscription signup nav navbar navigation menu breadcrumb breadcrumbs footer outbrain
    taboola popup modal trending popular pagination pager caption captions credit credits
    masthead newsletters"""
)
_NEG_COMMENTS = frozenset({"comment", "comments", "commentlist", "disqus", "respond"})
_NEG_WEAK = _word_set(
    """sidebar aside header meta byline author bio tags tag tagcloud widget widgets
    banner hidden hide print email toolbar tools utility more skip login search extra
    supplemental gallery slideshow carousel player thumbnail thumb icon button btn rail
    overlay alert notice flyout dropdown subnav secondary complementary contentinfo legend
    figure figcaption sr srt visually timestamp date dateline"""
)
_POSITIVE = _word_set(
    """article articlebody body content contents entry main post story text blog prose
    richtext copy hentry storybody postbody entrycontent"""
)
_ROLE_NEG = frozenset({"navigation", "banner", "contentinfo", "complementary", "menu",
                       "menubar", "search", "dialog", "alert", "toolbar"})

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)



@dataclass(frozen=True)
class BodyTuning:
    """The knobs of body extraction: thresholds, and switches for the rules that a
    benchmark's cross-validation may turn off (``benchmarks/extraction.py``). Callers keep
    the defaults, which are round values."""

    good_chars: int = 60  # a block this long with few links is prose
    short: float = 0.3  # weight per character of shorter lines without links
    penalty: float = 1.0  # weight per character (negative) of link-list blocks
    p_link_limit: float = 0.8  # a <p> is prose unless links cover more than this share of it
    positive_bonus: float = 1.5  # containers named article/content/story... score higher
    weak_keep: float = 0.8  # weak furniture holding this share of the page's prose is kept
    backoff: float = 0.25  # ignore weak furniture if dropping it loses 75% of the prose
    article_share: float = 0.4  # a main <article> must hold this share of the container score
    card_depth: int = 3  # levels above a block that may form a teaser card (0: no cards)
    li_link_limit: float = 0.2  # a list item this linked is a teaser, not prose
    marked_share: float = 0.5  # an itemprop=articleBody element holding this share is the body
    tightest_on_ties: bool = True  # of containers that score the same, take the innermost
    titled_article: bool = True  # the one <article> holding the headline is the main one
    drop_standfirsts: bool = True  # a block repeating the meta description off the body
    scripted_chars: int = 200  # less body text than this: read JSON-LD articleBody instead
    tail_lines: int = 4  # credit and bio lines are dropped among this many last lines


DEFAULT_TUNING = BodyTuning()

# Short lines that are page furniture wherever they appear.
_BOILERPLATE = re.compile(
    r"^(?:advertisement|advertising|sponsored( content)?|ad|story continues below"
    r"( advertisement)?|continue reading( below)?|(read|see) (more|also|next)\b.*|"
    r"related( articles?| stories| content| posts?)?:?|share( this)?( article| story| post)?"
    r"( on \w+)?:?|(click|tap) here\b.*|sign up\b.*|subscribe\b.*|follow us\b.*|"
    r"(photo|image|picture|video|graphic)( credit)?s?:.*|(tweet|email|print|facebook|"
    r"twitter|linkedin|pinterest|whatsapp|reddit|comments?|copy link)|"
    r"(this|the) (article|story) (continues|is continued) below\b.*|"
    r"you (?:may|might) also (?:like|enjoy|be interested in)\b.*|more (?:from|on) [^.!?]{0,40}|"
    r"(?:image|photo|picture|slide) \d+ (?:of|/) \d+|(?:copyright|\u00a9) .*|"
    r"this (?:post|article|page) (?:may )?contains? affiliate\b.*|"
    r"we use cookies\b.*|(?:(?:photo|image|credit)s?:? )?(?:getty images|ap photo|reuters|afp|"
    r"epa|shutterstock|istock(?:photo)?)(?: ?/.*)?|"
    r"\d+ (comments?|shares?|min(ute)?s? read)|(\d+ )?min(ute)?s? read)$",
    re.I,
)
# The same furniture in other languages: ad labels, "share", "related", "you may also
# like". ("Read also" lines are not: on the development pages one was part of the marked
# article text.)
_BOILERPLATE_INTL = re.compile(
    r"^(?:publicidad|publicidade|publicit\u00e9|pubblicit\u00e0|werbung|anzeige|reklame|reklama|"
    r"\u0440\u0435\u043a\u043b\u0430\u043c\u0430|advertentie|annons|mainos|\u5e7f\u544a|\u5e83\u544a|"
    r"\uad11\uace0|"
    r"compartilhe|compartilhar|compartir|partager|teilen|condividi|"
    r"\u043f\u043e\u0434\u0435\u043b\u0438\u0442\u044c\u0441\u044f|"
    r"(?:not\u00edcias|artigos|posts|art\u00edculos|noticias) relacionad[oa]s:?|"
    r"articles? (?:similaires|li\u00e9s):?|\u00e4hnliche artikel:?|articoli correlati:?|"
    r"(?:voc\u00ea|voce) (?:tamb\u00e9m )?pode gostar\b.*|vous (?:aimerez|aimeriez) aussi\b.*|"
    r"das k\u00f6nnte sie auch interessieren\b.*|te puede interesar\b.*|"
    r"potrebbe interessarti\b.*)$",
    re.I,
)
# Lines that close a story without being part of it: credits, contact lines, the
# author's bio, newsletter pitches. Only dropped among the body's last lines.
_TAIL_CREDITS = re.compile(
    r"(?i)^(?:(?:additional )?reporting by\b|editing by\b|writing by\b|"
    r"(?:\w+ )?(?:associated press|ap|reuters|afp) (?:writers?|reporters?|contributed)\b)|"
    r"\bcontributed (?:reporting|to this (?:report|story|article))\b|"
    r"^(?:write to|email|e-mail|reach|contact|follow) (?:the (?:author|reporters?|writer)s? |"
    r"us |@?\w+(?: \w+)? )?(?:at|on|via|@)\b|^follow @\w+|"
    r"\b(?:sign up|subscribe|subscribing|join)\b.{0,80}\bnewsletter\b|"
    r"^[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3} (?:is|was) (?:a|an|the) (?:[\w-]+ ){0,4}"
    r"(?:reporter|writer|journalist|correspondent|editor|columnist|contributor|blogger)\b|"
    r"^[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3} joined [\w .'-]{2,40} in (?:\w+ )?\d{4}\b"
)
_STAMP_START = re.compile(
    r"(?i)(?:last )?(?:updated|published|posted|modified)\b|"
    r"by [^|\u2022\u00b7]{2,60}[|\u2022\u00b7]"
)
_CLOCK = re.compile(r"\d:[0-5]\d")
# "By Jane Doe", "BY JANE DOE and JOHN ROE": a byline on its own line.
_BYLINE = re.compile(
    r"^(?:[Bb]y|BY)\s+(?:[A-Z][\w.'\u2019-]*,?\s*){1,5}(?:(?:and|&)\s+(?:[A-Z][\w.'\u2019-]*\s*){1,4})?$"
)

# A line that is only a URL, a timestamp or markup shown as text.
# Markup is a lower-case tag name: "<The Palace>" is a title in angle brackets, not a tag.
_NOT_PROSE = re.compile(
    r"^(?:(?i:(?:https?://|www\.)\S+)|\d{4}-\d{2}-\d{2}(?:[T ][\d:.+-]+Z?)?|"
    r"<(?:[a-z][a-z0-9]*(?:[\s/][^>]*)?|![^>]*|/[a-z][a-z0-9]*\s*)>.*)$"
)

# Photo credits closing a caption, cookie notices.
_NOTICE = re.compile(
    r"\((?:image|photo|picture|pic|credit|source|video|foto)s?\s*:[^()]{0,80}\)\s*$|"
    r"\b(?:uses?|using) cookies\b|\bcookie (?:policy|settings|preferences)\b",
    re.I,
)

# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------


def parse_html(
    data: bytes | str,
    *,
    declared_encoding: str | None = None,
    tuning: BodyTuning = DEFAULT_TUNING,
) -> Article:
    """Return the article in an HTML page: headline, metadata and body paragraphs.

    ``data`` is the raw page (bytes are decoded using a BOM, UTF-8, ``declared_encoding``
    or the page's own ``<meta charset>``, then guesses). The result has ``format="html"``,
    ``id=""`` and ``path=None``. Raises ``ParseError`` (and nothing else) when the input is
    empty, not HTML, or has no article text. ``tuning`` sets the body-extraction knobs (the
    benchmark's cross-validation varies it; callers keep the default).
    """
    try:
        text = _to_text(data, declared_encoding)
        if text.count("<") > MAX_TAGS:
            return _parse_flat(text)
        try:
            return _parse_tree(text, tuning)
        except RecursionError:
            return _parse_flat(text)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract is "only ParseError"
        raise ParseError(f"could not read the HTML: {type(exc).__name__}: {exc}") from exc


def _parse_tree(text: str, tuning: BodyTuning) -> Article:
    with warnings.catch_warnings():
        # Files are read as web pages on purpose, even when they look like XML.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "lxml")
    meta = _extract_metadata(soup)
    paragraphs = _extract_body(
        soup, meta.get("title_candidates", []), tuning, meta.get("summaries", [])
    )
    if sum(len(p) for p in paragraphs) < tuning.scripted_chars and meta.get("ld_body"):
        # The page draws its text with a script; its JSON-LD still carries the body.
        paragraphs = _ld_paragraphs(meta["ld_body"]) or paragraphs
    if not paragraphs:
        raise ParseError("no article text found in the HTML")
    return _build_article(meta, paragraphs)


_FLAT_BREAK = re.compile(
    r"(?i)<\s*(?:br|/?p|/?div|/?h[1-6]|/?li|/?tr|/?blockquote|/?section|/?article)\b[^>]{0,2000}>"
)


def _strip_raw_elements(text: str) -> str:
    """Remove comments, scripts and styles in linear time (an unclosed one ends the text)."""
    lower = text.lower()
    out: list[str] = []
    pos = 0
    opener = re.compile(r"<!--|<(script|style|noscript|template|title)\b")
    while True:
        match = opener.search(lower, pos)
        if not match:
            out.append(text[pos:])
            break
        out.append(text[pos : match.start()])
        closer = "-->" if match.group(0) == "<!--" else f"</{match.group(1)}"
        end = lower.find(closer, match.end())
        if end < 0:
            break
        close_end = lower.find(">", end)
        pos = len(text) if close_end < 0 else close_end + 1
        out.append(" ")
    return "".join(out)


def _parse_flat(text: str) -> Article:
    """Fallback without a tree: strip tags with regexes, one paragraph per block tag."""
    title_match = re.search(r"(?is)<title[^>]{0,2000}>(.{0,2000}?)</title", text[:200_000])
    text = _strip_raw_elements(text)
    text = _FLAT_BREAK.sub("\n\n", text)
    text = re.sub(r"<[^<>]{0,2000}>", " ", text)
    text = html_module.unescape(text)
    paragraphs = [p for p in (_norm(x) for x in re.split(r"\n\s*\n", text)) if p]
    paragraphs = [p for p in paragraphs if len(p) >= 2]
    if not paragraphs:
        raise ParseError("no article text found in the HTML")
    title = _norm(html_module.unescape(title_match.group(1))) if title_match else ""
    return _build_article({"title": title}, _dedupe(paragraphs))


def _build_article(meta: dict[str, Any], paragraphs: list[str]) -> Article:
    title = meta.get("title") or ""
    if not title:
        first = paragraphs[0]
        title = first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "..."
    return Article(
        id="",
        title=title,
        paragraphs=paragraphs,
        date=meta.get("date"),
        source=meta.get("source"),
        url=meta.get("url"),
        author=meta.get("author"),
        path=None,
        format="html",
        date_original=meta.get("date_original"),
        warnings=meta.get("warnings", []),
    )


_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})|"""
    rb"""<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})""",
    re.I,
)


def _to_text(data: bytes | str, declared_encoding: str | None) -> str:
    """Decode and sanity-check the input; raise ParseError for empty or binary data."""
    if data is None:
        raise ParseError("empty input: no HTML to parse")
    if isinstance(data, str):
        text = data[:MAX_INPUT_BYTES]
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if not raw.strip():
            raise ParseError("empty input: no HTML to parse")
        if looks_binary(raw):
            raise ParseError("not HTML: the data looks binary")
        if len(raw) > MAX_INPUT_BYTES:
            cut = MAX_INPUT_BYTES
            # Do not split a UTF-8 sequence: that would make the strict decode fail.
            while cut > MAX_INPUT_BYTES - 4 and raw[cut] & 0xC0 == 0x80:
                cut -= 1
            raw = raw[:cut]
        declared = declared_encoding
        if not declared:
            match = _CHARSET_RE.search(raw[:_SNIFF_BYTES])
            if match:
                declared = (match.group(1) or match.group(2)).decode("ascii", "ignore")
        text, _ = decode_bytes(raw, declared)
    else:
        raise ParseError(f"not HTML: expected bytes or str, got {type(data).__name__}")
    text = text.replace("\x00", "")
    if not text.strip():
        raise ParseError("empty input: no HTML to parse")
    if not re.search(r"<[A-Za-z!/?]", text):
        raise ParseError("not HTML: no tags found")
    return text


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\xad"), None)


def _norm(text: str) -> str:
    """Collapse whitespace (including non-breaking spaces) and drop zero-width chars."""
    return " ".join(text.translate(_ZERO_WIDTH).split())


def _attr(tag: Tag, name: str) -> str:
    value = tag.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _hint_words(tag: Tag) -> set[str]:
    raw = f"{_attr(tag, 'class')} {_attr(tag, 'id')}"
    if not raw.strip():
        return set()
    raw = _CAMEL.sub(r"\1 \2", raw).lower()
    words = set(_WORD_SPLIT.split(raw))
    # Joined forms ("articlebody", "storybody") of two-word tokens.
    for token in raw.split():
        parts = [p for p in _WORD_SPLIT.split(token) if p]
        for a, b in zip(parts, parts[1:], strict=False):
            words.add(a + b)
    words.discard("")
    return words


def _text_of(tag: Tag, limit: int = _MAX_META_CHARS) -> str:
    """Return the normalised text of a small element (reads at most ``limit`` chars)."""
    pieces: list[str] = []
    total = 0
    for piece in tag.descendants:
        if type(piece) is NavigableString:
            pieces.append(str(piece))
            total += len(piece)
            if total > limit:
                break
    return _norm("".join(pieces))[:limit]


# ---------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------

_ARTICLE_TYPES = {
    "newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
    "techarticle", "report", "socialmediaposting", "liveblogposting", "posting", "recipe",
    "review", "creativework", "webpage", "itempage", "videoobject",
}

_DATE_META = (
    "article:published_time", "og:published_time", "og:article:published_time",
    "article:published", "published_time", "datepublished", "date", "pubdate",
    "publishdate", "publish_date", "publish-date", "pub_date", "dc.date.issued",
    "dc.date", "dcterms.date", "dcterms.created", "dc.date.created", "sailthru.date",
    "parsely-pub-date", "article.published", "article_date_original", "original-publish-date",
    "cxenseparse:recs:publishtime", "displaydate", "creation_date", "date_published",
    "citation_publication_date", "rnews:datepublished",
)
_MODIFIED_META = (
    "og:updated_time", "article:modified_time", "dcterms.modified", "lastmod", "last-modified",
)


def _meta_map(soup: BeautifulSoup) -> dict[str, str]:
    """Map lower-cased meta name/property/itemprop/http-equiv to the first content."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = _attr(tag, "content")
        if not content.strip():
            continue
        content = _norm(content[:_MAX_META_CHARS])
        for key in ("property", "name", "itemprop", "http-equiv"):
            name = _attr(tag, key).strip().lower()
            if name and name not in found:
                found[name] = content
    return found


def _json_ld_objects(soup: BeautifulSoup) -> list[dict[str, Any]]:
    """Return every JSON object in the page's JSON-LD blocks (``@graph`` flattened)."""
    objects: list[dict[str, Any]] = []
    for script in soup.find_all("script"):
        kind = _attr(script, "type").lower()
        if "ld+json" not in kind:
            continue
        raw = script.string if script.string is not None else script.get_text()
        data = _loads_lenient(str(raw or ""))
        if data is None:
            continue
        stack: list[Any] = [data]
        seen = 0
        while stack and seen < 10_000:
            seen += 1
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list | dict):
                    stack.append(graph)
    return objects


def _loads_lenient(raw: str) -> Any:
    raw = raw.strip()
    if not raw or len(raw) > 2_000_000:
        return None
    raw = re.sub(r"^\s*(<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)", "", raw)
    raw = re.sub(r"(-->|//\s*\]\]>|\]\]>)\s*$", "", raw).strip()
    attempts = (raw, re.sub(r",\s*([}\]])", r"\1", raw))
    for attempt in attempts:
        try:
            return json.loads(attempt, strict=False)
        except (ValueError, RecursionError):
            continue
    # Several objects glued together, or trailing junk: take the first object.
    with contextlib.suppress(ValueError, RecursionError):
        value, _ = json.JSONDecoder(strict=False).raw_decode(raw)
        return value
    return None


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in values if isinstance(v, str)}


def _ld_names(value: Any) -> list[str]:
    """Return names from a JSON-LD person/organization value (string, dict or list)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items[:20]:
        if isinstance(item, str):
            name = item
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = name[0] if name else None
        else:
            continue
        if isinstance(name, str):
            name = _norm(name)
            if name and not _looks_like_url(name):
                names.append(name)
    return names


def _ld_string(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name")
    if isinstance(value, str):
        value = _norm(value)
        return value or None
    return None


def _looks_like_url(text: str) -> bool:
    return bool(re.match(r"(?i)^(https?:)?//|^www\.", text))


_SUMMARY_META = ("description", "og:description", "twitter:description")


def _extract_metadata(soup: BeautifulSoup) -> dict[str, Any]:
    """Return title, date (ISO, and as written), source, url, author, the raw title
    candidates, the meta descriptions, the JSON-LD articleBody and the warnings about a
    date or URL left out."""
    metas = _meta_map(soup)
    objects = _json_ld_objects(soup)
    articles = [o for o in objects if _types(o) & _ARTICLE_TYPES]
    # Prefer real article types over WebPage-like ones.
    articles.sort(key=lambda o: 1 if _types(o) <= {"webpage", "itempage", "creativework"}
                  else 0)

    url, url_dropped = _find_url(soup, metas, articles)
    source = _find_source(metas, objects, articles, url)

    title_candidates: list[str] = []
    for key in ("og:title", "twitter:title"):
        if metas.get(key):
            title_candidates.append(metas[key])
    for obj in articles:
        for key in ("headline", "name"):
            value = obj.get(key)
            if isinstance(value, str) and _norm(value):
                title_candidates.append(_norm(value)[:_MAX_META_CHARS])
                break
    h1 = soup.find("h1")
    if isinstance(h1, Tag):
        text = _text_of(h1)
        if text:
            title_candidates.append(text)
    title_tag = soup.find("title")
    if isinstance(title_tag, Tag):
        text = _text_of(title_tag)
        if text:
            title_candidates.append(text)
    for key in ("title", "dc.title", "sailthru.title", "parsely-title"):
        if metas.get(key):
            title_candidates.append(metas[key])
    title = ""
    for candidate in title_candidates:
        title = _strip_site_name(candidate, source, url)
        if title:
            break

    date, date_unreadable = _find_date(soup, metas, articles, url)
    warnings = []
    if date_unreadable:
        warnings.append(ReadWarning("date_unreadable", date_unreadable))
    if url_dropped:
        warnings.append(ReadWarning("url_dropped", url_dropped))
    return {
        "title": title,
        "title_candidates": title_candidates,
        "summaries": [metas[k] for k in _SUMMARY_META if metas.get(k)],
        "ld_body": max(
            (o["articleBody"] for o in articles if isinstance(o.get("articleBody"), str)),
            key=len,
            default="",
        ),
        "date": date.iso if date else None,
        "date_original": date.original if date else date_unreadable,
        "source": source,
        "url": url,
        "author": _find_author(soup, metas, articles),
        "warnings": warnings,
    }


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _find_url(
    soup: BeautifulSoup, metas: dict[str, str], articles: list[dict[str, Any]]
) -> tuple[str | None, str | None]:
    """Return the page's http(s) URL and, when it has none, the first URL it named that
    was dropped. The canonical link comes first; a relative one is resolved against the
    page's own address (``<base href>``, else the first absolute candidate)."""
    candidates: list[str] = []
    for link in soup.find_all("link", href=True):
        rel = _attr(link, "rel").lower().split()
        if "canonical" in rel:
            candidates.append(_attr(link, "href"))
    for key in ("og:url", "twitter:url", "parsely-link", "sailthru.url", "dc.identifier"):
        if metas.get(key):
            candidates.append(metas[key])
    for obj in articles:
        for key in ("url", "mainEntityOfPage", "@id"):
            value = _ld_string(obj.get(key))
            if value:
                candidates.append(value)
    # A bare "#fragment" (JSON-LD's "@id": "#article") names a node, not a page.
    candidates = [c.strip() for c in candidates if c.strip() and not c.strip().startswith("#")]
    base_tag = soup.find("base", href=True)
    base = http_url(_attr(base_tag, "href")) if isinstance(base_tag, Tag) else None
    base = base or next((u for u in map(http_url, candidates) if u), None)
    for candidate in candidates:
        url = http_url(candidate, base)
        if url:
            return url, None
    return None, (candidates[0][:300] if candidates else None)


def _find_source(
    metas: dict[str, str],
    objects: list[dict[str, Any]],
    articles: list[dict[str, Any]],
    url: str | None,
) -> str | None:
    for key in ("og:site_name", "application-name", "apple-mobile-web-app-title",
                "twitter:app:name:iphone"):
        value = metas.get(key)
        if value and not _looks_like_url(value) and len(value) <= 100:
            return value
    for obj in articles:
        names = _ld_names(obj.get("publisher"))
        if names:
            return names[0]
    for obj in objects:
        if _types(obj) & {"website", "newsmediaorganization", "organization"}:
            names = _ld_names(obj)
            if names and len(names[0]) <= 100:
                return names[0]
    return _host(url)


_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014\-\u00b7:\u00bb\u2022/~]\s+|\s*\|\s*")


def _simplify(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _strip_site_name(title: str, source: str | None, url: str | None) -> str:
    """Drop a " | Site Name" suffix (or prefix) when it names the site."""
    title = _norm(title)
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    names = {_simplify(x) for x in (source, _host(url)) if x}
    host = _host(url)
    if host:
        names.add(_simplify(host.split(".")[0]))
        names.add(_simplify(host.rsplit(".", 1)[0]))
    names.discard("")

    def is_site(part: str) -> bool:
        simple = _simplify(part)
        if not simple:
            return False
        return any(simple == n or (len(simple) >= 3 and (simple in n or n in simple))
                   for n in names)

    changed = True
    while changed and len(parts) > 1:
        changed = False
        if is_site(parts[-1]):
            parts.pop()
            changed = True
        elif is_site(parts[0]):
            parts.pop(0)
            changed = True
    # Rebuild with the original separators: take the span of the remaining parts.
    first, last = parts[0], parts[-1]
    start = title.find(first)
    end = title.rfind(last) + len(last)
    if start < 0 or end <= start:
        return " ".join(parts)
    return title[start:end].strip()


_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:[/-]|$|\.)"
)


def _find_date(
    soup: BeautifulSoup,
    metas: dict[str, str],
    articles: list[dict[str, Any]],
    url: str | None,
) -> tuple[ParsedDate | None, str | None]:
    """Return the page's date and, when it has none, the first date its metadata gave
    that could not be read. Metadata values (JSON-LD, meta tags, ``datetime``
    attributes) are read as dates; visible text only where a date is written in it."""
    unreadable: list[str] = []

    def read(value: Any) -> ParsedDate | None:
        found = read_date(value)
        if found is None:
            raw = original_text(value)
            if raw:
                unreadable.append(raw)
        return found

    for obj in articles:
        for _key, value in date_values(obj, PUBLISHED_KEYS):
            found = read(value)
            if found:
                return found, None
    for key in _DATE_META:
        found = read(metas.get(key))
        if found:
            return found, None
    for tag in soup.find_all(attrs={"itemprop": re.compile(r"^datePublished$", re.I)}):
        attr = _attr(tag, "content") or _attr(tag, "datetime")
        found = read(attr) if attr else find_date(_text_of(tag))
        if found:
            return found, None
    times = soup.find_all("time")
    ordered = [t for t in times if t.has_attr("pubdate")] + times
    for tag in ordered[:50]:
        attr = _attr(tag, "datetime")
        found = (read(attr) if attr else None) or find_date(_text_of(tag, 200))
        if found:
            return found, None
    for obj in articles:
        for _key, value in date_values(obj, MODIFIED_KEYS):
            found = read(value)
            if found:
                return found, None
    for key in _MODIFIED_META:
        found = read(metas.get(key))
        if found:
            return found, None
    # A visible date in an element named like one ("post-date", "published", "byline").
    for tag in soup.find_all(attrs={"class": _DATE_CLASS}, limit=40):
        text = _text_of(tag, 200)
        found = find_date(text) if len(text) < 200 else None
        if found:
            return found, None
    urls = [url] if url else []
    for link in soup.find_all("link", href=True, limit=20):
        urls.append(_attr(link, "href"))
    for meta_key in ("og:url", "twitter:url"):
        if metas.get(meta_key):
            urls.append(metas[meta_key])
    for candidate in urls:
        found = _date_in_url(candidate)
        if found:
            return found, None
    return None, (unreadable[0] if unreadable else None)


_DATE_CLASS = re.compile(r"date|time|publish|posted|byline|dateline", re.I)
_URL_DATE_WORD = re.compile(r"/((?:19|20)\d{2})/([a-z]{3,9})/(\d{1,2})(?:/|$)", re.I)
_URL_DATE_COMPACT = re.compile(r"[/_-]((?:19|20)\d{2})(\d{2})(\d{2})(?:\d{0,6})(?:[/._-]|$)")


def _date_in_url(url: str) -> ParsedDate | None:
    """Return the day a URL path spells (``/2019/03/14/``, ``/2019/mar/14/``,
    ``-20190314``), or None."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    m = _URL_DATE.search(path)
    if m:
        return read_date(f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}")
    m = _URL_DATE_WORD.search(path)
    if m:
        found = read_date(f"{m[3]} {m[2]} {m[1]}")
        if found:
            return found
    m = _URL_DATE_COMPACT.search(path)
    if m:
        return read_date(f"{m[1]}{m[2]}{m[3]}")
    return None


def _find_author(
    soup: BeautifulSoup, metas: dict[str, str], articles: list[dict[str, Any]]
) -> str | None:
    for key in ("author", "article:author", "dc.creator", "sailthru.author",
                "parsely-author", "byl", "twitter:creator"):
        value = metas.get(key)
        if value and not _looks_like_url(value) and not value.startswith("@"):
            cleaned = _clean_author(value)
            if cleaned:
                return cleaned
    for obj in articles:
        names = [n for n in (_clean_author(x) for x in _ld_names(obj.get("author"))) if n]
        if names:
            return ", ".join(list(dict.fromkeys(names))[:10])
    for tag in soup.find_all("a", rel=True, limit=500):
        if "author" in _attr(tag, "rel").lower().split():
            cleaned = _clean_author(_text_of(tag, 200))
            if cleaned:
                return cleaned
    for tag in soup.find_all(attrs={"class": re.compile(r"byline|author", re.I)}, limit=50):
        cleaned = _clean_author(_text_of(tag, 300))
        if cleaned:
            return cleaned
    return None


_MONTH_OR_DAY = (
    r"(?:\b\d{1,2}\s+)?(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?\s*\d|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
)
_AUTHOR_END = re.compile(
    r"\s*(?:[|\u2022\u00b7]|\bpublished\b|\bupdated\b|\bfollow\b|\bprint\b|\d+\s+"
    r"(?:sec|min|hour|day|week|month|year)s?\s+ago\b|\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}|"
    + _MONTH_OR_DAY
    + r").*$",
    re.I | re.S,
)


def _clean_author(text: str) -> str | None:
    """Return a byline reduced to the names ("By X | May 1" -> "X"), or None."""
    text = _norm(text)
    text = re.sub(r"(?i)^(?:(?:written|posted|analysis|text|story)\s*:?\s*)?by:?\s+", "", text)
    text = re.sub(r"(?i)^(?:author|text|autor)\s*:\s*", "", text)
    text = _AUTHOR_END.sub("", text).strip(" ,;:-\u2013\u2014")
    if not 2 <= len(text) <= 100 or _looks_like_url(text):
        return None
    return text


# ---------------------------------------------------------------------------------------
# Body: blocks, weights, container
# ---------------------------------------------------------------------------------------


class _Block:
    __slots__ = ("owner", "text", "chars", "link_chars", "kind")

    def __init__(self, owner: int, text: str, link_chars: int, kind: str) -> None:
        self.owner = owner
        self.text = text
        self.chars = len(text)
        self.link_chars = min(link_chars, self.chars)
        self.kind = kind

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0


class _Walk:
    """The page as arrays: elements (parent, flags) and text blocks, in document order."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.names: list[str] = []
        self.junk: list[int] = []  # furniture level: 0 or _WEAK ... _HIDDEN
        self.positive: list[bool] = []
        self.blocks: list[_Block] = []
        self.marked: list[int] = []  # elements marked up as the article body (schema.org)


# Furniture levels of an element.
_WEAK, _STRONG, _COMMENTS, _HIDDEN = 1, 2, 3, 4


def _classify(tag: Tag) -> tuple[int, bool]:
    """Return (furniture level, has positive hint) for an element; level 0 is content."""
    name = tag.name
    words = _hint_words(tag)
    positive = bool(words & _POSITIVE) or _attr(tag, "itemprop").lower() == "articlebody"
    level = 0
    if name in _JUNK_TAGS:
        level = 2
    elif name in _WEAK_JUNK_TAGS:
        level = 1
    role = _attr(tag, "role").lower()
    if role in _ROLE_NEG:
        level = max(level, 1 if role in ("banner", "complementary") else 2)
    if words & _NEG_COMMENTS:
        level = 3
    elif words & _NEG_STRONG:
        level = max(level, 2)
    elif words & _NEG_WEAK:
        level = max(level, 1)
    if _attr(tag, "aria-hidden").lower() == "true":
        level = max(level, 1)
    if name in ("html", "body", "main") or role == "main":
        level = 0
    if name == "article" and level == 1:
        level = 0
    if _attr(tag, "itemprop").lower() == "articlebody":
        level = 0
    if tag.has_attr("hidden") or _HIDDEN_STYLE.search(_attr(tag, "style")):
        level = _HIDDEN
    return level, positive


_HIDDEN_WORDS = _word_set(
    "hidden hide tooltip popover rollover hovercard popup modal sr srt screenreader "
    "offscreen visuallyhidden invisible"
)


def _inline_hidden(tag: Tag) -> bool:
    """Return True for an inline element that a reader does not see in the text."""
    if tag.has_attr("hidden") or _HIDDEN_STYLE.search(_attr(tag, "style")):
        return True
    return bool(_hint_words(tag) & _HIDDEN_WORDS)


def _walk(root: Tag) -> _Walk:
    """Flatten the tree into elements and text blocks without recursion."""
    walk = _Walk()
    pieces: list[str] = []
    link_chars = 0
    owner_stack: list[int] = []  # indices of open block-level elements
    link_depth = 0
    kind_stack: list[str] = []

    def flush() -> None:
        nonlocal pieces, link_chars
        if pieces:
            text = _norm("".join(pieces))
            if text and owner_stack:
                kind = kind_stack[-1] if kind_stack else "div"
                walk.blocks.append(_Block(owner_stack[-1], text, link_chars, kind))
        pieces = []
        link_chars = 0

    # Stack items: (node, parent element index, exiting?)
    stack: list[tuple[Any, int, bool]] = [(root, -1, False)]
    while stack:
        node, parent_index, exiting = stack.pop()
        if exiting:
            name = node.name
            if name == "a":
                link_depth -= 1
            if name in _BLOCK_TAGS:
                flush()
                owner_stack.pop()
                kind_stack.pop()
            elif name in _CELLS:
                pieces.append(" ")
            continue
        if isinstance(node, Tag):
            name = node.name
            if name in _SKIP_TAGS:
                continue
            if name == "br":
                flush()
                continue
            if name == "hr":
                flush()
                continue
            if name not in _BLOCK_TAGS and _inline_hidden(node):
                continue
            index = len(walk.parent)
            walk.parent.append(parent_index)
            walk.names.append(name)
            level, positive = _classify(node)
            walk.junk.append(level)
            walk.positive.append(positive)
            if _attr(node, "itemprop").lower() == "articlebody":
                walk.marked.append(index)
            if name in _BLOCK_TAGS:
                flush()
                owner_stack.append(index)
                kind_stack.append(name if name in _KINDS else "div")
            elif name in _CELLS:
                pieces.append(" ")
            elif name == "a":
                link_depth += 1
            stack.append((node, index, True))
            children = node.contents
            for child in reversed(children):
                stack.append((child, index, False))
        elif type(node) is NavigableString:
            # Exact type: comments, CDATA, doctype and script/style strings are subclasses.
            text = str(node)
            pieces.append(text)
            if link_depth > 0:
                link_chars += len(_norm(text))
    flush()
    return walk


_KINDS = frozenset({"p", "li", "blockquote", "pre", "tr", "dd", "dt", "h1", "h2", "h3",
                    "h4", "h5", "h6", "div", "td", "caption", "address"})



def _link_limit(block: _Block, th: BodyTuning) -> float:
    """Return the link density above which a block is a link list, not prose."""
    return th.p_link_limit if block.kind == "p" else 0.5


def _block_weight(block: _Block, th: BodyTuning) -> float:
    if block.kind in _HEADINGS:
        return 0.0
    density = block.link_density
    if density > _link_limit(block, th):
        return -th.penalty * block.chars
    if density > 0.5 or (block.kind == "li" and density >= th.li_link_limit):
        return 0.0
    if block.chars >= th.good_chars and density < 0.35:
        return block.chars * (1.0 - density)
    if block.chars >= 20 and density < 0.2:
        return th.short * block.chars
    return 0.0


def _extract_body(
    soup: BeautifulSoup,
    title_candidates: Iterable[str],
    th: BodyTuning,
    summaries: Iterable[str] = (),
) -> list[str]:
    """Return the article body's paragraphs (empty when the page has no text).

    ``summaries`` are the page's meta descriptions: a block repeating one outside the
    element that holds the body's paragraphs is a standfirst, not body text.
    """
    root = soup.body if isinstance(soup.body, Tag) else soup
    walk = _walk(root)
    if not walk.blocks:
        return []
    n = len(walk.parent)
    parent = walk.parent

    # Prose held in each subtree, to protect big containers with unlucky class names.
    good = [0.0] * n
    for block in walk.blocks:
        if _is_good(block, th):
            good[block.owner] += block.chars
    for i in range(n - 1, 0, -1):
        if parent[i] >= 0:
            good[parent[i]] += good[i]
    total_good = sum(g for i, g in enumerate(good) if parent[i] < 0)

    # Drop furniture; when that loses most of the prose, class names misled us (a layout
    # wrapper called "rail", a hidden wrapper shown by script): drop less.
    for mode in (2, 1, 0):
        removed = _furniture(walk, good, total_good, mode, th)
        kept_good = sum(b.chars for b in walk.blocks if not removed[b.owner] and _is_good(b, th))
        if total_good == 0 or kept_good >= th.backoff * total_good:
            break

    blocks = [b for b in walk.blocks if not removed[b.owner]]
    if not blocks:
        return []

    score = [0.0] * n
    for block in blocks:
        score[block.owner] += _block_weight(block, th)
    for i in range(n - 1, 0, -1):
        if parent[i] >= 0 and not removed[i]:
            score[parent[i]] += score[i]

    def adjusted(i: int) -> float:
        if removed[i]:
            return float("-inf")
        value = score[i]
        if value > 0 and walk.positive[i]:
            value *= th.positive_bonus
        return value

    best = max(range(n), key=lambda i: (adjusted(i), i if th.tightest_on_ties else -i))
    titles = {_simplify(t) for t in title_candidates if t}
    if score[best] <= 0:
        # No prose anywhere: keep every non-link block of the page.
        chosen = blocks
    else:
        inside = _descendant_flags(parent, best)
        best = _main_article(walk, score, removed, inside, best, titles, th)
        best = _marked_body(walk, score, removed, best, th)
        inside = _descendant_flags(parent, best)
        chosen = [b for b in blocks if inside[b.owner]]
    in_card = _teaser_cards(chosen, parent, best, th)
    standfirsts = _standfirsts(chosen, parent, summaries, th)

    out: list[str] = []
    for block, card in zip(chosen, in_card, strict=True):
        if card or id(block) in standfirsts:
            continue
        if block.link_density > _link_limit(block, th) and block.chars < 400:
            continue
        if block.kind == "h1":
            continue
        if block.chars < 120 and (
            _BOILERPLATE.match(block.text)
            or _BOILERPLATE_INTL.match(block.text)
            or _BYLINE.match(block.text)
        ):
            continue
        if block.chars < 300 and _simplify(block.text) in titles:
            continue
        if block.chars < 400 and (_NOT_PROSE.match(block.text) or _NOTICE.search(block.text)):
            continue
        if block.chars <= 40 and len(block.text.split()) <= 6 and is_date_line(block.text):
            continue  # a dateline on its own
        if block.chars < 160 and _STAMP_START.match(block.text) and (
            _CLOCK.search(block.text) or find_date(block.text)
        ):
            continue  # "Updated Nov. 19, 2019 8:21 am ET", "By Staff | May 1, 2019"
        out.append(block.text)
    return _drop_tail_credits(_dedupe(out), th)


def _drop_tail_credits(paragraphs: list[str], th: BodyTuning) -> list[str]:
    """Return the paragraphs minus credit, contact and bio lines among the last few."""
    if th.tail_lines <= 0:
        return paragraphs
    start = max(1, len(paragraphs) - th.tail_lines)
    tail = [p for p in paragraphs[start:] if len(p) >= 300 or not _TAIL_CREDITS.search(p)]
    return paragraphs[:start] + tail


def _main_article(
    walk: _Walk,
    score: list[float],
    removed: list[bool],
    inside: list[bool],
    best: int,
    titles: set[str],
    th: BodyTuning,
) -> int:
    """Narrow to one ``<article>`` when the container holds a main one among teasers: the
    one that dominates the others, or the top-scoring one that alone holds the headline.
    """
    articles = [
        i for i in range(best + 1, len(walk.parent))
        if inside[i] and walk.names[i] == "article" and not removed[i] and score[i] > 0
    ]
    if not 2 <= len(articles) <= 500:
        return best
    # Only innermost articles: one that wraps others is a list of teasers.
    wrappers: set[int] = set()
    for article in articles:
        node = walk.parent[article]
        while node > best and node not in wrappers:
            wrappers.add(node)
            node = walk.parent[node]
    articles = [a for a in articles if a not in wrappers]
    if len(articles) < 2:
        return best
    articles.sort(key=lambda i: -score[i])
    top, second = articles[0], score[articles[1]]
    if score[top] >= th.article_share * score[best] and score[top] >= 2 * second:
        return top
    if not th.titled_article:
        return best
    titled = _titled_elements(walk, articles, titles)
    return top if titled == [top] else best


def _titled_elements(walk: _Walk, elements: list[int], titles: set[str]) -> list[int]:
    """Return the elements (of a list of disjoint ones) holding a heading that is the
    page's headline, in the list's order."""
    wanted = set(elements)
    found: set[int] = set()
    for block in walk.blocks:
        if block.kind not in _HEADINGS or _simplify(block.text) not in titles:
            continue
        node = block.owner
        while node >= 0 and node not in wanted:
            node = walk.parent[node]
        if node >= 0:
            found.add(node)
    return [e for e in elements if e in found]


def _marked_body(
    walk: _Walk, score: list[float], removed: list[bool], best: int, th: BodyTuning
) -> int:
    """Narrow to the element marked ``itemprop="articleBody"`` when it holds the body.

    Sites that mark up their body for search engines mark the body alone; the container
    found by scoring may be wider (a duplicate copy for another layout, teasers around it).
    """
    inside = _descendant_flags(walk.parent, best)
    marked = [m for m in walk.marked if inside[m] and not removed[m] and score[m] > 0]
    if not marked:
        return best
    top = max(marked, key=lambda m: score[m])
    # Other marked copies (one per layout, or in hidden microdata) do not count against it.
    within = _descendant_flags(walk.parent, top)
    others = sum(score[m] for m in marked if not within[m])
    return top if score[top] >= th.marked_share * (score[best] - others) else best


def _ld_paragraphs(text: str) -> list[str]:
    """Return the paragraphs of a JSON-LD ``articleBody`` (plain text or HTML)."""
    if re.search(r"<[A-Za-z/]", text):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fragment = BeautifulSoup(text, "lxml")
        for tag in fragment.find_all(_SKIP_TAGS):
            tag.decompose()
        for tag in fragment.find_all(["br", *_BLOCK_TAGS]):
            tag.insert_before("\n")
        text = fragment.get_text()
    else:
        text = html_module.unescape(text)
    return _dedupe([p for p in (_norm(line) for line in text.splitlines()) if p])


def _standfirsts(
    blocks: list[_Block], parent: list[int], summaries: Iterable[str], th: BodyTuning
) -> set[int]:
    """Return the ids of blocks that repeat the page's description outside the element
    holding most of the body's prose (a deck above the story, a teaser in a card)."""
    wanted = {s for s in (_simplify(x) for x in summaries) if len(s) >= 30}
    if not wanted or not th.drop_standfirsts:
        return set()
    mass: dict[int, int] = {}
    for block in blocks:
        if _is_good(block, th):
            mass[parent[block.owner]] = mass.get(parent[block.owner], 0) + block.chars
    body_parent = max(mass, key=mass.__getitem__) if mass else -1
    return {
        id(b) for b in blocks if parent[b.owner] != body_parent and _simplify(b.text) in wanted
    }


def _teaser_cards(
    blocks: list[_Block], parent: list[int], container: int, th: BodyTuning
) -> list[bool]:
    """Flag blocks inside small "cards": a linked headline plus a line or two of teaser."""
    first: dict[int, int] = {}
    count: dict[int, int] = {}
    plain: dict[int, int] = {}
    chains: list[list[int]] = []
    for k, block in enumerate(blocks):
        chain: list[int] = []
        node = block.owner
        for _ in range(th.card_depth):
            if node < 0 or node == container:
                break
            chain.append(node)
            first.setdefault(node, k)
            count[node] = count.get(node, 0) + 1
            plain[node] = plain.get(node, 0) + block.chars - block.link_chars
            node = parent[node]
        chains.append(chain)
    cards = {
        node
        for node, n in count.items()
        if 2 <= n <= 3 and plain[node] < 200 and blocks[first[node]].link_density > 0.5
    }
    return [any(node in cards for node in chain) for chain in chains]


def _is_good(block: _Block, th: BodyTuning) -> bool:
    return block.chars >= th.good_chars and block.link_density < 0.35


def _furniture(
    walk: _Walk, good: list[float], total_good: float, mode: int, th: BodyTuning
) -> list[bool]:
    """Return, per element, whether it is page furniture to leave out.

    ``mode`` 2 drops all furniture, 1 keeps weak furniture, 0 drops only comments (for
    pages whose class names mislead).
    """
    parent = walk.parent
    removed = [False] * len(parent)
    for i in range(len(parent)):
        p = parent[i]
        if p >= 0 and removed[p]:
            removed[i] = True
            continue
        level = walk.junk[i]
        if level == 0:
            continue
        share = good[i] / total_good if total_good > 0 else 0.0
        if level == _COMMENTS:
            removed[i] = True
        elif mode == 0:
            continue
        elif level == _HIDDEN:
            removed[i] = True
        elif level == _STRONG:
            removed[i] = share < th.weak_keep
        elif mode == 2:
            removed[i] = not (share >= th.weak_keep or walk.positive[i])
    return removed


def _descendant_flags(parent: list[int], root: int) -> list[bool]:
    flags = [False] * len(parent)
    flags[root] = True
    for i in range(root + 1, len(parent)):
        p = parent[i]
        if p >= 0 and flags[p]:
            flags[i] = True
    return flags


def _dedupe(paragraphs: list[str]) -> list[str]:
    """Drop a paragraph that repeats the one just before it."""
    out: list[str] = []
    for text in paragraphs:
        if out and out[-1] == text:
            continue
        out.append(text)
    return out

