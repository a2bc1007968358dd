"""One timed pass of a query mix through ``WhooshSearchBackend.search`` in a fresh
process, with whatever ``searchsvc`` this interpreter imports: run by ``run.py`` under
another checkout's interpreter (``--compare-with``) or with other settings (posting files
off), so that before/after figures come from the same run. Prints the result as JSON.
With ``--dedupe``, the same process then times the mix with copies folded and without
again (both warm), the first fold's build of the pairs of copies timed apart.

    python benchmarks/api_pass.py --index DIR --queries FILE.json [--dedupe]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_pass  # noqa: E402
from queries import DEEP_PAGE, BenchQuery  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Run the pass; print {"first", "deep", "all", "by_kind_p95", "errors",
    "first_search_s"} (and with ``--dedupe`` "dedupe": ``dedupe_phases``) as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--queries", required=True, type=Path, help="JSON list of queries")
    parser.add_argument("--dedupe", action="store_true", help="then time the mix with dedupe")
    args = parser.parse_args(argv)
    from searchsvc.engines.whoosh.search import WhooshSearchBackend

    queries = [BenchQuery(**q) for q in json.loads(args.queries.read_text("utf-8"))]
    backend = WhooshSearchBackend(args.index)
    started = time.perf_counter()
    backend.search(BenchQuery("warmup", "zzzwarmup").to_request())
    first = time.perf_counter() - started
    result = timed_pass(queries, lambda q, p: backend.search(q.to_request(p)), DEEP_PAGE)
    result["first_search_s"] = first
    if args.dedupe:
        result["dedupe"] = dedupe_phases(backend, queries)
    print(json.dumps(result))


def dedupe_phases(backend: Any, queries: list[BenchQuery]) -> dict[str, Any]:
    """Return the timings of the mix with copies folded (``api_dedupe``) and then without
    again (``api_again``), both on the caches the first pass warmed; the first fold of an
    index version builds its pairs of copies, timed apart (``copy_pairs_build_ms``), and
    ``dedupe_folded_mean`` is the paragraphs folded per query (first 40 queries)."""
    out: dict[str, Any] = {}
    started = time.perf_counter()
    backend.search(replace(BenchQuery("warmup", "zzzwarmup").to_request(), dedupe=True))
    out["copy_pairs_build_ms"] = (time.perf_counter() - started) * 1000
    out["api_dedupe"] = timed_pass(
        queries, lambda q, p: backend.search(replace(q.to_request(p), dedupe=True)), DEEP_PAGE
    )
    out["api_again"] = timed_pass(queries, lambda q, p: backend.search(q.to_request(p)), DEEP_PAGE)
    folded = [
        backend.search(replace(q.to_request(1), dedupe=True)).folded for q in queries[:40]
    ]
    out["dedupe_folded_mean"] = sum(folded) / len(folded) if folded else 0
    return out


if __name__ == "__main__":
    main()
