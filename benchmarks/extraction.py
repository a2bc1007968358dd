"""Measure HTML article extraction against human-marked article bodies.

Usage (from the repository root)::

    python benchmarks/extraction.py [--pages DIR] [--truth FILE] [--json OUT] [--worst N]
                                    [--folds K] [--no-cv] [--no-reference]

``--pages`` defaults to ``../shared/html/pages`` and ``--truth`` to
``../shared/html/ground-truth.json`` relative to the repository root. Bodies are scored
the way the public article-extraction benchmark scores them: ``\\w+`` tokens, 4-token
shingles counted per page, per-page precision and recall (an empty prediction for an
empty truth is perfect), averaged over pages, then F1 = 2PR/(P+R).

Printed:

- ``ours``: our extractor with its default thresholds on every page (in-sample: the
  rules were written looking at these pages), with the share of pages where a headline,
  a date and a canonical URL were found.
- ``trafilatura``: the same scoring of ``trafilatura.extract`` on the same bytes, as a
  reference (a benchmark-only dependency: ``pip install -e '.[bench]'``; the line says so
  when it is missing).
- Leave-site-out cross-validation (``--folds``, default 5): pages are grouped by site so
  that no site is in both a training and a held-out fold; for each fold the thresholds
  (``BodyThresholds``) are chosen among a grid of variants by F1 on the training folds
  and scored on the held-out fold. Per fold and mean held-out F1 are printed beside the
  defaults' and trafilatura's on the same fold.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from searchsvc.errors import ParseError  # noqa: E402
from searchsvc.parse.html import DEFAULT_THRESHOLDS, BodyThresholds, parse_html  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "html"
_TOKEN = re.compile(r"\w+")
NGRAM = 4

# One knob changed at a time: the candidates cross-validation chooses among.
GRID: dict[str, tuple[float, ...]] = {
    "good_chars": (40, 80),
    "short": (0.15, 0.5),
    "penalty": (0.5, 2.0),
    "p_link_limit": (0.6, 0.9),
    "positive_bonus": (1.0, 2.0),
    "weak_keep": (0.6, 0.9),
    "backoff": (0.1, 0.4),
    "article_share": (0.25, 0.6),
    "card_depth": (2, 4),
}


@dataclasses.dataclass(frozen=True)
class Page:
    """One benchmark page: its key, source URL, raw bytes and true body."""

    key: str
    source_url: str
    raw: bytes
    truth: str


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


def pooled_f1(rows: Iterable[dict[str, Any]]) -> float:
    """Return the benchmark's F1 over rows: F1 of the page-averaged precision and recall."""
    rows = list(rows)
    if not rows:
        return 0.0
    return f1(
        sum(r["precision"] for r in rows) / len(rows), sum(r["recall"] for r in rows) / len(rows)
    )


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


def load_pages(pages: Path, truth_file: Path) -> list[Page]:
    """Return the pages that have both a file in ``pages`` and an entry in the truth."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    out: list[Page] = []
    for key in sorted(truth):
        path = pages / f"{key}.html"
        if path.is_file():
            entry = truth[key]
            out.append(
                Page(key, entry.get("url") or "", path.read_bytes(), entry.get("articleBody") or "")
            )
    return out


def _score(page: Page, body: str, seconds: float, **extra: Any) -> dict[str, Any]:
    p, r = precision_recall(body, page.truth)
    return {
        "page": page.key,
        "source_url": page.source_url,
        "precision": p,
        "recall": r,
        "f1": f1(p, r),
        "seconds": seconds,
        **extra,
    }


def run_ours(
    pages: Sequence[Page], thresholds: BodyThresholds = DEFAULT_THRESHOLDS
) -> list[dict[str, Any]]:
    """Return one scored row per page for our extractor with ``thresholds``."""
    rows: list[dict[str, Any]] = []
    for page in pages:
        t0 = time.perf_counter()
        error = None
        try:
            article = parse_html(page.raw, thresholds=thresholds)
            body = "\n\n".join(article.paragraphs)
            title, date, url = article.title, article.date, article.url
        except ParseError as exc:
            body, title, date, url, error = "", "", None, None, str(exc)
        rows.append(
            _score(
                page, body, time.perf_counter() - t0, title=title, date=date, url=url, error=error
            )
        )
    return rows


def evaluate(pages: Path, truth_file: Path) -> tuple[list[dict[str, Any]], float]:
    """Run our extractor on every page with a truth entry; return (rows, seconds)."""
    started = time.perf_counter()
    rows = run_ours(load_pages(pages, truth_file))
    return rows, time.perf_counter() - started


def trafilatura_extractor() -> Callable[[bytes], str] | None:
    """Return a function running trafilatura on raw page bytes, or None if not installed."""
    try:
        trafilatura = importlib.import_module("trafilatura")
    except ImportError:
        return None

    def extract(raw: bytes) -> str:
        return trafilatura.extract(raw, include_comments=False) or ""

    return extract


def run_reference(pages: Sequence[Page], extract: Callable[[bytes], str]) -> list[dict[str, Any]]:
    """Return one scored row per page for a reference extractor."""
    rows = []
    for page in pages:
        t0 = time.perf_counter()
        body = extract(page.raw)
        rows.append(_score(page, body, time.perf_counter() - t0))
    return rows


def site(url: str) -> str:
    """Return the site a page belongs to: its host without ``www.`` (the URL if none)."""
    host = (urlsplit(url).hostname or url).lower()
    return host[4:] if host.startswith("www.") else host


def site_folds(pages: Sequence[Page], k: int) -> list[list[int]]:
    """Split page indices into ``k`` folds, all pages of a site in one fold.

    Sites are ordered by a hash of their name (stable, unrelated to content) and each is
    put in the fold with the fewest pages so far, so folds come out about equal in size.
    """
    by_site: dict[str, list[int]] = {}
    for i, page in enumerate(pages):
        by_site.setdefault(site(page.source_url), []).append(i)
    order = sorted(by_site, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    order.sort(key=lambda s: -len(by_site[s]))  # big sites first, ties in hash order
    folds: list[list[int]] = [[] for _ in range(k)]
    for name in order:
        smallest = min(range(k), key=lambda f: (len(folds[f]), f))
        folds[smallest].extend(by_site[name])
    return [sorted(f) for f in folds]


def candidates() -> list[tuple[str, BodyThresholds]]:
    """Return the threshold variants cross-validation chooses among, defaults first."""
    out = [("defaults", DEFAULT_THRESHOLDS)]
    for name, values in GRID.items():
        kind = type(getattr(DEFAULT_THRESHOLDS, name))
        for value in values:
            variant = dataclasses.replace(DEFAULT_THRESHOLDS, **{name: kind(value)})
            out.append((f"{name}={value:g}", variant))
    return out


def cross_validate(
    pages: Sequence[Page],
    k: int,
    reference: list[dict[str, Any]] | None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Leave-site-out cross-validation of the thresholds; return per-fold and mean figures.

    Every candidate is run once on every page; for each fold the candidate with the best
    F1 on the other folds' pages is chosen (the defaults win ties) and scored on the fold.
    """
    options = candidates()
    results: list[list[dict[str, Any]]] = []
    for n, (label, thresholds) in enumerate(options, 1):
        progress(f"cv: candidate {n}/{len(options)} {label}")
        results.append(run_ours(pages, thresholds))
    folds = site_folds(pages, k)
    per_fold = []
    held_out_rows: list[dict[str, Any]] = []
    for f, fold in enumerate(folds):
        held = set(fold)
        train = [i for i in range(len(pages)) if i not in held]
        train_f1 = [pooled_f1(rows[i] for i in train) for rows in results]
        chosen = max(range(len(options)), key=lambda c: (train_f1[c], -c))
        fold_rows = [results[chosen][i] for i in fold]
        held_out_rows.extend(fold_rows)
        per_fold.append(
            {
                "fold": f + 1,
                "pages": len(fold),
                "sites": len({site(pages[i].source_url) for i in fold}),
                "chosen": options[chosen][0],
                "train_f1": train_f1[chosen],
                "held_out_f1": pooled_f1(fold_rows),
                "defaults_f1": pooled_f1(results[0][i] for i in fold),
                "reference_f1": pooled_f1(reference[i] for i in fold) if reference else None,
            }
        )
    return {
        "folds": per_fold,
        "mean_held_out_f1": sum(x["held_out_f1"] for x in per_fold) / len(per_fold),
        "pooled_held_out_f1": pooled_f1(held_out_rows),
        "mean_reference_f1": (
            sum(x["reference_f1"] for x in per_fold) / len(per_fold) if reference else None
        ),
    }


def _line(label: str, s: dict[str, float]) -> str:
    return (
        f"{label:<12} pages={s['pages']:<4} P={s['precision']:.4f} R={s['recall']:.4f} "
        f"F1={s['f1']:.4f}  headline={s['headline']:.1%} date={s['date']:.1%} "
        f"url={s['url']:.1%}"
    )


def _reference_line(rows: list[dict[str, Any]]) -> str:
    n = len(rows)
    p = sum(r["precision"] for r in rows) / n
    r_ = sum(r["recall"] for r in rows) / n
    seconds = sum(r["seconds"] for r in rows)
    return (
        f"{'trafilatura':<12} pages={n:<4} P={p:.4f} R={r_:.4f} F1={f1(p, r_):.4f}  "
        f"({seconds / n * 1000:.0f} ms/page, reference: same pages, same scoring)"
    )


def _print_cv(cv: dict[str, Any], k: int) -> None:
    print(f"leave-site-out cross-validation, {k} folds (thresholds chosen on training folds):")
    for x in cv["folds"]:
        ref = f" trafilatura={x['reference_f1']:.4f}" if x["reference_f1"] is not None else ""
        print(
            f"  fold {x['fold']}: pages={x['pages']:<3} sites={x['sites']:<3} "
            f"chosen={x['chosen']:<20} train={x['train_f1']:.4f} "
            f"held-out={x['held_out_f1']:.4f} defaults={x['defaults_f1']:.4f}{ref}"
        )
    ref = cv["mean_reference_f1"]
    print(
        f"  held-out F1: mean of folds {cv['mean_held_out_f1']:.4f}, "
        f"pooled {cv['pooled_held_out_f1']:.4f}"
        + (f"; trafilatura mean of folds {ref:.4f}" if ref is not None else "")
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_DIR / "pages")
    parser.add_argument("--truth", type=Path, default=DEFAULT_DIR / "ground-truth.json")
    parser.add_argument("--json", type=Path, default=None, help="write per-page rows here")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--no-reference", action="store_true", help="skip trafilatura")
    args = parser.parse_args(argv)
    if not args.pages.is_dir() or not args.truth.is_file():
        print(
            f"benchmark data not found: need pages in {args.pages} and truth in "
            f"{args.truth} (use --pages / --truth)",
            file=sys.stderr,
        )
        return 2
    pages = load_pages(args.pages, args.truth)
    if not pages:
        print(f"no page in {args.pages} matches an entry of {args.truth}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    rows = run_ours(pages)
    seconds = time.perf_counter() - started
    print(_line("ours", summarize(rows)))
    errors = [r for r in rows if r["error"]]
    slowest = max(rows, key=lambda r: r["seconds"])
    print(
        f"{'':<12} time: {seconds:.2f}s total, {seconds / len(rows) * 1000:.0f} ms/page avg, "
        f"slowest {slowest['seconds'] * 1000:.0f} ms; ParseErrors: {len(errors)}"
    )
    reference = None
    if not args.no_reference:
        extract = trafilatura_extractor()
        if extract is None:
            print(
                f"{'trafilatura':<12} not installed: no reference score "
                "(pip install -e '.[bench]', or make bench-extraction)"
            )
        else:
            reference = run_reference(pages, extract)
            print(_reference_line(reference))
            for row, ref in zip(rows, reference, strict=True):
                row["trafilatura_f1"] = ref["f1"]
    if not args.no_cv:
        if not 2 <= args.folds <= len({site(p.source_url) for p in pages}):
            print("--folds must be between 2 and the number of sites", file=sys.stderr)
            return 2
        cv = cross_validate(
            pages, args.folds, reference, lambda m: print(m, file=sys.stderr, flush=True)
        )
        _print_cv(cv, args.folds)
    for row in sorted(rows, key=lambda r: r["f1"])[: args.worst]:
        ref = f" traf={row['trafilatura_f1']:.3f}" if "trafilatura_f1" in row else ""
        print(
            f"  {row['f1']:.3f} P={row['precision']:.3f} R={row['recall']:.3f}{ref} "
            f"{row['page'][:12]} {row['source_url']}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
