"""Index a generated collection through ``indexer.write_paragraphs`` (no entity
extraction: actors and locations come pre-assigned) and print the figures as JSON.

    python benchmarks/index_generated.py --paragraphs 200000 --index /tmp/ix --procs 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import iter_paragraphs  # noqa: E402

from searchsvc.indexer import write_paragraphs  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Build the index; print {"paragraphs", "seconds"} as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--index", required=True)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--copies", type=float, default=0.0, help="Share republished.")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    made = iter_paragraphs(args.paragraphs, args.seed, args.copies)
    count = write_paragraphs(args.index, made, procs=args.procs)
    print(json.dumps({"paragraphs": count, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
