"""Links: the one check that a URL may be stored and shown as an article's link.

Only absolute ``http`` and ``https`` URLs with a host pass. A relative URL passes once
resolved against a base that itself passes (the page's own address); ``//host/path``
takes the base's scheme, or https without one. Everything else (``javascript:``,
``data:``, ``mailto:``, ``file:``, text with spaces or control characters, a bad port,
over ``MAX_URL_CHARS``) is refused: the caller drops it and says so.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

MAX_URL_CHARS = 2048
SCHEMES = ("http", "https")
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\<>\"`]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _absolute_ok(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme.lower() in SCHEMES and bool(parts.hostname)


def http_url(value: object, base: str | None = None) -> str | None:
    """Return ``value`` as an absolute http(s) URL (resolved against ``base`` when it is
    relative and ``base`` is an http(s) URL), or None when it cannot be one."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > MAX_URL_CHARS or _UNSAFE_CHARS.search(url):
        return None
    if not _SCHEME.match(url):
        root = http_url(base) if base else None
        if root:
            url = urljoin(root, url)
        elif url.startswith("//"):
            url = "https:" + url
        else:
            return None
    return url if _absolute_ok(url) and len(url) <= MAX_URL_CHARS else None

