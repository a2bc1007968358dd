"""Deterministic generator of a large, realistic news collection for benchmarks.

Text is real: sentences of the shared BBC corpus, recombined into new paragraphs whose
sentence counts follow the BBC paragraphs', grouped into articles whose paragraph counts
follow the BBC articles'. Metadata is spread the way news spreads it:

- actors: a few thousand invented person names with Zipf-like frequencies (rank r is
  drawn with weight 1/r**1.1), 0-3 per paragraph; each mentioned actor is also named in
  the paragraph's text ("... , Ana Keller said."), so text search finds them too;
- locations: places of the searchsvc gazetteer, ranked by population, same Zipf law;
- sources: 40 invented outlets, Zipf-like; dates: 20 years (2005-2024), more recent
  years denser, as archives grow;
- copies (``copies`` > 0): that share of the articles is republished, one to three
  times, by other outlets a few days later, as syndication does: a dateline on the
  first paragraph, sometimes a paragraph dropped, a word or two changed (for the
  ``dedupe`` phases of the benchmark; 0 gives the collection of earlier rounds).

Two outputs: ``iter_paragraphs`` yields ``Paragraph`` objects (actors and locations
pre-assigned: the "without entity extraction" figure, through
``indexer.write_paragraphs``); ``write_jsonl`` writes JSON Lines article files (title,
text, date, source, url) that ``searchsvc reindex`` reads. Same seed, same output.

    python benchmarks/generate.py --paragraphs 200000 --seed 1 --out benchmarks/data/g200k
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import html
import itertools
import json
import os
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from searchsvc.models import Paragraph, Place  # noqa: E402

SHARED = Path(os.environ.get("SEARCHSVC_SHARED", REPO.parent / "shared"))
BBC = SHARED / "corpus" / "bbc"
PLACES = REPO / "searchsvc" / "entities" / "data" / "places.tsv.gz"
ARTICLES_PER_FILE = 1000
FIRST_DAY = date(2005, 1, 1)
DAYS = (date(2024, 12, 31) - FIRST_DAY).days

_SENTENCE_END = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z“\"])")

FIRST_NAMES = [
    "Ana",
    "Omar",
    "Lena",
    "Tariq",
    "Mei",
    "Jonas",
    "Priya",
    "Kofi",
    "Sara",
    "Mateo",
    "Ingrid",
    "Yusuf",
    "Elena",
    "Dmitri",
    "Aiko",
    "Carlos",
    "Fatima",
    "Henrik",
    "Amara",
    "Luca",
    "Nadia",
    "Pavel",
    "Rosa",
    "Samir",
    "Talia",
    "Viktor",
    "Wen",
    "Zainab",
    "Felix",
    "Grace",
    "Hugo",
    "Irene",
    "Jamal",
    "Kira",
    "Leon",
    "Maya",
    "Nikolai",
    "Olga",
    "Pedro",
    "Quinn",
    "Rania",
    "Stefan",
    "Tomas",
    "Uma",
    "Vera",
    "Wael",
    "Ximena",
    "Yara",
    "Zoltan",
    "Abel",
    "Bianca",
    "Cyrus",
    "Dalia",
    "Emil",
    "Flora",
    "Goran",
    "Hana",
    "Ivo",
]
LAST_NAMES = [
    "Keller",
    "Haddad",
    "Novak",
    "Okafor",
    "Tanaka",
    "Silva",
    "Lindqvist",
    "Mensah",
    "Rossi",
    "Petrov",
    "Costa",
    "Nakamura",
    "Brennan",
    "Aziz",
    "Varga",
    "Moreau",
    "Kowalski",
    "Oduya",
    "Santos",
    "Fischer",
    "Duarte",
    "Ibrahim",
    "Larsen",
    "Mbeki",
    "Orlov",
    "Quintero",
    "Rahman",
    "Sato",
    "Teixeira",
    "Urban",
    "Vasquez",
    "Weber",
    "Yilmaz",
    "Zhou",
    "Abbasi",
    "Bauer",
    "Castillo",
    "Dimitrov",
    "Eriksen",
    "Farouk",
    "Gallo",
    "Horvat",
    "Iqbal",
    "Jensen",
    "Kaplan",
    "Lindgren",
    "Marino",
    "Nasser",
    "Olsen",
    "Park",
    "Rinaldi",
    "Shah",
    "Toivonen",
    "Ueda",
    "Volkov",
    "Wright",
    "Xu",
    "Yamada",
    "Zeller",
    "Amin",
    "Becker",
    "Cruz",
    "Demir",
    "Esposito",
    "Ferreira",
    "Grant",
    "Hoffmann",
    "Ivanova",
    "Jovanovic",
    "Khan",
    "Lopez",
]
OUTLETS = [
    "Northern Ledger",
    "Harbour Times",
    "Daily Meridian",
    "Capital Wire",
    "Evening Courier",
    "The Observer Post",
    "Coastal Herald",
    "Metro Bulletin",
    "Continental Press",
    "Valley Gazette",
    "Union Chronicle",
    "Summit News",
    "Global Dispatch",
    "Riverside Journal",
    "Atlas Newswire",
    "Civic Record",
    "Pioneer Daily",
    "Frontier Tribune",
    "Lakeside Star",
    "National Monitor",
    "Eastern Review",
    "Western Sentinel",
    "Market Report",
    "Weekend Digest",
    "Morning Signal",
    "Independent Wire",
    "Central Mail",
    "Plains Echo",
    "Island Voice",
    "Metropolitan Times",
    "Open Press",
    "Public Ledger",
    "Harbour Wire",
    "Crossroads News",
    "Highland Post",
    "Delta Courier",
    "Bay Chronicle",
    "City Desk",
    "World Brief",
    "Region Today",
]


def zipf_cumulative(n: int, exponent: float = 1.1) -> list[float]:
    """Return cumulative weights of ranks 1..n under a Zipf law (weight 1/r**exponent),
    for ``random.Random.choices(cum_weights=...)``."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


@dataclass
class Material:
    """What the generator recombines: real sentences and the real shape of articles."""

    sentences: list[str]
    sentences_per_paragraph: list[int]
    paragraphs_per_article: list[int]
    headlines: list[str]


def load_material(corpus: Path = BBC) -> Material:
    """Return the sentences, headlines and paragraph/article shapes of the BBC corpus
    (files read in sorted order, so the result is deterministic)."""
    if not corpus.is_dir():
        raise SystemExit(f"corpus not found at {corpus} (set SEARCHSVC_SHARED)")
    sentences: list[str] = []
    per_paragraph: list[int] = []
    per_article: list[int] = []
    headlines: list[str] = []
    for path in sorted(corpus.rglob("*.txt")):
        raw = path.read_bytes().decode("utf-8", errors="replace")
        blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", raw) if b.strip()]
        if len(blocks) < 2:
            continue
        headlines.append(blocks[0])
        per_article.append(len(blocks) - 1)
        for block in blocks[1:]:
            parts = [s for s in _SENTENCE_END.split(block) if len(s.split()) >= 3]
            if parts:
                per_paragraph.append(min(len(parts), 8))
                sentences.extend(parts)
    return Material(sentences, per_paragraph, per_article, headlines)


def load_places(limit: int = 3000) -> list[Place]:
    """Return up to ``limit`` gazetteer places, most populous first (countries' names
    filled in for cities)."""
    rows = []
    with gzip.open(PLACES, "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"), strict=False)))
    countries = {r["country_code"]: r["name"] for r in rows if r.get("kind") == "country"}

    def population(row: dict[str, str]) -> int:
        try:
            return int(row.get("population") or 0)
        except ValueError:
            return 0

    rows.sort(key=lambda r: (-population(r), r["name"]))
    places = []
    seen: set[str] = set()
    for row in rows:
        if row["name"] in seen or row.get("kind") not in ("country", "city", "region"):
            continue
        seen.add(row["name"])
        code = row.get("country_code") or None
        places.append(
            Place(
                name=row["name"],
                country_code=code,
                lat=float(row["lat"]) if row.get("lat") else None,
                lon=float(row["lon"]) if row.get("lon") else None,
                kind=row["kind"],
                country=countries.get(code or ""),
            )
        )
        if len(places) >= limit:
            break
    return places


def make_actors(rng: random.Random, count: int = 4000) -> list[str]:
    """Return ``count`` distinct invented person names in a seeded random rank order."""
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    return names[:count]


class Generator:
    """Seeded source of articles; ``iter_articles`` is the single stream both outputs
    are cut from."""

    def __init__(self, seed: int = 1, material: Material | None = None, copies: float = 0.0):
        self.rng = random.Random(seed)
        self.copies = copies
        self.copy_rng = random.Random(seed + 2)  # copies never change the originals
        self.material = material or load_material()
        self.actors = make_actors(random.Random(seed + 1))
        self.places = load_places()
        self.actor_cum = zipf_cumulative(len(self.actors))
        self.place_cum = zipf_cumulative(len(self.places))
        self.source_cum = zipf_cumulative(len(OUTLETS), 1.0)

    def _zipf(self, items: list, cum: list[float]):
        x = self.rng.random() * cum[-1]
        return items[min(bisect.bisect(cum, x), len(items) - 1)]

    def _names(self, items: list, cum: list[float], most: int) -> list:
        count = self.rng.choices(range(most + 1), weights=[4, 3, 2, 1][: most + 1])[0]
        found: list = []
        for _ in range(count):
            item = self._zipf(items, cum)
            if item not in found:
                found.append(item)
        return found

    def _date(self) -> str:
        day = int(DAYS * (self.rng.random() ** 0.7))
        return (FIRST_DAY + timedelta(days=day)).isoformat()

    def iter_articles(self, paragraphs: int) -> Iterator[dict]:
        """Yield article dicts (id, title, date, source, url, paragraphs: list of
        (text, actors, places)) until ``paragraphs`` paragraphs have been made."""
        mat, rng = self.material, self.rng
        made = 0
        number = 0
        while made < paragraphs:
            number += 1
            count = min(rng.choice(mat.paragraphs_per_article), paragraphs - made)
            parts = []
            for _ in range(count):
                k = rng.choice(mat.sentences_per_paragraph)
                sentences = [rng.choice(mat.sentences) for _ in range(k)]
                actors = self._names(self.actors, self.actor_cum, 3)
                places = self._names(self.places, self.place_cum, 3)
                if actors:
                    sentences.append(f"{' and '.join(actors)} commented on the news.")
                if places:
                    sentences.insert(0, f"Reporting from {', '.join(p.name for p in places)}.")
                parts.append((" ".join(sentences), actors, places))
            made += count
            source = self._zipf(OUTLETS, self.source_cum)
            article = {
                "id": f"{number:012x}",
                "title": rng.choice(mat.headlines),
                "date": self._date(),
                "source": source,
                "url": f"https://news.example/{number}",
                "paragraphs": parts,
            }
            yield article
            if self.copies and self.copy_rng.random() < self.copies:
                for n in range(self.copy_rng.choice([1, 1, 2, 3])):
                    if made >= paragraphs:
                        break
                    copy = self._syndicated(article, n, paragraphs - made)
                    made += len(copy["paragraphs"])
                    yield copy

    def _syndicated(self, article: dict, n: int, room: int) -> dict:
        """Return copy ``n`` of ``article`` (at most ``room`` paragraphs), edited."""
        rng = self.copy_rng
        parts = list(article["paragraphs"])
        if len(parts) > 2 and rng.random() < 0.3:
            del parts[rng.randrange(1, len(parts))]
        parts = parts[:room]
        edited = []
        for i, (text, actors, places) in enumerate(parts):
            if i == 0:
                text = f"{rng.choice(['LONDON', 'PARIS', 'NEW YORK'])} (Wire) - {text}"
            if rng.random() < 0.3:
                text = text.replace(" said ", " told reporters ", 1)
            edited.append((text, actors, places))
        day = date.fromisoformat(article["date"]) + timedelta(days=rng.randrange(0, 4))
        return {
            **article,
            "id": f"{article['id']}{n:02x}c",
            "date": min(day, FIRST_DAY + timedelta(days=DAYS)).isoformat(),
            "source": self._zipf(OUTLETS, self.source_cum),
            "url": f"{article['url']}/copy{n}",
            "paragraphs": edited,
        }


def iter_paragraphs(paragraphs: int, seed: int = 1, copies: float = 0.0) -> Iterator[Paragraph]:
    """Yield ``paragraphs`` Paragraph objects with actors and locations assigned (and
    that share of the articles republished as ``copies``)."""
    for art in Generator(seed, copies=copies).iter_articles(paragraphs):
        total = len(art["paragraphs"])
        for pos, (text, actors, places) in enumerate(art["paragraphs"], 1):
            yield Paragraph(
                id=f"{art['id']}#{pos}",
                article_id=art["id"],
                position=pos,
                count=total,
                text=text,
                title=art["title"],
                date=art["date"],
                source=art["source"],
                url=art["url"],
                path=f"/generated/{art['id']}.json",
                actors=list(actors),
                locations=list(places),
            )


def write_jsonl(
    out: Path,
    paragraphs: int,
    seed: int = 1,
    articles_per_file: int | None = ARTICLES_PER_FILE,
    copies: float = 0.0,
) -> tuple[int, int]:
    """Write the collection (``copies``: that share of the articles republished) as JSON
    Lines files of ``articles_per_file`` articles under ``out`` (None: all in one file,
    ``all.jsonl``); return (articles, files)."""
    out.mkdir(parents=True, exist_ok=True)
    articles = files = 0
    fh = None
    try:
        for art in Generator(seed, copies=copies).iter_articles(paragraphs):
            if fh is None or (articles_per_file and articles % articles_per_file == 0):
                if fh:
                    fh.close()
                name = f"part-{files:05d}.jsonl" if articles_per_file else "all.jsonl"
                fh = open(out / name, "w", encoding="utf-8")  # noqa: SIM115
                files += 1
            record = {k: art[k] for k in ("title", "date", "source", "url")}
            record["text"] = "\n\n".join(text for text, _, _ in art["paragraphs"])
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            articles += 1
    finally:
        if fh:
            fh.close()
    return articles, files


def article_page(art: dict) -> str:
    """Return a generated article as a small news page (headline, date, site, body)."""
    title = html.escape(art["title"])
    body = "\n".join(f"<p>{html.escape(text)}</p>" for text, _, _ in art["paragraphs"])
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        f'<meta property="og:site_name" content="{html.escape(art["source"])}">'
        f'<meta property="article:published_time" content="{art["date"]}">'
        f'<link rel="canonical" href="{art["url"]}"></head>\n'
        f'<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>\n'
        f"<article><h1>{title}</h1>\n{body}\n</article>\n"
        "<footer>All rights reserved.</footer></body></html>\n"
    )


def write_pages(out: Path, paragraphs: int, seed: int = 1) -> tuple[int, int]:
    """Write the collection as one HTML page per article under ``out`` (folders of
    ``ARTICLES_PER_FILE`` pages); return (articles, files)."""
    articles = 0
    for art in Generator(seed).iter_articles(paragraphs):
        folder = out / f"{articles // ARTICLES_PER_FILE:04d}"
        if articles % ARTICLES_PER_FILE == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{art['id']}.html").write_text(article_page(art), "utf-8")
        articles += 1
    return articles, articles


def main(argv: list[str] | None = None) -> None:
    """Command line: write ``--paragraphs`` paragraphs as JSON Lines under ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--copies", type=float, default=0.0, help="Share republished.")
    args = parser.parse_args(argv)
    articles, files = write_jsonl(args.out, args.paragraphs, args.seed, copies=args.copies)
    print(f"wrote {args.paragraphs:,} paragraphs in {articles:,} articles, {files} files")


if __name__ == "__main__":
    main()
