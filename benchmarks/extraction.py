"""Measure HTML article extraction against human-marked article bodies.

Usage (from the repository root)::

    python benchmarks/extraction.py [--pages DIR] [--truth FILE] [--json OUT]

``--pages`` defaults to ``../shared/html/pages`` and ``--truth`` to
``../shared/html/ground-truth.json`` relative to the repository root. Bodies are scored
the way the public article-extraction benchmark scores them: ``\\w+`` tokens, 4-token
shingles counted per page, per-page precision and recall (an empty prediction for an
empty truth is perfect), averaged over pages, then F1 = 2PR/(P+R). Also printed: the
share of pages where a headline, a date and a canonical URL were found, the same
figures on odd- and even-numbered pages (a cheap hold-out check) and the run time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from searchsvc.errors import ParseError  # noqa: E402
from searchsvc.parse.html import parse_html  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "html"
_TOKEN = re.compile(r"\w+")
NGRAM = 4


def shingles(text: str, n: int = NGRAM) -> Counter[tuple[str, ...]]:
    """Return the multiset of ``n``-token shingles of ``text``."""
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def precision_recall(predicted: str, truth: str) -> tuple[float, float]:
    """Return (precision, recall) of the predicted text's shingles against the truth's."""
    pred = shingles(predicted)
    true = shingles(truth)
    if not pred and not true:
        return 1.0, 1.0
    tp = sum((pred & true).values())
    precision = tp / sum(pred.values()) if pred else 0.0
    recall = tp / sum(true.values()) if true else 0.0
    return precision, recall


def f1(precision: float, recall: float) -> float:
    """Return the harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def summarize(rows: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Return averaged precision, recall, F1 and metadata rates over per-page rows."""
    rows = list(rows)
    n = len(rows) or 1
    p = sum(r["precision"] for r in rows) / n
    r_ = sum(r["recall"] for r in rows) / n
    return {
        "pages": len(rows),
        "precision": p,
        "recall": r_,
        "f1": f1(p, r_),
        "headline": sum(bool(r["title"]) for r in rows) / n,
        "date": sum(bool(r["date"]) for r in rows) / n,
        "url": sum(bool(r["url"]) for r in rows) / n,
    }


def evaluate(pages: Path, truth_file: Path) -> tuple[list[dict[str, Any]], float]:
    """Run the extractor on every page with a truth entry; return (rows, seconds)."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for key in sorted(truth):
        path = pages / f"{key}.html"
        if not path.is_file():
            continue
        entry = truth[key]
        t0 = time.perf_counter()
        error = None
        try:
            article = parse_html(path.read_bytes())
            body = "\n\n".join(article.paragraphs)
            title, date, url = article.title, article.date, article.url
        except ParseError as exc:
            body, title, date, url, error = "", "", None, None, str(exc)
        p, r = precision_recall(body, entry.get("articleBody") or "")
        rows.append(
            {
                "page": key,
                "source_url": entry.get("url"),
                "precision": p,
                "recall": r,
                "f1": f1(p, r),
                "title": title,
                "date": date,
                "url": url,
                "error": error,
                "seconds": time.perf_counter() - t0,
            }
        )
    return rows, time.perf_counter() - started


def _line(label: str, s: dict[str, float]) -> str:
    return (
        f"{label:<6} pages={s['pages']:<4} P={s['precision']:.4f} R={s['recall']:.4f} "
        f"F1={s['f1']:.4f}  headline={s['headline']:.1%} date={s['date']:.1%} "
        f"url={s['url']:.1%}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_DIR / "pages")
    parser.add_argument("--truth", type=Path, default=DEFAULT_DIR / "ground-truth.json")
    parser.add_argument("--json", type=Path, default=None, help="write per-page rows here")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    args = parser.parse_args(argv)
    if not args.pages.is_dir() or not args.truth.is_file():
        print(
            f"benchmark data not found: need pages in {args.pages} and truth in "
            f"{args.truth} (use --pages / --truth)",
            file=sys.stderr,
        )
        return 2
    rows, seconds = evaluate(args.pages, args.truth)
    if not rows:
        print(f"no page in {args.pages} matches an entry of {args.truth}", file=sys.stderr)
        return 2
    print(_line("all", summarize(rows)))
    print(_line("odd", summarize(rows[1::2])))
    print(_line("even", summarize(rows[0::2])))
    errors = [r for r in rows if r["error"]]
    slowest = max(rows, key=lambda r: r["seconds"])
    print(
        f"time: {seconds:.2f}s total, {seconds / len(rows) * 1000:.0f} ms/page avg, "
        f"slowest {slowest['seconds'] * 1000:.0f} ms; ParseErrors: {len(errors)}"
    )
    for row in sorted(rows, key=lambda r: r["f1"])[: args.worst]:
        print(
            f"  {row['f1']:.3f} P={row['precision']:.3f} R={row['recall']:.3f} "
            f"{row['page'][:12]} {row['source_url']}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
