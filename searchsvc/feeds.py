"""Atom feeds of saved searches: the newest recorded matches of one saved search as an
Atom 1.0 document (RFC 4287), written with the standard library's XML tools.

Each entry is one matching paragraph: its headline, a link to the article view at that
paragraph, the highlighted text (as escaped HTML content; each ``<mark>`` also holds a
``<strong>``, which feed readers that strip ``<mark>`` still show), its date (the paragraph's,
else when it matched), and its actors and places as categories.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from .saved import SavedMatch, SavedSearch

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


def atom_feed(
    saved: SavedSearch,
    matches: Sequence[SavedMatch],
    *,
    feed_url: str,
    search_url: str,
    paragraph_url: Callable[[dict[str, Any]], str],
    generator_version: str = "",
) -> bytes:
    """Return the Atom document (UTF-8 bytes) of ``saved``'s ``matches`` (newest
    first); URLs must be absolute."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_url)
    _text(feed, "title", f"searchsvc: {saved.name}")
    _text(feed, "subtitle", _describe(saved))
    updated = matches[0].matched_at if matches else saved.updated
    _text(feed, "updated", _rfc3339(updated))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=search_url)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "searchsvc")
    generator = _text(feed, "generator", "searchsvc")
    if generator_version:
        generator.set("version", generator_version)
    for match in matches:
        hit = match.hit
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        link = paragraph_url(hit)
        _text(entry, "id", link)
        _text(entry, "title", hit.get("title") or "(untitled)")
        _text(entry, "updated", _rfc3339(match.matched_at))
        if hit.get("date"):
            _text(entry, "published", _rfc3339(hit["date"]))
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
        if hit.get("source"):
            source = ET.SubElement(entry, f"{{{ATOM}}}author")
            _text(source, "name", hit["source"])
        places = [p.get("name") for p in hit.get("locations") or [] if p.get("name")]
        for name in hit.get("actors") or []:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=name, label=f"actor: {name}")
        for name in places:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=name, label=f"place: {name}")
        names = "; ".join([*(hit.get("actors") or []), *places])
        body = f"<p>{_marked(hit.get('highlight') or escape(hit.get('text') or ''))}</p>"
        if names:
            body += f"<p><small>{escape(names)}</small></p>"
        content = _text(entry, "content", body)
        content.set("type", "html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _marked(highlight: str) -> str:
    """Return the highlight with each marked word also in ``<strong>``."""
    return highlight.replace("<mark>", "<mark><strong>").replace("</mark>", "</strong></mark>")


def _rfc3339(value: str) -> str:
    """Return an ISO date or timestamp as an RFC 3339 timestamp (UTC)."""
    if len(value) == 10:  # a day
        return f"{value}T00:00:00Z"
    return value.replace("+00:00", "Z")


def _describe(saved: SavedSearch) -> str:
    p = saved.params
    parts = [repr(p.get("q") or "")]
    for key, label in (("actors", "actor"), ("locations", "location"), ("sources", "source")):
        parts += [f"{label}={v}" for v in p.get(key) or []]
    text = "new paragraphs matching " + " ".join(parts)
    if saved.problem:
        text += f" (not matched at the last reindex: {saved.problem})"
    return text
