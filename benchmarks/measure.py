"""What the benchmarks measure with: latency percentiles, a timed pass over a query mix,
and the memory of a process tree (resident and proportional set sizes).

No import here touches ``searchsvc``: ``api_pass.py`` uses this module under another
checkout's interpreter to time that checkout's code.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def percentiles(samples: list[float]) -> dict[str, float]:
    """Return n, median, p95, p99 and max of ``samples`` (milliseconds)."""
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "max": ordered[-1],
    }


def timed_pass(queries: list, call: Callable[[Any, int], Any], deep_page: int) -> dict[str, Any]:
    """Run every query on page 1, then every query on ``deep_page``; return the latency
    percentiles (ms) per page and overall, the p95 of each kind, and the error count."""
    result: dict[str, Any] = {"errors": 0}
    everything: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for label, page in (("first", 1), ("deep", deep_page)):
        times = []
        for query in queries:
            started = time.perf_counter()
            try:
                call(query, page)
            except Exception as exc:  # counted, and the first few shown
                result["errors"] += 1
                if result["errors"] <= 3:
                    print(f"  error on {query.q!r} page {page}: {type(exc).__name__}: {exc}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            times.append(elapsed)
            by_kind.setdefault(query.kind, []).append(elapsed)
        result[label] = percentiles(times)
        everything += times
    result["all"] = percentiles(everything)
    result["by_kind_p95"] = {k: percentiles(v)["p95"] for k, v in sorted(by_kind.items())}
    return result


# --- memory of a process tree -------------------------------------------------------


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return kids


def tree_pids(pid: int) -> list[int]:
    """Return ``pid`` and every process below it."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack += _children(current)
    return found


def tree_rss(pid: int) -> int:
    """Return the summed resident set size (bytes) of ``pid`` and its descendants
    (pages shared between them, e.g. a memory-mapped index file, count once per
    process)."""
    total = 0
    for current in tree_pids(pid):
        try:
            with open(f"/proc/{current}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


def tree_pss(pid: int) -> int:
    """Return the summed proportional set size (bytes) of ``pid`` and its descendants:
    each page counted once, split among the processes sharing it (what the tree costs
    the machine; 0 where the kernel does not tell)."""
    total = 0
    for current in tree_pids(pid):
        try:
            with open(f"/proc/{current}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total


def process_cpu(pid: int) -> float | None:
    """Return the CPU seconds (user + system) used so far by the process ``pid`` itself
    (not its children), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler(threading.Thread):
    """Samples the memory of a process tree every ``interval`` seconds; ``peak_rss``
    and ``peak_pss`` hold the largest sums seen, ``root_cpu`` the CPU seconds of the
    root process itself at the last sample."""

    def __init__(self, pid: int, interval: float = 0.1, pss: bool = False):
        super().__init__(daemon=True)
        self.pid, self.interval, self.pss = pid, interval, pss
        self.peak_rss = self.peak_pss = 0
        self.processes = 0
        self.root_cpu = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_rss = max(self.peak_rss, tree_rss(self.pid))
            if self.pss:
                self.peak_pss = max(self.peak_pss, tree_pss(self.pid))
            self.processes = max(self.processes, len(tree_pids(self.pid)))
            self.root_cpu = process_cpu(self.pid) or self.root_cpu
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        """Stop sampling; return the peak RSS in bytes."""
        self._stop_event.set()
        self.join()
        return self.peak_rss
