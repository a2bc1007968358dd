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

- ``ours``: our extractor with its default tuning on every page (in-sample: the
  rules were written looking at these pages), with the share of pages where a headline,
  a date and a canonical URL were found.
- ``trafilatura``: the same scoring of ``trafilatura.extract`` on the same bytes, as a
  reference (a benchmark-only dependency: ``pip install -e '.[bench]'``; the line says so
  when it is missing).
- Leave-site-out cross-validation (``--folds``, default 5): pages are grouped by site so
  that no site is in both a training and a held-out fold. For each fold every knob of
  ``BodyTuning`` (thresholds, and switches for rules) is chosen on the training folds
  alone; a rule stays on only if it gains there (on a tie it is turned off), so a rule
  that only helps the held-out site's pages does not count for them. Per fold and mean
  held-out F1 are printed beside the defaults' and trafilatura's on the same fold. This
  measures the choice of thresholds and rules, not the writing of the rules, which was
  done looking at all of these pages: unseen pages of other sites may score lower.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib
import json
import math
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
from searchsvc.parse.html import DEFAULT_TUNING, BodyTuning, parse_html  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "html"
_TOKEN = re.compile(r"\w+")
NGRAM = 4

# The values cross-validation may give each knob of ``BodyTuning`` besides its default.
# A rule's "off" value comes first: on a tie on the training folds the rule is turned
# off, so a rule stays on in a fold only if pages of other sites gain from it.
OFF = math.inf
GRID: dict[str, tuple[Any, ...]] = {
    "good_chars": (40, 80),
    "short": (0.15, 0.5),
    "penalty": (0.5, 2.0),
    "p_link_limit": (0.6, 0.9),
    "positive_bonus": (1.0, 2.0),
    "weak_keep": (0.6, 0.9),
    "backoff": (0.0, 0.1, 0.4),  # 0: never back off
    "article_share": (OFF, 0.25, 0.6),  # OFF: no dominant-<article> rule
    "card_depth": (0, 2, 4),  # 0: no teaser cards
    "li_link_limit": (OFF, 0.1, 0.3),
    "marked_share": (OFF, 0.3, 0.7),
    "tightest_on_ties": (False,),
    "titled_article": (False,),
    "drop_standfirsts": (False,),
    "scripted_chars": (0,),
    "tail_lines": (0, 2, 8),  # 0: no credit lines dropped
}
# Knobs whose first GRID value turns a rule off (ties go to it rather than the default).
RULE_KNOBS = frozenset(
    {
        "backoff",
        "article_share",
        "card_depth",
        "li_link_limit",
        "marked_share",
        "tightest_on_ties",
        "titled_article",
        "drop_standfirsts",
        "scripted_chars",
        "tail_lines",
    }
)

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
    pages: Sequence[Page], tuning: BodyTuning = DEFAULT_TUNING
) -> list[dict[str, Any]]:
    """Return one scored row per page for our extractor with ``tuning``."""
    rows: list[dict[str, Any]] = []
    for page in pages:
        t0 = time.perf_counter()
        error = None
        try:
            article = parse_html(page.raw, tuning=tuning)
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


def trafilatura_extractor() -> Callable[[bytes], str] | str:
    """Return a function running trafilatura on raw page bytes, or why it cannot run."""
    try:
        trafilatura = importlib.import_module("trafilatura")
    except ImportError as exc:
        return f"{type(exc).__name__}: {exc}"

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


def _label(name: str, value: Any) -> str:
    if value is OFF or value is False:
        return f"{name}=off"
    return f"{name}={value:g}" if isinstance(value, float | int) else f"{name}={value}"


def _variant(name: str, value: Any) -> BodyTuning:
    default = getattr(DEFAULT_TUNING, name)
    if isinstance(default, bool) or value is OFF:
        return dataclasses.replace(DEFAULT_TUNING, **{name: value})
    return dataclasses.replace(DEFAULT_TUNING, **{name: type(default)(value)})


def cross_validate(
    pages: Sequence[Page],
    k: int,
    reference: list[dict[str, Any]] | None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Leave-site-out cross-validation of ``BodyTuning``; return per-fold and mean figures.

    Each knob's variants (``GRID``) are run once on every page. For each fold, every knob
    independently takes the value with the best F1 on the other folds' pages (ties: a
    rule's "off" value, else the default); the combination is then run on the fold's own
    pages, which played no part in choosing it.
    """
    variants = [(name, value) for name, values in GRID.items() for value in values]
    progress(f"cv: defaults (1/{len(variants) + 1})")
    defaults = run_ours(pages)
    results: dict[tuple[str, Any], list[dict[str, Any]]] = {}
    for n, (name, value) in enumerate(variants, 2):
        progress(f"cv: {_label(name, value)} ({n}/{len(variants) + 1})")
        results[name, value] = run_ours(pages, _variant(name, value))
    per_fold = []
    held_out_rows: list[dict[str, Any]] = []
    for f, fold in enumerate(site_folds(pages, k)):
        held = set(fold)
        train = [i for i in range(len(pages)) if i not in held]
        base = pooled_f1(defaults[i] for i in train)
        chosen: dict[str, Any] = {}
        for name, values in GRID.items():
            scored = [(pooled_f1(results[name, v][i] for i in train), v) for v in values]
            best_f1, best_value = max(scored, key=lambda x: x[0])  # first of equals wins
            rule_off_ties = name in RULE_KNOBS and best_value == values[0]
            if best_f1 > base or (best_f1 == base and rule_off_ties):
                chosen[name] = best_value
        tuning = dataclasses.replace(DEFAULT_TUNING, **chosen)
        progress(f"cv: fold {f + 1}: held-out pages with the chosen tuning")
        fold_pages = [pages[i] for i in fold]
        fold_rows = run_ours(fold_pages, tuning) if chosen else [defaults[i] for i in fold]
        held_out_rows.extend(fold_rows)
        per_fold.append(
            {
                "fold": f + 1,
                "pages": len(fold),
                "sites": len({site(p.source_url) for p in fold_pages}),
                "chosen": [_label(n, v) for n, v in chosen.items()],
                "held_out_f1": pooled_f1(fold_rows),
                "defaults_f1": pooled_f1(defaults[i] for i in fold),
                "reference_f1": pooled_f1(reference[i] for i in fold) if reference else None,
            }
        )
    n = len(per_fold)
    return {
        "folds": per_fold,
        "mean_held_out_f1": sum(x["held_out_f1"] for x in per_fold) / n,
        "pooled_held_out_f1": pooled_f1(held_out_rows),
        "mean_reference_f1": sum(x["reference_f1"] for x in per_fold) / n if reference else None,
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
    print(f"leave-site-out cross-validation, {k} folds (tuning chosen on the training folds):")
    for x in cv["folds"]:
        ref = f" trafilatura={x['reference_f1']:.4f}" if x["reference_f1"] is not None else ""
        print(
            f"  fold {x['fold']}: pages={x['pages']:<3} sites={x['sites']:<3} "
            f"held-out={x['held_out_f1']:.4f} (defaults {x['defaults_f1']:.4f}){ref}  "
            f"chosen: {', '.join(x['chosen']) or 'defaults'}"
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
        if isinstance(extract, str):
            print(
                f"{'trafilatura':<12} NOT INSTALLED, no reference score ({extract}); "
                "install it with: pip install -e '.[bench]' (make bench-extraction does)"
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
