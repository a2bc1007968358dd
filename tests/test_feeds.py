"""Atom feeds of saved searches."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from searchsvc.feeds import ATOM, atom_feed
from searchsvc.models import SearchRequest
from searchsvc.saved import SavedStore

NS = {"a": ATOM}


def test_feed_is_atom_with_one_entry_per_match(tmp_path):
    store = SavedStore(tmp_path / "s.sqlite3")
    store.put("gaza", SearchRequest(q="ceasefire", actors=["Hamas"]))
    store.record(
        "gaza",
        [
            {
                "id": "ab#2",
                "article_id": "ab",
                "position": 2,
                "title": "Talks <resume>",
                "date": "2023-11-06",
                "source": "wire",
                "text": "A ceasefire & more",
                "highlight": "A <mark>ceasefire</mark> &amp; more",
                "actors": ["Hamas"],
                "locations": [{"name": "Doha", "country_code": "QA"}],
            }
        ],
    )
    saved = store.get("gaza")
    xml = atom_feed(
        saved,
        store.matches("gaza"),
        feed_url="http://127.0.0.1:8000/feeds/gaza.atom",
        search_url="http://127.0.0.1:8000/?q=ceasefire",
        paragraph_url=lambda h: f"http://127.0.0.1:8000/article/{h['article_id']}#p{h['position']}",
    )
    root = ET.fromstring(xml)
    assert root.tag == f"{{{ATOM}}}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"a:{required}", NS) is not None
    entries = root.findall("a:entry", NS)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.find("a:title", NS).text == "Talks <resume>"
    assert entry.find("a:link", NS).get("href").endswith("/article/ab#p2")
    assert entry.find("a:published", NS).text == "2023-11-06T00:00:00Z"
    content = entry.find("a:content", NS)
    assert content.get("type") == "html"
    assert "<mark><strong>ceasefire</strong></mark>" in content.text
    assert {c.get("term") for c in entry.findall("a:category", NS)} == {"Hamas", "Doha"}
    assert root.find("a:updated", NS).text.endswith("Z")


def test_an_empty_feed_is_still_valid_atom(tmp_path):
    store = SavedStore(tmp_path / "s.sqlite3")
    saved = store.put("quiet", SearchRequest(q="nothing"))
    root = ET.fromstring(
        atom_feed(saved, [], feed_url="http://x/f", search_url="http://x/", paragraph_url=str)
    )
    assert root.findall("a:entry", NS) == [] and root.find("a:updated", NS).text
