"""Every limit and enumerated value of the service, defined once.

The request validation, the engines, the web app, the OpenAPI description and the docs
(docs/limits.md) all read them from here.
"""

from __future__ import annotations

import re
from typing import get_args

from .models import FacetName, SortOrder

# Input (searchsvc.parse): the most bytes one article is read from. It applies to one
# page (an HTML or text file) and to one JSON Lines record, never to a JSON Lines file,
# which is streamed record by record. A JSON file (one value: a record or a list of
# records) is read whole, so the whole file must fit under it.
MAX_ARTICLE_BYTES = 50 * 2**20
# Left-out records named one by one in the reindex report, per file; beyond that they
# are counted (``ReindexReport.records_skipped``) and summed up in one line.
MAX_NAMED_PROBLEMS = 1000

# Queries
MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 64
MAX_FUZZY_EDITS = 2
MIN_PREFIX_CHARS = 2
# A prefix or wildcard (``res*``) matches every word it expands to; its relevance is
# computed from the most frequent of them, at most this many (``parsed`` says so).
MAX_PREFIX_TERMS = 64
MAX_PHRASE_SLOP = 1000  # "a b"~N: larger N is read as this (the whole of any paragraph)
PHRASE_BOOST = 3.0
TITLE_BOOST = 2.0

# Result pages
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
MAX_RESULT_DEPTH = 10_000
DEFAULT_FACET_LIMIT = 10
MAX_FACET_LIMIT = 100
SUGGEST_BELOW = 5  # "did you mean" is offered when fewer paragraphs match

# Filters
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 200

# Suggest
DEFAULT_SUGGEST_LIMIT = 10
MAX_SUGGEST_LIMIT = 50
MAX_SUGGEST_CHARS = MAX_FILTER_CHARS  # a prefix of a name that can be a filter value

# Web requests (query-string values longer than the parameter's own limit are refused)
MAX_PARAM_CHARS = MAX_QUERY_CHARS
MAX_BODY_BYTES = 64 * 1024  # form bodies of the writes (saved searches, login)

# Enumerations (the values are the models' types: ``SortOrder``, ``FacetName``)
SORTS: tuple[str, ...] = get_args(SortOrder)
FACETS: tuple[str, ...] = get_args(FacetName)
# How a yes/no query-string parameter (``collapse``, ``expand``) may be written.
FLAG_VALUES = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}
SUGGEST_FIELDS = {
    "actor": "actors",
    "actors": "actors",
    "location": "locations",
    "locations": "locations",
    "source": "sources",
    "sources": "sources",
}

ARTICLE_ID = re.compile(r"[0-9A-Fa-f#]{1,100}")


def valid_article_id(article_id: str) -> bool:
    """Return True when ``article_id`` has the shape of an article id (hex and ``#``)."""
    return bool(ARTICLE_ID.fullmatch(article_id or ""))

# Analyst views
INTERVALS = ("day", "week", "month", "year")
MAX_TIMELINE_BUCKETS = 5000
MIN_COMPARE_QUERIES = 2
MAX_COMPARE_QUERIES = 5
RELATED_FIELDS = ("actors", "locations")
RELATED_SORTS = ("lift", "count")
DEFAULT_RELATED_LIMIT = 20
MAX_RELATED_LIMIT = 100
DEFAULT_RELATED_MIN_COUNT = 2
MAX_RELATED_MIN_COUNT = 1_000_000_000
RELATED_CANDIDATES = 1000  # most frequent values among the hits whose lift is computed
EXPORT_FORMATS = ("csv", "ndjson")
TIMELINE_FORMATS = ("json", "csv")  # /api/timeline and /api/timeline/compare
CHART_MEASURES = ("count", "share")  # the search page's chart: bar heights
EXPORT_CHUNK_BYTES = 64 * 1024  # an export is sent in pieces of about this size
# The search page's "named with" panel: values shown, and below how many hits the
# values named only once are shown too (with few hits every value is rare).
RELATED_PANEL_LIMIT = 10
RELATED_PANEL_ALL_BELOW = 20

# Saved searches and alerts
MAX_ID_FILTER = 1024  # paragraph ids one request may be restricted to
MAX_SAVED_NAME_CHARS = 64
# "\-", not a bare "-": the pattern is also an HTML form's (read with the v flag).
SAVED_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.\-]{{0,{MAX_SAVED_NAME_CHARS - 1}}}")
SAVED_NAME_RULE = (
    f"1 to {MAX_SAVED_NAME_CHARS} letters, digits, '_', '-' or '.', starting with a letter or digit"
)
MAX_SAVED_SEARCHES = 1000
FEED_ENTRIES = 50  # newest matches in a feed, and on a saved search's page and GET

# Access (``searchsvc serve --token``)
MIN_TOKEN_CHARS = 16  # a shorter access token is refused: it could be guessed

# Copies (searchsvc.copies, docs/duplicates.md). Signatures: changing the shingle size,
# bands, rows or seed needs `reindex --full` (the index records them and dedupe refuses
# an index made otherwise). Thresholds are read at search time.
COPY_SIGNATURE_VERSION = 1
COPY_SHINGLE_WORDS = 3  # words per shingle
COPY_BANDS = 16  # LSH bands (keyword terms per paragraph)
COPY_ROWS = 4  # MinHash values per band (bands x rows values per signature)
ARTICLE_COPY_BANDS = 32  # articles: the same values cut in more, shorter bands, so
ARTICLE_COPY_ROWS = 2  # that bodies as little alike as ARTICLE_COPY_THRESHOLD are found
COPY_SEED = 20261201  # of the hash functions
COPY_THRESHOLD = 0.6  # estimated similarity of two paragraphs' shingles to be copies
ARTICLE_COPY_THRESHOLD = 0.35  # the same for two articles' bodies
MAX_BAND_GROUP = 2000  # a band key shared by more texts finds no candidates
MAX_COPIES_LISTED = 200  # copies named by the copies page and the article view
DEFAULT_SIMILAR = 10  # "more like this" hits per page
MAX_SIMILAR = 100  # "more like this" hits in all (pages included)
SIMILAR_TERMS = 12  # key terms of a paragraph that "more like this" searches for
COUNTED = ("paragraphs", "stories")  # what totals, facets and timelines count
