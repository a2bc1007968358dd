"""How well copies are found: pair precision and recall at paragraph and article level
on syndicated copies made from real articles of the shared BBC corpus.

The test set (built here, deterministic for a seed):

- **Originals**: BBC articles, parsed and chunked as ``searchsvc reindex`` does. The
  corpus holds some articles twice (the same story filed in two folders, or twice in
  one); an original whose body is a near copy of an earlier one (exact shingle Jaccard
  >= 0.5, computed directly, not with signatures) is left out of the originals, so no
  unlabelled copy hides among them. Each original goes to ``dev`` or ``test`` by a hash
  of its path (half each): thresholds are chosen on dev only.
- **Copies** (1 to 3 per original, each from a new outlet, a later date): a new
  headline; a dateline or byline on the first paragraph; British spellings turned
  American (a list of common pairs, not the rules of ``searchsvc.copies``); punctuation,
  quotes and whitespace changed; a word or two changed (``said`` -> ``told reporters``,
  a dropped ``also``); sometimes a paragraph dropped, a new paragraph added, or the first
  or last paragraph rewritten (sentences of another article of the same topic).
- **Hard negatives**: for some originals, a different story on the same event (the
  other BBC article of its topic most like it by word overlap: the corpus has many) is
  already among the originals; and a **follow-up** quoting it: paragraphs of that other
  article plus one paragraph that quotes a single sentence of the original.

Truth: two paragraphs are copies when one is an edited copy of the other or both are
copies of one original paragraph; two articles when one is a copy of the other or both
copy one original. Everything else is a negative. Predicted paragraph pairs are the
pairs within one cluster when every paragraph is folded at once (the fold a search
with ``dedupe`` makes over its matches); predicted article pairs are the verified
candidates ``article_copies`` lists.

    python benchmarks/copies.py                  # dev split
    python benchmarks/copies.py --split test     # the held-out split, once settings are fixed
    python benchmarks/copies.py --engine         # also check the Whoosh engine's fold
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.generate import BBC  # noqa: E402
from searchsvc import copies, limits  # noqa: E402
from searchsvc.chunk import chunk_article  # noqa: E402
from searchsvc.models import Article, Copy, Paragraph  # noqa: E402
from searchsvc.parse import parse_file  # noqa: E402

# Common British -> American spellings (general knowledge, more than the normaliser's
# rules cover: what those rules miss counts against recall).
SPELLING_PAIRS = {
    "colour": "color", "colours": "colors", "favour": "favor", "favourite": "favorite",
    "labour": "labor", "honour": "honor", "neighbour": "neighbor", "behaviour": "behavior",
    "harbour": "harbor", "humour": "humor", "rumour": "rumor", "rumours": "rumors",
    "organise": "organize", "organised": "organized", "organisation": "organization",
    "organisations": "organizations", "recognise": "recognize", "recognised": "recognized",
    "realise": "realize", "realised": "realized", "criticise": "criticize",
    "criticised": "criticized", "apologise": "apologize", "privatisation": "privatization",
    "analyse": "analyze", "analysed": "analyzed", "centre": "center", "centres": "centers",
    "theatre": "theater", "metre": "meter", "metres": "meters", "litre": "liter",
    "defence": "defense", "offence": "offense", "licence": "license", "pretence": "pretense",
    "travelled": "traveled", "travelling": "traveling", "cancelled": "canceled",
    "modelling": "modeling", "labelled": "labeled", "fuelled": "fueled",
    "counsellor": "counselor", "programme": "program", "programmes": "programs",
    "catalogue": "catalog", "dialogue": "dialog", "grey": "gray", "tyre": "tire",
    "tyres": "tires", "cheque": "check", "aluminium": "aluminum", "jewellery": "jewelry",
    "sceptical": "skeptical", "whilst": "while", "amongst": "among", "towards": "toward",
    "learnt": "learned", "judgement": "judgment", "ageing": "aging", "mould": "mold",
    "aeroplane": "airplane", "plough": "plow", "manoeuvre": "maneuver", "draught": "draft",
    "paediatric": "pediatric", "anaemia": "anemia", "oestrogen": "estrogen",
    "encyclopaedia": "encyclopedia", "enrol": "enroll", "fulfil": "fulfill",
    "per cent": "percent", "storey": "story", "pyjamas": "pajamas", "kerb": "curb",
}
WORD_EDITS = [
    (r"\bsaid\b", "told reporters"),
    (r"\balso\b", ""),
    (r"\bhowever\b", "but"),
    (r"\bbut\b", "however"),
    (r"\bthe firm\b", "the company"),
    (r"\bthe company\b", "the firm"),
    (r"\bmillion\b", "mln"),
    (r"\bon Monday\b", "Monday"),
    (r"\bMr\b", "Mr."),
]
DATELINES = [
    "LONDON (Reuters) - ", "NEW YORK, {day} (AP) - ", "PARIS (AFP) - ", "WASHINGTON - "
]
BYLINES = [
    "By Jane Marsh, Staff Writer. ", "By Our Business Correspondent. ", "From wire reports. "
]
OUTLETS = [f"Outlet{i:02d}" for i in range(40)]


@dataclass
class Built:
    """The test set: paragraphs (with signatures), and the truth."""

    paragraphs: list[Paragraph] = field(default_factory=list)
    # paragraph id -> its original paragraph's text (folded): copies share it, and so
    # do paragraphs the corpus itself repeats word for word (an author's biography)
    origin: dict[str, str] = field(default_factory=dict)
    family: dict[str, int] = field(default_factory=dict)  # article id -> family
    followups: set[str] = field(default_factory=set)
    originals: int = 0
    left_out: int = 0
    copies: int = 0


def split_of(path: str) -> str:
    """Return ``dev`` or ``test`` for a corpus file (half each, by a hash of its name)."""
    digest = hashlib.blake2b(Path(path).name.encode() + Path(path).parent.name.encode())
    return "dev" if digest.digest()[0] % 2 == 0 else "test"


def _text_key(text: str) -> str:
    return " ".join(text.lower().split())


def _shingles(text: str, k: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"])", text) if s.strip()]


def load_originals(
    split: str, limit: int, seed: int
) -> tuple[list[Article], list[Paragraph], int, list[list[Paragraph]]]:
    """Return up to ``limit`` originals of ``split`` drawn at random (articles and their
    paragraphs), how many drawn were left out as copies of an earlier one, and the
    split's other articles (never indexed: the source of new text in copies and
    follow-ups, so that no new text is a copy of an indexed paragraph)."""
    found: list[tuple[Article, list[Paragraph]]] = []
    for path in sorted(BBC.rglob("*.txt")):
        if split_of(str(path)) != split:
            continue
        for article in parse_file(str(path)).articles:
            chunked = chunk_article(article)
            if len(chunked) >= 2:
                found.append((article, chunked))
    random.Random(seed).shuffle(found)
    articles: list[Article] = []
    paragraphs: list[Paragraph] = []
    spare: list[list[Paragraph]] = []
    seen: list[set] = []
    holders: dict[tuple, list[int]] = defaultdict(list)  # shingle -> articles kept
    left_out = 0
    for article, chunked in found:
        body = _shingles(" ".join(p.text for p in chunked))
        shared: dict[int, int] = defaultdict(int)
        for shingle in body:
            for other in holders.get(shingle, ()):
                shared[other] += 1
        if any(_jaccard(body, seen[o]) >= 0.5 for o, n in shared.items() if n >= 5):
            left_out += 1  # a copy within the corpus: neither original nor new text
            continue
        for shingle in body:
            holders[shingle].append(len(seen))
        seen.append(body)
        if len(articles) < limit:
            articles.append(article)
            paragraphs.extend(chunked)
        else:
            spare.append(chunked)
    return articles, paragraphs, left_out, spare


def _americanise(text: str, rng: random.Random) -> str:
    for british, american in SPELLING_PAIRS.items():
        if rng.random() < 0.9:
            text = re.sub(rf"\b{british}\b", american, text)
            text = re.sub(rf"\b{british.capitalize()}\b", american.capitalize(), text)
    return text


def _punctuate(text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        text = text.replace('"', "\u201c", 1).replace('"', "\u201d", 1)
    if rng.random() < 0.4:
        text = text.replace(", ", " - ", 1)
    if rng.random() < 0.3:
        text = text.replace(". ", ".  ")
    if rng.random() < 0.3:
        text = re.sub(r"(\d+)%", r"\1 per cent", text)
    return text


def _reword(text: str, rng: random.Random) -> str:
    edits = rng.sample(WORD_EDITS, k=2)
    for pattern, replacement in edits:
        if rng.random() < 0.6:
            text = re.sub(pattern, replacement, text, count=1)
    return " ".join(text.split())


def make_copy(
    original: list[Paragraph], donor: list[Paragraph], rng: random.Random
) -> tuple[list[str], list[int], str]:
    """Return the paragraphs of a syndicated copy, the origin (index in ``original``,
    -1 for new text) of each, and a new headline."""
    texts = [p.text for p in original]
    origins = list(range(len(texts)))
    style = rng.random()
    if style < 0.25 and len(texts) > 2:  # a paragraph dropped
        drop = rng.randrange(1, len(texts))
        del texts[drop], origins[drop]
    elif style < 0.4 and donor:  # a new paragraph added
        at = rng.randrange(1, len(texts) + 1)
        texts.insert(at, donor.pop().text)
        origins.insert(at, -1)
    elif style < 0.55 and len(texts) > 2 and donor:  # the first or last paragraph rewritten
        at = 0 if rng.random() < 0.5 else len(texts) - 1
        texts[at] = " ".join(_sentences(donor.pop().text)[:2])
        origins[at] = -1
    out = []
    for text, origin in zip(texts, origins, strict=True):
        if origin >= 0:
            text = _americanise(text, rng)
            text = _punctuate(text, rng)
            if rng.random() < 0.5:
                text = _reword(text, rng)
        out.append(text)
    if origins[0] >= 0:
        mark = rng.random()
        if mark < 0.4:
            out[0] = rng.choice(DATELINES).format(day="Jan 5") + out[0]
        elif mark < 0.7:
            out[0] = rng.choice(BYLINES) + out[0]
    title = original[0].title
    headline = rng.choice(
        [f"{title}, report says", f"UPDATE 1-{title}", f"{title} ({rng.choice(OUTLETS)})",
         " ".join(reversed(title.split(" - ")))]
    )
    return out, origins, headline


def _paragraphs(article_id: str, title: str, date: str, source: str, texts: list[str]):
    return [
        Paragraph(
            id=f"{article_id}#{n}",
            article_id=article_id,
            position=n,
            count=len(texts),
            text=text,
            title=title,
            date=date,
            source=source,
            path=f"/bench/{article_id}",
        )
        for n, text in enumerate(texts, 1)
    ]


def build(split: str, limit: int, seed: int) -> Built:
    """Return the test set of ``split`` (see the module docstring)."""
    articles, paragraphs, left_out, spare = load_originals(split, limit, seed)
    rng = random.Random(seed)
    built = Built(originals=len(articles), left_out=left_out)
    by_article: dict[str, list[Paragraph]] = defaultdict(list)
    for p in paragraphs:
        by_article[p.article_id].append(p)
    ids = list(by_article)
    topic = {a.id: Path(a.path or "").parent.name for a in articles}
    words = {a: _shingles(" ".join(p.text for p in ps), 1) for a, ps in by_article.items()}
    spare_topic = [Path(ps[0].path or "").parent.name for ps in spare]
    spare_words = [_shingles(" ".join(p.text for p in ps), 1) for ps in spare]
    used: set[int] = set()
    for family, article_id in enumerate(ids):
        original = by_article[article_id]
        first_day = date(2005, 1, 1) + timedelta(days=family % 330)
        day = first_day.isoformat()
        source = rng.choice(OUTLETS)
        fixed = _paragraphs(article_id, original[0].title, day, source, [p.text for p in original])
        built.paragraphs.extend(fixed)
        built.family[article_id] = family
        keys = [_text_key(p.text) for p in fixed]
        for p, key in zip(fixed, keys, strict=True):
            built.origin[p.id] = key
        # New text comes from the unused, unindexed article of the same topic most like
        # this one; each of its paragraphs is used once (so new texts are no copies).
        same_topic = [
            i for i, t in enumerate(spare_topic) if t == topic[article_id] and i not in used
        ] or [i for i in range(len(spare)) if i not in used]
        if not same_topic:
            raise SystemExit("not enough unindexed articles for new text: fewer --originals")
        donor_at = max(
            rng.sample(same_topic, min(40, len(same_topic))),
            key=lambda i: _jaccard(spare_words[i], words[article_id]),
        )
        used.add(donor_at)
        donor = list(spare[donor_at])
        donor_title = donor[0].title
        rng.shuffle(donor)
        for c in range(rng.choice([1, 1, 2, 3])):
            texts, origins, headline = make_copy(original, donor, rng)
            copy_id = f"{article_id}c{c}"
            copy_day = (first_day + timedelta(days=1 + c)).isoformat()
            made = _paragraphs(copy_id, headline, copy_day, rng.choice(OUTLETS), texts)
            built.paragraphs.extend(made)
            built.family[copy_id] = family
            built.copies += 1
            for p, origin in zip(made, origins, strict=True):
                # New text is labelled by itself: it copies whatever says the same.
                built.origin[p.id] = keys[origin] if origin >= 0 else _text_key(p.text)
        if rng.random() < 0.3:  # a follow-up quoting one sentence of the original
            long_ones = [p for p in original if len(_sentences(p.text)) >= 2]
            if long_ones and donor:
                quoted = rng.choice(_sentences(rng.choice(long_ones).text))
                texts = [donor.pop().text for _ in range(min(3, len(donor)))]
                texts.insert(1, f'Last week the paper reported that "{quoted}" Since then '
                             "the picture has changed, officials said on Friday.")
                follow_id = f"{article_id}f"
                made = _paragraphs(follow_id, f"Follow-up: {donor_title}", day, source, texts)
                built.paragraphs.extend(made)
                built.followups.add(follow_id)
    copies.sign_paragraphs(built.paragraphs)
    return built


def _pairs(groups: dict) -> set[tuple[str, str]]:
    out = set()
    for members in groups.values():
        out.update(tuple(sorted(p)) for p in combinations(sorted(members), 2))
    return out


def _score(predicted: set, truth: set) -> dict[str, float]:
    tp = len(predicted & truth)
    return {
        "precision": round(tp / len(predicted), 4) if predicted else 1.0,
        "recall": round(tp / len(truth), 4) if truth else 1.0,
        "predicted_pairs": len(predicted),
        "true_pairs": len(truth),
    }


def evaluate(built: Built, threshold: float, article_threshold: float) -> dict:
    """Return the paragraph and article scores of the test set at these thresholds."""
    ps = built.paragraphs
    article_of = {p.id: p.article_id for p in ps}
    signatures = np.stack([copies.from_bytes(p.copy_signature) for p in ps])
    keys = [copies.order_key(p.date, p.article_id, p.position) for p in ps]
    started = time.perf_counter()
    result = copies.fold_signatures(
        copies.canonical_order(keys), signatures, np.zeros(len(ps), dtype=np.int64), threshold
    )
    fold_ms = (time.perf_counter() - started) * 1000
    clusters: dict[int, list[str]] = defaultdict(list)
    for i, head in enumerate(result.canonical.tolist()):
        clusters[head].append(ps[i].id)
    predicted = {
        pair for pair in _pairs(clusters) if article_of[pair[0]] != article_of[pair[1]]
    }
    truth_groups: dict[str, list[str]] = defaultdict(list)
    for pid, origin in built.origin.items():
        truth_groups[origin].append(pid)
    truth = _pairs(truth_groups)
    paragraph = _score(predicted, truth)
    wrong = sorted(predicted - truth)
    missed = sorted(truth - predicted)
    # Articles: the verified candidates of each article (as article_copies lists them).
    firsts = [p for p in ps if p.position == 1]
    art_sigs = np.stack([copies.from_bytes(p.article_signature) for p in firsts])
    left, right = copies.similar_pairs(art_sigs, article_threshold, article=True)
    direct_ids: dict[str, set[str]] = defaultdict(set)
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        a, b = firsts[i].article_id, firsts[j].article_id
        direct_ids[a].add(b)
        direct_ids[b].add(a)
    direct = {tuple(sorted((a, b))) for a, others in direct_ids.items() for b in others}
    # What article_copies lists: the direct copies and those of the canonical copy.
    date_of = {p.article_id: p.date for p in firsts}

    def as_copy(article_id: str) -> Copy:
        return Copy(article_id, article_id, "", None, date_of[article_id], None, 1.0)

    predicted_articles = set()
    for p in firsts:
        listed = copies.gather(
            "article",
            as_copy(p.article_id),
            [as_copy(a) for a in direct_ids[p.article_id]],
            lambda aid: [as_copy(a) for a in direct_ids[aid]],
        )
        predicted_articles.update(
            tuple(sorted((p.article_id, c.id))) for c in listed.copies
        )
    families: dict[int, list[str]] = defaultdict(list)
    for article_id, family in built.family.items():
        families[family].append(article_id)
    article = _score(predicted_articles, _pairs(families))
    article_direct = _score(direct, _pairs(families))
    first_of = {p.article_id: i for i, p in enumerate(firsts)}
    missed_articles = []
    for a, b in sorted(_pairs(families) - predicted_articles)[:8]:
        sim = copies.similarity(art_sigs[first_of[a]], art_sigs[first_of[b]])
        missed_articles.append([a, b, round(float(sim[0]), 3)])
    followup_merged = sum(
        1 for a, b in predicted_articles if a in built.followups or b in built.followups
    )
    return {
        "paragraph": paragraph,
        "article": article,
        "article_direct": article_direct,
        "followups": len(built.followups),
        "followup_articles_merged": followup_merged,
        "fold_ms": round(fold_ms, 1),
        "examples_missed_articles": missed_articles,
        "examples_wrong": [_show(ps, pair) for pair in wrong[:5]],
        "examples_missed": [_show(ps, pair) for pair in missed[:5]],
    }


def _show(ps: list[Paragraph], pair: tuple[str, str]) -> dict:
    by_id = {p.id: p for p in ps}
    a, b = by_id[pair[0]], by_id[pair[1]]
    sim = copies.similarity(
        copies.from_bytes(a.copy_signature), copies.from_bytes(b.copy_signature)
    )
    return {"pair": list(pair), "similarity": round(float(sim[0]), 3),
            "a": a.text[:160], "b": b.text[:160]}


def engine_check(built: Built, threshold: float) -> dict:
    """Index the test set in a Whoosh folder and compare its dedupe totals with the
    fold computed here (they must be equal)."""
    from searchsvc.engine import open_engine
    from searchsvc.indexer import write_paragraphs
    from searchsvc.models import SearchRequest

    with tempfile.TemporaryDirectory() as tmp:
        write_paragraphs(Path(tmp) / "ix", built.paragraphs)
        reader = open_engine(str(Path(tmp) / "ix")).reader()
        request = SearchRequest(date_from="2005", date_to="2005", dedupe=True)
        page = reader.search(request)
        plain = reader.search(SearchRequest(date_from="2005", date_to="2005"))
        reader.close()
    ps = built.paragraphs
    keys = [copies.order_key(p.date, p.article_id, p.position) for p in ps]
    signatures = np.stack([copies.from_bytes(p.copy_signature) for p in ps])
    sources = {s: i for i, s in enumerate(sorted({p.source for p in ps}))}
    result = copies.fold_signatures(
        copies.canonical_order(keys),
        signatures,
        np.array([sources[p.source] for p in ps]),
        threshold,
    )
    return {
        "engine_stories": page.total,
        "fold_stories": int(result.kept.sum()),
        "paragraphs": plain.total,
        "equal": page.total == int(result.kept.sum()),
    }


def main(argv: list[str] | None = None) -> None:
    """Build the test set, score it and print (and write) the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--originals", type=int, default=400)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--threshold", type=float, default=limits.COPY_THRESHOLD)
    parser.add_argument(
        "--article-threshold", type=float, default=limits.ARTICLE_COPY_THRESHOLD
    )
    parser.add_argument("--sweep", action="store_true", help="Scores at several thresholds.")
    parser.add_argument("--engine", action="store_true", help="Check the Whoosh engine's fold.")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    if not BBC.is_dir():
        raise SystemExit(f"corpus not found at {BBC} (set SEARCHSVC_SHARED)")
    started = time.perf_counter()
    built = build(args.split, args.originals, args.seed)
    report: dict = {
        "split": args.split,
        "settings": copies.DEFAULT.fingerprint(),
        "originals": built.originals,
        "originals_left_out_as_corpus_copies": built.left_out,
        "copies": built.copies,
        "follow_ups": len(built.followups),
        "paragraphs": len(built.paragraphs),
        "build_s": round(time.perf_counter() - started, 1),
        "threshold": args.threshold,
        "article_threshold": args.article_threshold,
        **evaluate(built, args.threshold, args.article_threshold),
    }
    if args.sweep:
        report["sweep"] = {
            f"{t:.2f}/{a:.2f}": {
                k: v for k, v in evaluate(built, t, a).items() if k in ("paragraph", "article")
            }
            for t, a in [(0.4, 0.3), (0.5, 0.35), (0.55, 0.4), (0.6, 0.45), (0.65, 0.5),
                         (0.7, 0.55), (0.8, 0.6)]
        }
    if args.engine:
        report["engine"] = engine_check(built, args.threshold)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"copies-{args.split}.json").write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
