"""Profile searches through the Python API over the benchmark query mix.

Prints, per query kind, the latency percentiles; the slowest queries; and a cProfile
of the whole pass (cumulative and own time), to show where search time goes.

    python benchmarks/profile_search.py --index benchmarks/data/ix-200000 [--kind typo]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import percentiles  # noqa: E402
from queries import DEEP_PAGE, BenchQuery  # noqa: E402
from run import queries_from_index  # noqa: E402

from searchsvc.engines.whoosh.search import WhooshSearchBackend  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Run the profile and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--kind", default=None, help="only this kind of query")
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    queries = queries_from_index(args.index)[: args.queries]
    if args.kind:
        queries = [q for q in queries if q.kind == args.kind]
    backend = WhooshSearchBackend(str(args.index))
    backend.search(BenchQuery("warmup", "zzzwarmup").to_request())
    timings: list[tuple[float, BenchQuery, int, int]] = []
    profiler = cProfile.Profile()
    for page in (1, DEEP_PAGE):
        for query in queries:
            started = time.perf_counter()
            profiler.enable()
            result = backend.search(query.to_request(page))
            profiler.disable()
            timings.append(((time.perf_counter() - started) * 1000, query, page, result.total))
    by_kind: dict[str, list[float]] = {}
    for ms, query, _page, _total in timings:
        by_kind.setdefault(query.kind, []).append(ms)
    print("kind            n   median     p95     max  (ms, under cProfile)")
    for kind, values in sorted(by_kind.items()):
        p = percentiles(values)
        print(f"{kind:14} {p['n']:3} {p['median']:8.1f} {p['p95']:7.1f} {p['max']:7.1f}")
    print("\nslowest:")
    for ms, query, page, total in sorted(timings, key=lambda t: -t[0])[:15]:
        filters = {
            k: v
            for k, v in query.to_dict().items()
            if v and k not in ("kind", "q") and v != "relevance"
        }
        print(
            f"  {ms:8.1f} ms  {query.kind:12} page {page:2}  {total:7,} hits  "
            f"{query.q!r} {filters or ''}"
        )
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        print(f"\n--- profile by {order} ---")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:8000])


if __name__ == "__main__":
    main()
