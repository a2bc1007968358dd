"""One timed pass of a query mix through ``WhooshSearchBackend.search`` in a fresh
process, with whatever ``searchsvc`` this interpreter imports: run by ``run.py`` under
another checkout's interpreter (``--compare-with``) or with other settings (posting files
off), so that before/after figures come from the same run. Prints the result as JSON.

    python benchmarks/api_pass.py --index DIR --queries FILE.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_pass  # noqa: E402
from queries import DEEP_PAGE, BenchQuery  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Run the pass; print {"first", "deep", "all", "by_kind_p95", "errors",
    "first_search_s"} as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--queries", required=True, type=Path, help="JSON list of queries")
    args = parser.parse_args(argv)
    from searchsvc.engines.whoosh.search import WhooshSearchBackend

    queries = [BenchQuery(**q) for q in json.loads(args.queries.read_text("utf-8"))]
    backend = WhooshSearchBackend(args.index)
    started = time.perf_counter()
    backend.search(BenchQuery("warmup", "zzzwarmup").to_request())
    first = time.perf_counter() - started
    result = timed_pass(queries, lambda q, p: backend.search(q.to_request(p)), DEEP_PAGE)
    result["first_search_s"] = first
    print(json.dumps(result))


if __name__ == "__main__":
    main()
