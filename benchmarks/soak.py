"""Soak: search over HTTP while the index is rebuilt again and again.

Starts ``searchsvc serve`` on 127.0.0.1, runs ``--clients`` query loops against
``/api/search`` and, at the same time, reindexes the corpus in a loop (alternating
``--full`` rebuilds and incremental updates that change a few files) for ``--seconds``.
Reports errors (must be 0), latency percentiles while reindexing, how many reindexes
completed, and whether the server saw each new index without a restart.

    python benchmarks/soak.py --seconds 120
    python benchmarks/soak.py --corpus ../shared/corpus/bbc --seconds 300

With no ``--corpus``, a copy of the BBC corpus (or a generated one) is used, since
files are modified during the run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import BBC, BIN, free_port, percentiles  # noqa: E402

WORDS = [
    "election",
    "minister",
    "market",
    "film",
    "music",
    "growth",
    "police",
    "game",
    "phone",
    "court",
    "oil",
    "bank",
    "award",
    "vote",
    "price",
    "internet",
]


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def soak(corpus: Path, work: Path, seconds: float, clients: int, workers: int) -> dict:
    """Run the soak; return its figures (errors, latency, reindexes, freshness)."""
    index_dir = work / "ix"
    cmd = [
        str(BIN / "searchsvc"),
        "reindex",
        "--no-entities",
        "-q",
        "--workers",
        str(workers),
        "--index",
        str(index_dir),
        str(corpus),
    ]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log = work / "server.log"
    server = subprocess.Popen(
        [str(BIN / "searchsvc"), "serve", "--index", str(index_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    stop = threading.Event()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/api/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)

        def client(n: int) -> None:
            i = n
            while not stop.is_set():
                params = {"q": WORDS[i % len(WORDS)], "page": str(1 + i % 5)}
                started = time.perf_counter()
                try:
                    status, body = _get(port, "/api/search?" + urlencode(params))
                    if status != 200:
                        raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
                    json.loads(body)
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)
                except Exception as exc:  # every failure counts
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                i += clients

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        marker = corpus / "soak-marker.txt"
        end = time.monotonic() + seconds
        runs = {"full": 0, "incremental": 0, "failed": 0}
        stale = 0
        n = 0
        while time.monotonic() < end:
            n += 1
            word = f"soakmarker{n}"
            marker.write_text(
                f"Soak marker {n}\n\nThe soak test wrote {word} into this "
                "paragraph so that the new index can be recognised.\n"
            )
            full = n % 2 == 0
            done = subprocess.run(
                cmd + (["--full"] if full else []), capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                runs["failed"] += 1
                errors.append(f"reindex failed: {done.stderr[-300:]}")
                continue
            runs["full" if full else "incremental"] += 1
            # the running server must see the new index within a few seconds
            seen_by = time.monotonic() + 10
            while True:
                status, body = _get(port, "/api/search?" + urlencode({"q": word}))
                if status == 200 and json.loads(body)["total"] >= 1:
                    break
                if time.monotonic() > seen_by:
                    stale += 1
                    break
                time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join()
        marker.unlink(missing_ok=True)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=10)
    log_text = log.read_text()
    return {
        "seconds": seconds,
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency_ms": percentiles(latencies),
        "reindexes": runs,
        "new_index_not_seen_within_10s": stale,
        "server_tracebacks": log_text.count("Traceback"),
        "server_log_tail": log_text[-2000:] if errors or "Traceback" in log_text else "",
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: run the soak and print the figures as JSON (exit 1 on errors)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=None, help="folder (copied)")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="searchsvc-soak-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        shutil.copytree(args.corpus or BBC, corpus)
        result = soak(corpus, work, args.seconds, args.clients, args.workers)
    print(json.dumps(result, indent=2))
    if result["errors"] or result["new_index_not_seen_within_10s"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
