"""One timed pass of a query mix against ``searchsvc serve`` on an existing index, as
``run.py``'s HTTP phase starts it (same server, probe and pass), without the rest of the
run: how soon the first search is answered, the latency of the pass, and the peak memory
of the server's processes (RSS summed, and PSS). For comparing one change to serving in
minutes. Prints the result as JSON.

    python benchmarks/http_pass.py --index benchmarks/data/ix-1000000 \
        --queries benchmarks/data/queries-1000000.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_pass  # noqa: E402
from queries import DEEP_PAGE, BenchQuery  # noqa: E402
from run import FIRST_SEARCH, Server, search_path  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Serve the index, run the pass; print {"first_search_s", "first", "deep", "all",
    "peak_rss", "peak_pss"} as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=None, help="serve --workers")
    args = parser.parse_args(argv)
    queries = [BenchQuery(**q) for q in json.loads(args.queries.read_text())]
    server = Server(args.index, workers=args.workers, probe=FIRST_SEARCH)
    try:

        def call(query: BenchQuery, page: int) -> None:
            status, body = server.get(search_path(query, page))
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body[:200]!r}")

        result = timed_pass(queries, call, DEEP_PAGE)
    finally:
        memory = server.stop()
    out = {"first_search_s": server.first_search_s, "peak_rss": memory["rss"]}
    out.update(peak_pss=memory["pss"], **{k: result[k] for k in ("first", "deep", "all")})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
