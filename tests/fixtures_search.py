"""Hand-made paragraphs and index builders for the search, web and API tests.

The paragraphs carry their actors and locations, so these tests never depend on the
entity model. Test modules make their own fixtures with ``build_sample_index``.
"""

from __future__ import annotations

import os
from pathlib import Path

from searchsvc.indexer import write_paragraphs
from searchsvc.models import Paragraph, Place

SHARED = Path(os.environ.get("SEARCHSVC_SHARED", Path(__file__).resolve().parents[2] / "shared"))

ANKARA = Place("Ankara", "TR", 39.93, 32.86, "city", "Turkey")
ISTANBUL = Place("Istanbul", "TR", 41.01, 28.98, "city", "Turkey")
TURKEY = Place("Turkey", "TR", 39.0, 35.0, "country", "Turkey")
GAZA = Place("Gaza", "PS", 31.5, 34.47, "region", "Palestine")
DOHA = Place("Doha", "QA", 25.29, 51.53, "city", "Qatar")
QATAR = Place("Qatar", "QA", 25.3, 51.2, "country", "Qatar")
ISRAEL = Place("Israel", "IL", 31.0, 35.0, "country", "Israel")

A1 = "a1a1a1a1a1a1a1a1"
A2 = "b2b2b2b2b2b2b2b2"
A3 = "c3c3c3c3c3c3c3c3"
XSS = "<script>alert('xss')</script>"

LONG_TEXT = (
    "Analysts spent the morning discussing the lira, exports, tourism receipts and the "
    "outlook for the coming year in great detail. "
    * 6
    + "Officials warned that inflation could return quickly. "
    + "The rest of the meeting covered budgets, ports, roads and schools in many provinces "
    "across the country, with no further news. " * 6
)


def _article(article_id, title, date, source, texts, entities, url=None):
    count = len(texts)
    out = []
    for i, (text, (actors, places)) in enumerate(zip(texts, entities, strict=True), 1):
        out.append(
            Paragraph(
                id=f"{article_id}#{i}",
                article_id=article_id,
                position=i,
                count=count,
                text=text,
                title=title,
                date=date,
                source=source,
                url=url,
                path=f"/data/{article_id}.txt",
                actors=actors,
                locations=places,
            )
        )
    return out


def sample_paragraphs() -> list[Paragraph]:
    """Return the small test corpus: three articles about Turkey, Gaza and Doha, and
    25 one-paragraph market reports for paging and sorting."""
    paragraphs = []
    paragraphs += _article(
        A1,
        "Blinken meets Erdoğan in Ankara",
        "2023-11-06",
        "aljazeera",
        [
            "Antony Blinken met Recep Tayyip Erdoğan in Ankara to discuss a humanitarian "
            "pause in Gaza.",
            "Turkey called for an immediate ceasefire; Erdogan said the humanitarian "
            "situation was dire.",
            "The pause in deliveries of humanitarian aid worried officials.",
            f"{XSS} & other <b>tags</b> appeared in a post about Istanbul.",
        ],
        [
            (["Antony Blinken", "Recep Tayyip Erdoğan"], [ANKARA, GAZA]),
            (["Recep Tayyip Erdoğan"], [TURKEY]),
            ([], []),
            ([], [ISTANBUL]),
        ],
        url="https://example.org/a1",
    )
    paragraphs += _article(
        A2,
        "Ceasefire talks in Doha",
        "2023-12-01",
        "reuters",
        [
            "Qatar hosted ceasefire talks between Israel and Hamas in Doha.",
            "Antony Blinken praised the humanitarian pause.",
            "Officials in Doha expect a longer truce.",
        ],
        [
            (["Hamas"], [QATAR, DOHA, ISRAEL]),
            (["Antony Blinken"], []),
            ([], [DOHA]),
        ],
    )
    paragraphs += _article(
        A3,
        "Economy grows in Turkey",
        "2022-05-10",
        "bbc",
        [
            "Turkey's economy grew strongly, said the central bank in Istanbul.",
            LONG_TEXT,
        ],
        [([], [TURKEY, ISTANBUL]), ([], [])],
    )
    for n in range(1, 26):
        article_id = f"{n:016x}"
        paragraphs += _article(
            article_id,
            f"Market report {n}",
            f"2021-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}",
            "wire",
            [f"The stock market moved {n} points on trading day number {n}."],
            [(["Stock Exchange"] if n % 2 else [], [])],
        )
    return paragraphs


def build_sample_index(folder: Path) -> Path:
    """Write ``sample_paragraphs()`` as an index in ``folder`` and return the folder."""
    write_paragraphs(folder, sample_paragraphs())
    return folder
