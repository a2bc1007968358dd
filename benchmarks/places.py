"""Score place resolution: the right country for each toponym, or no place for non-places.

Usage (from the repository root)::

    python benchmarks/places.py [--split dev|test|all] [--verbose] [--json OUT]
    python benchmarks/places.py --pages ../shared/html/pages [--top 40]

Data (written for this project, CC0): ``benchmarks/data/places_sentences.tsv`` (one
mention per line, with the expected country code or ``-``) and
``benchmarks/data/places_articles.jsonl`` (short articles, the expected country of each
toponym as written). Each item is ``dev`` (looked at while building the rules) or
``test`` (held out: only measured). Reported shares:

- sentences, *resolution*: the mention is made a location even where the model missed
  it, then resolved with the sentence's other places: what the gazetteer and the
  ambiguity rule get right (a non-place must get no country);
- sentences, *end to end*: ``extract_entities`` as it is (a place the model misses, or
  calls an actor, counts as wrong; a non-place it does not call a place counts as right);
- articles: of the labelled toponyms ``annotate_article`` recognises as locations, the
  share with the right country (recognised / labelled is printed beside it).

``--pages DIR`` instead extracts the entities of every HTML page in DIR the way the
indexer does (parse, chunk, annotate) and prints the most frequent location facet values
(paragraphs per place name and country).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from searchsvc.entities import annotate_article, extract_entities, paragraph_fields  # noqa: E402
from searchsvc.entities import extract as ex  # noqa: E402
from searchsvc.models import Entity  # noqa: E402

DATA = REPO / "benchmarks" / "data"
SENTENCES = DATA / "places_sentences.tsv"
ARTICLES = DATA / "places_articles.jsonl"


@dataclass(frozen=True)
class Item:
    """One labelled mention of a sentence."""

    split: str
    expected: str | None
    mention: str
    sentence: str


def read_sentences(path: Path = SENTENCES) -> list[Item]:
    """Return the labelled sentence mentions (comment lines skipped)."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        split, expected, mention, sentence = line.split("\t")
        if mention not in sentence:
            raise SystemExit(f"{path}:{n}: {mention!r} is not in its sentence")
        items.append(Item(split, None if expected == "-" else expected, mention, sentence))
    return items


def read_articles(path: Path = ARTICLES) -> list[dict[str, Any]]:
    """Return the labelled articles (the first line holds the terms)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [a for a in map(json.loads, lines) if "paragraphs" in a]


def country_of(ent: Entity | None) -> str | None:
    """Return the country an entity was placed in (None: not a place, or unknown)."""
    if ent is None or ent.label != "location" or ent.place is None:
        return None
    return ent.place.country_code if ent.place.kind != "unknown" else None


def forced_entities(sentence: str, mention: str) -> list[Entity]:
    """Return the sentence's entities with ``mention`` made a location if it is not one."""
    nlp = ex.get_nlp()
    docs = [(off, ex._light(nlp(piece))) for off, piece in ex.iter_chunks(sentence)]
    mentions = ex.paragraph_mentions(sentence, docs)
    start = sentence.index(mention)
    end = start + len(mention)
    inside_longer = any(
        m.start <= start and end <= m.end and m.end - m.start > end - start for m in mentions
    )
    # a mention inside a longer name the model found ("Michael Jordan") stays that name's
    if not inside_longer and not any(
        m.start == start and m.end == end and m.label == "location" for m in mentions
    ):
        forced = ex._make_mention(sentence, start, end, "LOC")
        if forced is None:  # rejected outright ("Later"): not a place either way
            return ex.resolve_article([mentions], [sentence])[0]
        forced.label, forced.place_key = "location", forced.key
        mentions = [m for m in mentions if m.end <= start or m.start >= end] + [forced]
        mentions.sort(key=lambda m: m.start)
        for m in mentions:
            m.extra.clear()
        mentions = ex._place_qualifiers(sentence, mentions)
    return ex.resolve_article([mentions], [sentence])[0]


def find(ents: list[Entity], sentence: str, mention: str) -> Entity | None:
    """Return the entity written exactly as ``mention`` at its first occurrence."""
    start = sentence.index(mention)
    for e in ents:
        if e.start == start and e.end == start + len(mention):
            return e
    return None


def score_sentences(items: list[Item], verbose: bool) -> dict[str, dict[str, float]]:
    """Return per split: items, resolution share right, end-to-end share right."""
    cache: dict[str, list[Entity]] = {}
    out: dict[str, dict[str, float]] = {}
    right: dict[str, Counter[str]] = defaultdict(Counter)
    for it in items:
        if it.sentence not in cache:
            cache[it.sentence] = extract_entities(it.sentence)
        e2e = country_of(find(cache[it.sentence], it.sentence, it.mention))
        forced = country_of(find(forced_entities(it.sentence, it.mention), it.sentence, it.mention))
        tally = right[it.split]
        tally["items"] += 1
        tally["resolution"] += forced == it.expected
        tally["end_to_end"] += e2e == it.expected
        if verbose and (forced != it.expected or e2e != it.expected):
            print(
                f"  [{it.split}] {it.mention!r}: expected {it.expected}, resolution {forced}, "
                f"end to end {e2e} | {it.sentence}"
            )
    for split, tally in sorted(right.items()):
        n = tally["items"]
        out[split] = {
            "items": n,
            "resolution": round(tally["resolution"] / n, 3),
            "end_to_end": round(tally["end_to_end"] / n, 3),
        }
    return out


def score_articles(articles: list[dict[str, Any]], verbose: bool) -> dict[str, dict[str, float]]:
    """Return per split: labelled toponyms, recognised, share right of the recognised."""
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    for art in articles:
        gold: dict[str, str | None] = art["places"]
        ents = [e for p in annotate_article(art["paragraphs"]) for e in p]
        tally = tallies[art["split"]]
        seen = set()
        for e in ents:
            if e.label != "location" or e.text not in gold:
                continue
            seen.add(e.text)
            tally["recognised"] += 1
            ok = country_of(e) == gold[e.text]
            tally["right"] += ok
            if verbose and not ok:
                print(f"  [{art['id']}] {e.text!r}: expected {gold[e.text]}, got {country_of(e)}")
        tally["labelled"] += len(gold)
        tally["labels_seen"] += len(seen)
        if verbose:
            missed = sorted(set(gold) - seen)
            extra = sorted({e.text for e in ents if e.label == "location"} - set(gold))
            if missed or extra:
                print(f"  [{art['id']}] not recognised: {missed}; unlabelled locations: {extra}")
    out = {}
    for split, t in sorted(tallies.items()):
        out[split] = {
            "labelled": t["labelled"],
            "recognised_mentions": t["recognised"],
            "labels_recognised": t["labels_seen"],
            "right_of_recognised": round(t["right"] / t["recognised"], 3) if t["recognised"] else 0,
        }
    return out


def page_facets(pages: Path, top: int) -> list[tuple[str, int]]:
    """Return the ``top`` location facet values over the HTML pages in ``pages``."""
    from searchsvc.chunk import chunk_article
    from searchsvc.entities import annotate_articles
    from searchsvc.parse import parse_file

    articles = []
    for path in sorted(pages.glob("*.htm*")):
        for article in parse_file(path).articles:
            paragraphs = [p.text for p in chunk_article(article)]
            if paragraphs:
                articles.append(paragraphs)
    counts: Counter[str] = Counter()
    for ents in annotate_articles(articles):
        for paragraph in ents:
            for place in paragraph_fields(paragraph)[1]:
                code = place.country_code if place.kind != "unknown" else "-"
                counts[f"{place.name} ({code or '-'}, {place.kind})"] += 1
    return counts.most_common(top)


def main() -> None:
    """Print the scores (or the page facets) and optionally write them as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all")
    ap.add_argument("--verbose", action="store_true", help="print every wrong item")
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    ap.add_argument("--pages", type=Path, help="print top location facets of these pages")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    if args.pages:
        facets = page_facets(args.pages, args.top)
        for value, n in facets:
            print(f"{n:5d}  {value}")
        if args.json:
            args.json.write_text(json.dumps(facets, indent=1), encoding="utf-8")
        return
    items = [i for i in read_sentences() if args.split in ("all", i.split)]
    articles = [a for a in read_articles() if args.split in ("all", a["split"])]
    figures = {
        "sentences": score_sentences(items, args.verbose),
        "articles": score_articles(articles, args.verbose),
    }
    for split, f in figures["sentences"].items():
        print(
            f"sentences {split:4}: {f['items']} mentions, resolution {f['resolution']:.3f}, "
            f"end to end {f['end_to_end']:.3f}"
        )
    for split, f in figures["articles"].items():
        print(
            f"articles  {split:4}: {f['labels_recognised']}/{f['labelled']} toponyms recognised, "
            f"{f['right_of_recognised']:.3f} of {f['recognised_mentions']} recognised "
            "mentions right"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
