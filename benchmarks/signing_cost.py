"""What copy signatures cost at indexing: ``searchsvc reindex --full`` of the same
generated collection with this checkout (signatures on) and with another checkout
without copies (``--compare-with``, e.g. the integration branch before them), in
interleaved rounds (A B, B A, ...) so that the shared machine's load falls on both alike.

The collection is ``benchmarks/generate.py``'s JSON Lines articles, ``--copies`` of them
republished as syndicated copies (as ``run.py`` generates them), written once. Reported
per side: paragraphs/s (median over the rounds), CPU seconds of the whole process tree
per 1,000 paragraphs (median; less sensitive to other load than wall time), and the
drop of the median rate against the other checkout. The issue's target: a drop of at
most 15%.

    python benchmarks/signing_cost.py --compare-with ../integ-base --paragraphs 50000

Results go to ``benchmarks/results/signing-cost-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write_jsonl  # noqa: E402
from run import (  # noqa: E402
    DATA,
    RESULTS,
    baseline,
    loadavg,
    reindex_command,
    run_measured,
    run_record,
)


def collection(paragraphs: int, seed: int, copies: float, work: Path) -> Path:
    """Return the folder of the generated JSON Lines collection, written once."""
    folder = work / f"signing-{paragraphs}-{seed}-{copies:g}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        write_jsonl(folder, paragraphs, seed, copies=copies)
        done.write_text("")
    return folder


def run_once(bin_dir: Path, source: Path, workers: int, work: Path, timeout: float) -> dict:
    """Index ``source`` from scratch with the ``searchsvc`` of ``bin_dir``; return the
    figures of the run."""
    index_dir = work / "ix-signing"
    shutil.rmtree(index_dir, ignore_errors=True)
    cmd = reindex_command(source, index_dir, workers, entities=False, as_json=True)
    cmd[0] = str(bin_dir / "searchsvc")
    load_before = loadavg()
    run = run_measured(cmd, timeout=timeout)
    out: dict[str, Any] = {"load_before": load_before, "load_after": loadavg()}
    shutil.rmtree(index_dir, ignore_errors=True)
    if run["rc"] != 0:
        out["error"] = f"exit code {run['rc']}"
        return out
    paragraphs = json.loads(run["out"])["paragraphs"]
    out.update(
        paragraphs=paragraphs,
        seconds=run["wall"],
        paragraphs_per_s=paragraphs / run["wall"],
        cpu_s_per_1000=run["cpu"] / paragraphs * 1000,
    )
    return out


def summary(runs: list[dict]) -> dict[str, float]:
    """Return the medians of a side's runs (failed runs left out)."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return {}
    return {
        "runs": len(good),
        "paragraphs_per_s": statistics.median(r["paragraphs_per_s"] for r in good),
        "cpu_s_per_1000": statistics.median(r["cpu_s_per_1000"] for r in good),
    }


def main(argv: list[str] | None = None) -> None:
    """Run the rounds; print each run and the medians, save the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare-with", type=Path, required=True, help="checkout without copies")
    parser.add_argument("--paragraphs", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--copies", type=float, default=0.2, help="share republished")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=DATA)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    args.work.mkdir(parents=True, exist_ok=True)
    source = collection(args.paragraphs, args.seed, args.copies, args.work)
    base = baseline(args.compare_with)
    sides = {"copies": Path(sys.executable).parent, "without": Path(base["bin"])}
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    for number in range(args.rounds):
        order = list(sides) if number % 2 else list(reversed(list(sides)))
        for name in order:
            result = run_once(sides[name], source, args.workers, args.work, args.timeout)
            runs[name].append(result)
            rate = result.get("paragraphs_per_s", 0.0)
            print(
                f"round {number + 1} {name:8s} {rate:8,.0f} paragraphs/s  "
                f"{result.get('cpu_s_per_1000', 0.0):.2f} CPU-s/1000  "
                f"load {result['load_before']} -> {result['load_after']}",
                flush=True,
            )
    medians = {name: summary(found) for name, found in runs.items()}
    if medians["copies"] and medians["without"]:
        with_rate = medians["copies"]["paragraphs_per_s"]
        drop = 1 - with_rate / medians["without"]["paragraphs_per_s"]
        cpu = medians["copies"]["cpu_s_per_1000"] / medians["without"]["cpu_s_per_1000"] - 1
        medians["rate_drop"] = drop
        medians["cpu_increase"] = cpu
        print(f"median rate drop with signatures: {drop:.1%}; CPU per paragraph: {cpu:+.1%}")
    results = {"baseline": base["label"], "runs": runs, "medians": medians}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"signing-cost-{stamp}.json"
    path.write_text(json.dumps(run_record(started, args, results), indent=2, default=str), "utf-8")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
