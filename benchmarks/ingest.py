"""Ingest benchmark: does `searchsvc reindex` use every core whatever the files look like?

Two shapes of the same generated collection (``benchmarks/generate.py``: BBC sentences,
invented actors and gazetteer places named in the text):

- ``jsonl``: one large JSON Lines file holding every article;
- ``pages``: one small HTML page per article.

Each is indexed from scratch by ``searchsvc reindex --full`` (with entity extraction
unless ``--no-entities``) once per ``--workers`` value, and reported as paragraphs/s,
CPU seconds of the whole process tree over wall seconds, the rate against the one-worker
run, CPU milliseconds per paragraph (what spreading the work costs, whatever the load)
and the CPU seconds of the reindex process itself (the part that is not spread). The
issue's target on 2 cores: 2 workers reach at least 1.7x the one-worker rate for both
shapes.

    python benchmarks/ingest.py                          # 20k paragraphs (~8 min on 2 cores)
    python benchmarks/ingest.py --paragraphs 5000 --shapes jsonl --workers 1,2

The machine's load average is printed beside each run: the figures are only as good as
the cores the run had to itself. Results go to ``benchmarks/results/ingest-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write_jsonl, write_pages  # noqa: E402
from run import DATA, RESULTS, reindex_command, run_measured, run_record  # noqa: E402

SHAPES = {"jsonl": "one JSON Lines file", "pages": "one HTML page per article"}


def _loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def collection(shape: str, paragraphs: int, seed: int, work: Path) -> Path:
    """Return the folder holding ``shape`` of the collection, generating it once."""
    folder = work / f"ingest-{shape}-{paragraphs}-{seed}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    if shape == "jsonl":
        write_jsonl(folder, paragraphs, seed, articles_per_file=None)
    else:
        write_pages(folder, paragraphs, seed)
    done.write_text("")
    return folder


def run_once(source: Path, workers: int, entities: bool, work: Path, timeout: float) -> dict:
    """Index ``source`` from scratch with ``workers`` workers; return the figures."""
    index_dir = work / f"ix-ingest-{source.name}-w{workers}"
    shutil.rmtree(index_dir, ignore_errors=True)
    cmd = reindex_command(source, index_dir, workers, entities, as_json=True)
    load_before = _loadavg()
    run = run_measured(cmd, timeout=timeout)
    out: dict[str, Any] = {"workers": workers, "load_before": load_before, "load_after": _loadavg()}
    if run["rc"] != 0:
        out["error"] = f"exit code {run['rc']}"
        return out
    report = json.loads(run["out"])
    shutil.rmtree(index_dir, ignore_errors=True)
    out.update(
        files=report["files_processed"],
        articles=report["articles"],
        paragraphs=report["paragraphs"],
        skipped=len(report["skipped"]),
        seconds=run["wall"],
        cpu_seconds=run["cpu"],
        cpu_per_wall=run["cpu"] / run["wall"],
        cpu_ms_per_paragraph=1000 * run["cpu"] / max(1, report["paragraphs"]),
        parent_cpu_seconds=run["root_cpu"],
        paragraphs_per_s=report["paragraphs"] / run["wall"],
        peak_rss=run["peak_rss"],
    )
    return out


def table(results: dict[str, list[dict]]) -> str:
    """Return the runs as a Markdown table, with the rate against one worker."""
    lines = [
        "| shape | workers | paragraphs | wall s | paragraphs/s | x 1 worker | CPU s / wall s "
        "| CPU ms / paragraph | parent CPU s | peak RSS | load avg before / after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for shape, runs in results.items():
        base = next((r for r in runs if r["workers"] == 1 and "error" not in r), None)
        for r in runs:
            if "error" in r:
                lines.append(f"| {shape} | {r['workers']} | {r['error']} |" + " |" * 8)
                continue
            speedup = (
                f"{r['paragraphs_per_s'] / base['paragraphs_per_s']:.2f}x" if base else "-"
            )
            lines.append(
                f"| {shape} | {r['workers']} | {r['paragraphs']:,} | {r['seconds']:.1f} "
                f"| {r['paragraphs_per_s']:,.0f} | {speedup} | {r['cpu_per_wall']:.2f} "
                f"| {r['cpu_ms_per_paragraph']:.2f} | {r['parent_cpu_seconds']:.1f} "
                f"| {r['peak_rss'] / 2**20:,.0f} MB | {r['load_before']} / {r['load_after']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; print the table; write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shapes", default="jsonl,pages", help="comma-separated: jsonl, pages")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--no-entities", action="store_true", help="skip entity extraction")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--work", type=Path, default=DATA, help="where collections go")
    args = parser.parse_args(argv)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        parser.error(f"unknown shapes {unknown}: choose from {sorted(SHAPES)}")
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    results: dict[str, list[dict]] = {}
    for shape in shapes:
        source = collection(shape, args.paragraphs, args.seed, args.work)
        print(f"== {shape} ({SHAPES[shape]}), {args.paragraphs:,} paragraphs generated")
        for workers in counts:
            r = run_once(source, workers, not args.no_entities, args.work, args.timeout)
            results.setdefault(shape, []).append(r)
            if "error" in r:
                print(f"  {workers} worker(s): failed ({r['error']})")
                continue
            print(
                f"  {workers} worker(s): {r['paragraphs']:,} paragraphs in {r['seconds']:.1f} s"
                f" = {r['paragraphs_per_s']:,.0f}/s, CPU/wall {r['cpu_per_wall']:.2f}"
                f" (load {r['load_before']} -> {r['load_after']})"
            )
    text = table(results)
    print("\n" + text)
    report = run_record(started, args, results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"ingest-{started.strftime('%Y%m%dT%H%M%S')}.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2))
    print(f"\nresults: {RESULTS / name}")


if __name__ == "__main__":
    main()
