"""Benchmark of the analyst views: timeline and related over the whole result set,
against the plain search of the same query mix, and a CSV export of every paragraph.

    python benchmarks/views.py --size 200000      # reuses benchmarks/data/ix-200000
    python benchmarks/views.py --size 20000       # builds it first when missing

For each query of the benchmark mix (``queries_from_index``, as ``run.py`` uses):
``search`` (first page, highlighting and facets), ``timeline`` (interval chosen from
the hits) and ``related`` (actors, by lift), each through the engine's Python API in
this process, one after the other, every query new to the process. Reported: median,
p95 and p99 (ms) of each, and the p95 ratios view/search. Then ``searchsvc export``
of every paragraph (a date filter from the first year) into a CSV file, in a child
process: rows/s and the child's peak resident memory; and the same export through
``GET /api/export`` of a ``searchsvc serve`` child: rows/s, the server's memory before
and its peak.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from generate import iter_paragraphs  # noqa: E402
from run import DATA, RESULTS, machine, percentiles, queries_from_index  # noqa: E402

from searchsvc import timeline as timelines  # noqa: E402
from searchsvc.engine import open_engine  # noqa: E402
from searchsvc.indexer import write_paragraphs  # noqa: E402
from searchsvc.related import related  # noqa: E402


def _time(call, *args) -> float:
    started = time.perf_counter()
    call(*args)
    return (time.perf_counter() - started) * 1000


def views(index_dir: Path, queries: int) -> dict:
    """Return the latency figures of search, timeline and related on the mix."""
    reader = open_engine(str(index_dir)).reader()
    reader.warm()
    mix = queries_from_index(index_dir)[:queries]
    samples: dict[str, list[float]] = {"search": [], "timeline": [], "related": []}
    errors = 0
    for query in mix:
        request = query.to_request(1)
        try:
            samples["search"].append(_time(reader.search, request))
            samples["timeline"].append(_time(timelines.timeline, reader, request))
            samples["related"].append(_time(related, reader, request, "actors"))
        except Exception as exc:  # counted; the first shown
            errors += 1
            if errors <= 3:
                print(f"  error on {query.q!r}: {type(exc).__name__}: {exc}")
    out = {name: percentiles(values) for name, values in samples.items()}
    out["errors"] = errors
    base = out["search"].get("p95") or 0
    for name in ("timeline", "related"):
        out[f"{name}_p95_ratio"] = round(out[name]["p95"] / base, 2) if base else None
    return out


def export_all(index_dir: Path, target: Path) -> dict:
    """Export every paragraph as CSV in a child process; return rows/s and its peak
    memory."""
    cmd = [
        str(Path(sys.executable).parent / "searchsvc"), "export", "--from", "1900",
        "--sort", "newest", "-q", "-o", str(target), "--index", str(index_dir),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        return {"error": done.stderr[-500:]}
    meta = json.loads(Path(str(target) + ".meta.json").read_text("utf-8"))
    return {
        "rows": meta["rows"],
        "seconds": round(elapsed, 2),
        "rows_per_s": round(meta["rows"] / elapsed),
        "peak_rss_mb": round(max(peak_kb, before) / 1024, 1),
        "csv_mb": round(target.stat().st_size / 2**20, 1),
    }


def export_http(index_dir: Path, target: Path) -> dict:
    """Export every paragraph as CSV through ``GET /api/export`` of a ``searchsvc serve``
    child (one process); return rows/s, the server's resident memory before the export
    (after a search) and its peak (VmHWM) after it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [
        str(Path(sys.executable).parent / "searchsvc"), "serve", "--workers", "1",
        "--port", str(port), "--index", str(index_dir),
    ]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{base}/api/search?q=market", timeout=60):
                    break
            except OSError:
                time.sleep(0.1)
        before = _memory_mb(server.pid, "VmRSS")
        started = time.perf_counter()
        url = f"{base}/api/export?from=1900&sort=newest&format=csv"
        with urllib.request.urlopen(url, timeout=600) as response, open(target, "wb") as out:
            rows = int(response.headers["X-Searchsvc-Rows"])
            while piece := response.read(1 << 16):
                out.write(piece)
        elapsed = time.perf_counter() - started
        peak = _memory_mb(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
    with open(target, encoding="utf-8-sig", newline="") as f:
        lines = sum(1 for _ in csv.reader(f)) - 1
    return {
        "rows": rows,
        "rows_read_back": lines,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "server_rss_before_mb": before,
        "server_peak_rss_mb": peak,
        "csv_mb": round(target.stat().st_size / 2**20, 1),
    }


def _memory_mb(pid: int, key: str) -> float:
    """Return a process's ``VmRSS`` or ``VmHWM`` (peak) from /proc, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no {key} for process {pid}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--work", type=Path, default=DATA)
    args = parser.parse_args(argv)
    index_dir = args.work / f"ix-{args.size}"
    if not (index_dir / "current").exists():
        print(f"building {index_dir} ({args.size:,} generated paragraphs)")
        args.work.mkdir(parents=True, exist_ok=True)
        write_paragraphs(index_dir, iter_paragraphs(args.size), procs=2)
    result = {"size": args.size, "machine": machine()}
    print(f"views on {index_dir}")
    result["views"] = views(index_dir, args.queries)
    for name in ("search", "timeline", "related"):
        p = result["views"][name]
        print(f"  {name:<9} median {p['median']:7.1f} ms  p95 {p['p95']:7.1f}  p99 {p['p99']:7.1f}")
    print(
        f"  p95 ratio to search: timeline {result['views']['timeline_p95_ratio']}x, "
        f"related {result['views']['related_p95_ratio']}x"
    )
    target = args.work / f"export-{args.size}.csv"
    result["export"] = export_all(index_dir, target)
    print(f"  export: {result['export']}")
    target.unlink(missing_ok=True)
    result["export_http"] = export_http(index_dir, target)
    print(f"  export over HTTP: {result['export_http']}")
    target.unlink(missing_ok=True)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"views-{stamp}.json").write_text(json.dumps(result, indent=2), "utf-8")


if __name__ == "__main__":
    main()
