"""searchsvc benchmark: indexing, index size, memory, search latency (Python API and
HTTP), HTTP throughput, and SQLite FTS5 on the same paragraphs and queries.

Sizes: ``bbc`` (the shared BBC corpus, indexed from its files by ``searchsvc reindex``)
and N (a generated collection of N paragraphs, ``benchmarks/generate.py``, written by
``indexer.write_paragraphs`` with pre-assigned actors and locations).

    python benchmarks/run.py                       # bbc only (the default: ~5-8 min)
    python benchmarks/run.py --sizes bbc,200000    # + 200k (~30-40 min on 2 busy cores)
    python benchmarks/run.py --sizes bbc,200000,1000000

Output: a table on stdout and ``benchmarks/results/bench-<time>.json`` (+ ``latest.json``).
Search latencies are per request, measured by the client, with highlighting and facet
counts, over a fixed seeded mix of queries (``benchmarks/queries.py``) drawn from each
index, on page 1 and on page ``DEEP_PAGE``. Every query is new to the server process
(no result cache exists; Whoosh's per-searcher term caches do).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import fts5  # noqa: E402
from generate import write_jsonl  # noqa: E402
from measure import MemorySampler, percentiles, timed_pass  # noqa: E402
from queries import DEEP_PAGE, BenchQuery, build_queries  # noqa: E402

from searchsvc.engines.whoosh.schema import stored_to_paragraph  # noqa: E402
from searchsvc.engines.whoosh.storage import IndexLocation  # noqa: E402
from searchsvc.models import Paragraph  # noqa: E402

SHARED = Path(os.environ.get("SEARCHSVC_SHARED", REPO.parent / "shared"))
BBC = SHARED / "corpus" / "bbc"
BIN = Path(sys.executable).parent
RESULTS = HERE / "results"
DATA = HERE / "data"


# --- measuring processes ------------------------------------------------------------


def run_measured(cmd: list[str], timeout: float) -> dict[str, Any]:
    """Run ``cmd``; return wall seconds, CPU seconds of the reaped process tree and of
    the root process alone (sampled: up to 0.1 s short), peak tree RSS (bytes), exit
    code and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = MemorySampler(proc.pid)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    wall = time.perf_counter() - started
    peak = sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        print(f"  command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return {
        "wall": wall,
        "cpu": cpu,
        "root_cpu": sampler.root_cpu,
        "peak_rss": peak,
        "rc": proc.returncode,
        "out": out,
    }


def reindex_command(
    source: Path, index_dir: Path, workers: int, entities: bool, as_json: bool = False
) -> list[str]:
    """Return the ``searchsvc reindex --full --quiet`` command line that indexes
    ``source`` into ``index_dir`` (``--json``: the summary as JSON on stdout)."""
    return [
        str(BIN / "searchsvc"),
        "reindex",
        "--full",
        "--entities" if entities else "--no-entities",
        "--quiet",
        *(["--json"] if as_json else []),
        "--workers",
        str(workers),
        "--index",
        str(index_dir),
        str(source),
    ]


def dir_size_matching(path: Path, pattern: str) -> int:
    """Return the bytes of the files in ``path`` whose names match ``pattern``."""
    return sum(f.stat().st_size for f in path.glob(pattern) if f.is_file())


def dir_size(path: Path) -> int:
    """Return the bytes of the files under ``path`` (symlinks not followed)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


# --- the collection -----------------------------------------------------------------


def iter_index_paragraphs(index_dir: Path) -> Iterator[Paragraph]:
    """Yield every paragraph stored in the live index at ``index_dir``."""
    ix = IndexLocation(index_dir).open()
    try:
        with ix.reader() as reader:
            for _docnum, fields in reader.iter_docs():
                yield stored_to_paragraph(fields)
    finally:
        ix.close()


def queries_from_index(index_dir: Path, seed: int = 7) -> list[BenchQuery]:
    """Return the query mix drawn from the index: sentences of 3,000 random stored
    paragraphs, and actor/location/source names by descending frequency."""
    ix = IndexLocation(index_dir).open()
    rng = random.Random(seed)
    try:
        with ix.reader() as reader:
            docnums = list(range(reader.doc_count_all()))
            sample = rng.sample(docnums, min(3000, len(docnums)))
            sentences: list[str] = []
            for n in sorted(sample):
                text = reader.stored_fields(n).get("text", "")
                sentences += [s.strip() for s in text.split(". ") if len(s.split()) >= 3]

            def names(field: str) -> list[str]:
                if field not in reader.indexed_field_names():
                    return []
                found = [
                    (reader.doc_frequency(field, term), term) for term in reader.field_terms(field)
                ]
                found.sort(key=lambda x: (-x[0], x[1]))
                return [term for _, term in found]

            actors, places, sources = names("actors"), names("locations"), names("source")
    finally:
        ix.close()
    return build_queries(
        sentences, actors or ["Tony Blair"], places or ["London"], sources or ["BBC"], seed
    )


# --- search engines -----------------------------------------------------------------


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``searchsvc serve`` on 127.0.0.1 in a subprocess (``bin_dir``'s, with its default
    number of worker processes unless ``workers`` is given), with memory sampling of its
    process tree. ``first_search_s`` is how long after the start the first search
    (``probe``) was answered."""

    def __init__(
        self,
        index_dir: Path,
        threads: int = 8,
        workers: int | None = None,
        bin_dir: Path = BIN,
        probe: str = "/api/health",
    ):
        self.port = free_port()
        cmd = [
            str(bin_dir / "searchsvc"),
            "serve",
            "--index",
            str(index_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--threads",
            str(threads),
        ]
        if workers:
            cmd += ["--workers", str(workers)]
        started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.sampler = MemorySampler(self.proc.pid, 0.25, pss=True)
        self.sampler.start()
        deadline = started + 120
        while time.monotonic() < deadline:
            try:
                status, _ = self.get(probe)
                if status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read()[-2000:]!r}")
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError(f"server did not answer {probe} within 120 s")
        self.first_search_s = time.monotonic() - started

    def get(self, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
        """Return (status, body) of a GET (on ``conn`` if given, kept alive)."""
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            if own:
                conn.close()

    def stop(self) -> dict[str, int]:
        """Stop the server; return its peak memory (RSS and PSS of the tree, bytes) and
        the most processes seen in it."""
        self.sampler.stop()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return {
            "rss": self.sampler.peak_rss,
            "pss": self.sampler.peak_pss,
            "processes": self.sampler.processes,
        }


def search_path(query: BenchQuery, page: int) -> str:
    """Return the ``/api/search`` URL path for ``query`` on ``page``."""
    return "/api/search?" + urlencode(query.to_params(page))


def throughput(server: Server, queries: list[BenchQuery], clients: int, seconds: float) -> dict:
    """Run ``clients`` keep-alive clients for ``seconds``, each cycling through the
    queries (first and deep pages) from its own offset; return requests/s, errors and
    latency percentiles."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    paths = [search_path(q, p) for q in queries for p in (1, DEEP_PAGE)]

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        i = number * len(paths) // clients
        mine: list[float] = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status, body = server.get(paths[i % len(paths)], conn)
                if status != 200:
                    with lock:
                        errors.append(f"HTTP {status}: {body[:200]!r}")
                else:
                    mine.append((time.perf_counter() - started) * 1000)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            i += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency": percentiles(latencies),
    }


# --- one size -----------------------------------------------------------------------


def bench_size(size: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Index, search and compare one collection size; return its figures. With
    ``--reuse``, the indexes and FTS5 database of an earlier run of this size are
    searched again and its build figures (saved beside them) are reported."""
    record = work / f"build-{size}.json"
    if args.reuse and record.exists():
        out = json.loads(record.read_text("utf-8"))
        print(f"\n== {size}: reusing the indexes built at {out.get('built', '?')}")
    else:
        out = build_size(size, args, work)
        if "error" in out:
            return out
        out["built"] = datetime.now(UTC).isoformat(timespec="seconds")
        record.write_text(json.dumps(out, indent=2), "utf-8")
    return search_size(size, args, work, out)


def build_size(size: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Build the index(es) and the FTS5 database of one size; return their figures."""
    out: dict[str, Any] = {"size": size}
    index_dir = work / f"ix-{size}"
    shutil.rmtree(index_dir, ignore_errors=True)
    print(f"\n== {size}: indexing without entity extraction")
    if size == "bbc":
        cmd = reindex_command(BBC, index_dir, args.workers, entities=False)
    else:
        cmd = [
            sys.executable,
            str(HERE / "index_generated.py"),
            "--paragraphs",
            size,
            "--seed",
            str(args.seed),
            "--index",
            str(index_dir),
            "--procs",
            str(args.workers),
            "--copies",
            str(args.copies),
        ]
    run = run_measured(cmd, timeout=args.index_timeout)
    if run["rc"] != 0:
        out["error"] = "indexing failed"
        return out
    location = IndexLocation(index_dir)
    docs = location.stats().documents
    current = location.current_dir()
    assert current is not None
    out["paragraphs"] = docs
    out["index_plain"] = {
        "seconds": run["wall"],
        "paragraphs_per_s": docs / run["wall"],
        "cpu_seconds": run["cpu"],
        "peak_rss": run["peak_rss"],
        "index_bytes": dir_size(current),
        "segments": len({f.name.split(".")[0] for f in current.glob("*.trm")})
        + len(list(current.glob("*.seg"))),
    }
    print(f"  {docs:,} paragraphs in {run['wall']:.1f} s = {docs / run['wall']:,.0f}/s")

    entity_sizes = {"bbc"} | set(filter(None, args.entities_sizes.split(",")))
    if size in entity_sizes and not args.no_entities:
        print(f"== {size}: indexing with entity extraction")
        if size == "bbc":
            source = BBC
        else:
            # The same collection as JSON Lines files, read and annotated by the CLI.
            source = work / f"jsonl-{size}"
            shutil.rmtree(source, ignore_errors=True)
            write_jsonl(source, int(size), args.seed, copies=args.copies)
        ent_dir = work / f"ix-{size}-entities"
        shutil.rmtree(ent_dir, ignore_errors=True)
        cmd = reindex_command(source, ent_dir, args.workers, entities=True)
        ent = run_measured(cmd, timeout=args.index_timeout)
        if ent["rc"] == 0:
            ent_docs = IndexLocation(ent_dir).stats().documents
            out["index_entities"] = {
                "seconds": ent["wall"],
                "paragraphs_per_s": ent_docs / ent["wall"],
                "cpu_seconds": ent["cpu"],
                "peak_rss": ent["peak_rss"],
            }
            print(
                f"  {ent_docs:,} paragraphs in {ent['wall']:.1f} s "
                f"= {ent_docs / ent['wall']:,.0f}/s"
            )
            if size == "bbc":
                # search the index that has actors and locations, as users would
                index_dir = ent_dir
        else:
            out["index_entities"] = {"error": "failed"}
    out["searched_index"] = index_dir.name

    if args.api_only:
        return out
    print(f"== {size}: SQLite FTS5 build")
    db = work / f"fts5-{size}.db"
    out["fts5_build"] = fts5.build(db, iter_index_paragraphs(index_dir))
    print(f"  {out['fts5_build']['seconds']:.1f} s, {out['fts5_build']['bytes'] / 1e6:.0f} MB")
    return out


def search_size(
    size: str, args: argparse.Namespace, work: Path, out: dict[str, Any]
) -> dict[str, Any]:
    """Run the query mix through the Python API, FTS5 and HTTP (and, with
    ``--compare-with``, the same passes with the other checkout's code, just before
    ours); add the figures to ``out`` and return it."""
    index_dir = work / out.get("searched_index", f"ix-{size}")
    db = work / f"fts5-{size}.db"
    queries = queries_from_index(index_dir, args.query_seed)[: args.queries]
    out["queries"] = len(queries)
    out["query_mix"] = {
        k: sum(q.kind == k for q in queries) for k in sorted({q.kind for q in queries})
    }
    query_file = work / f"queries-{size}.json"
    query_file.write_text(json.dumps([q.to_dict() for q in queries]), "utf-8")
    out["load_at_start"] = loadavg()
    current = IndexLocation(index_dir).current_dir()
    out["postfile_bytes"] = dir_size_matching(current, "*.spk") if current else 0

    if args.compare_with:
        base = baseline(args.compare_with)
        print(f"== {size}: before ({base['label']}): Python API, in a fresh process")
        before: dict[str, Any] = {"label": base["label"]}
        before["api"] = api_pass(Path(base["python"]), index_dir, query_file)
        _print_latency("api", before["api"])
        print(f"== {size}: before ({base['label']}): HTTP")
        before.update(http_phases(Path(base["bin"]), index_dir, queries, args, fresh=False))
        out["before"] = before

    print(f"== {size}: search through the Python API ({len(queries)} queries x 2 pages)")
    out["api"] = api_pass(BIN / "python", index_dir, query_file, dedupe=True)
    _print_latency("api", out["api"])
    dedupe = out["api"].pop("dedupe", None)
    if dedupe is not None:
        out.update(dedupe)
        print(f"== copies: pairs of copies built in {out['copy_pairs_build_ms']:.0f} ms")
        _print_latency("api dedupe", out["api_dedupe"])
        _print_latency("api again", out["api_again"])
    if args.api_only:
        return out
    print(f"== {size}: the same without posting files (Whoosh's blocks decoded per segment)")
    out["api_without_postfiles"] = api_pass(
        BIN / "python", index_dir, query_file, {"SEARCHSVC_POSTING_FILES": "0"}
    )
    _print_latency("api", out["api_without_postfiles"])

    print(f"== {size}: search in SQLite FTS5")
    searcher = fts5.Fts5Searcher(db)
    searcher.search(BenchQuery("warmup", "zzzwarmup~"))  # loads the vocabulary once
    out["fts5"] = timed_pass(queries, lambda q, p: searcher.search(q, p), DEEP_PAGE)
    searcher.close()
    _print_latency("fts5", out["fts5"])

    print(f"== {size}: HTTP (searchsvc serve, waitress, 127.0.0.1)")
    out.update(http_phases(BIN, index_dir, queries, args, fresh=True))
    out["load_at_end"] = loadavg()
    return out


def api_pass(
    python: Path,
    index_dir: Path,
    query_file: Path,
    env: dict[str, str] | None = None,
    dedupe: bool = False,
) -> dict[str, Any]:
    """Return the timed pass of the queries in ``query_file`` through the Python API,
    run by ``python`` (its checkout's searchsvc) in a fresh process; with ``dedupe``,
    also its passes with copies folded and without again (``api_pass.dedupe_phases``)."""
    run = subprocess.run(
        [
            str(python),
            str(HERE / "api_pass.py"),
            "--index",
            str(index_dir),
            "--queries",
            str(query_file),
            *(["--dedupe"] if dedupe else []),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if run.returncode != 0:
        print(f"  the API pass failed: {run.stderr[-2000:]}")
        return {"errors": -1}
    return json.loads(run.stdout.strip().splitlines()[-1])


# A filter-only search (no query word is in the mix): the first one a server answers.
FIRST_SEARCH = "/api/search?" + urlencode({"from": "2010-01-01", "to": "2012-12-31"})


def http_phases(
    bin_dir: Path, index_dir: Path, queries: list[BenchQuery], args: argparse.Namespace, fresh: bool
) -> dict[str, Any]:
    """Start ``bin_dir``'s ``searchsvc serve``; return how soon it answered its first
    search, the one-client pass, the 8-client run, with ``fresh`` how soon a commit is
    searchable, and the server's peak memory."""
    out: dict[str, Any] = {}
    server = Server(index_dir, workers=args.server_workers, bin_dir=bin_dir, probe=FIRST_SEARCH)
    out["first_search_s"] = server.first_search_s
    print(f"  first search answered {server.first_search_s:.1f} s after the start")
    try:

        def http_call(query: BenchQuery, page: int) -> None:
            status, body = server.get(search_path(query, page))
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
            json.loads(body)

        out["http"] = timed_pass(queries, http_call, DEEP_PAGE)
        _print_latency("http", out["http"])
        out["throughput"] = throughput(server, queries, args.clients, args.seconds)
        t = out["throughput"]
        print(f"  {t['clients']} clients: {t['rps']:.1f} req/s, {t['errors']} errors")
        if fresh:
            out["freshness"] = freshness(server, index_dir)
            f = out["freshness"]
            print(
                f"  a committed paragraph searchable after {f['added_s']:.2f} s, "
                f"its removal after {f['removed_s']:.2f} s"
            )
    finally:
        memory = server.stop()
    out["server_peak_rss"] = memory["rss"]
    out["server_peak_pss"] = memory["pss"]
    out["server_processes"] = memory["processes"]
    return out


FRESH_PATH = "benchmarks/freshness-probe"


def freshness(server: Server, index_dir: Path, timeout: float = 60.0) -> dict[str, float]:
    """Commit one new paragraph to the live index (an incremental write, as ``reindex``
    makes one), then remove it; return how long after each commit (the table of
    contents written) the server's searches showed it, and how long the commits took."""
    from searchsvc.engine import open_engine
    from searchsvc.models import Paragraph

    token = "freshprobe" + "".join(random.choice("abcdefghij") for _ in range(8))
    article = "f" * 16
    paragraph = Paragraph(
        id=f"{article}#1",
        article_id=article,
        position=1,
        count=1,
        text=f"A {token} paragraph, written while searches run.",
        title="Freshness probe",
        date="2024-06-01",
        source="benchmark",
        path=FRESH_PATH,
    )
    path = "/api/search?" + urlencode({"q": token})
    engine = open_engine(str(index_dir))
    result: dict[str, float] = {}
    for label, change, wanted in (("added", "add", 1), ("removed", "delete", 0)):
        with engine.lock(wait=30):
            writer = engine.begin(False)
            try:
                if change == "add":
                    writer.add([paragraph], f"{FRESH_PATH}\t0\t0")
                else:
                    writer.delete_path(FRESH_PATH)
                # The commit runs while the server is asked, as a reindex runs beside it.
                started = time.monotonic()
                commit = threading.Thread(target=writer.publish, args=(writer.meta(),))
                commit.start()
                seen = _wait_for(server, path, wanted, started + timeout)
                commit.join()
                result[f"{label}_commit_s"] = time.monotonic() - started
            except BaseException:
                writer.cancel()
                raise
        result[f"{label}_s"] = seen - _toc_time(index_dir)
    return result


def _wait_for(server: Server, path: str, total: int, deadline: float) -> float:
    """Ask ``path`` until it finds ``total`` paragraphs; return when (epoch s)."""
    while time.monotonic() < deadline:
        status, body = server.get(path)
        if status == 200 and json.loads(body)["total"] == total:
            return time.time()
        time.sleep(0.02)
    return time.time()


def _toc_time(index_dir: Path) -> float:
    """Return when the live index's latest table of contents was written (epoch s)."""
    current = IndexLocation(index_dir).current_dir()
    assert current is not None
    return max(p.stat().st_mtime for p in current.glob("_MAIN_*.toc"))


def baseline(folder: Path) -> dict[str, str]:
    """Return the interpreter, scripts folder and a label (folder@commit) of the
    checkout ``folder`` (with its own ``.venv``) compared against."""
    folder = folder.resolve()
    venv = folder / ".venv" / "bin"
    if not (venv / "python").exists():
        raise SystemExit(f"--compare-with {folder}: no .venv/bin/python there")
    commit = subprocess.run(
        ["git", "-C", str(folder), "log", "-1", "--format=%h"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {"python": str(venv / "python"), "bin": str(venv), "label": f"{folder.name}@{commit}"}


def loadavg() -> str:
    """Return the load averages of the last 1, 5 and 15 minutes, as /proc gives them."""
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def _print_latency(label: str, result: dict[str, Any]) -> None:
    a = result["all"]
    if a.get("n"):
        print(
            f"  {label}: median {a['median']:.1f} ms, p95 {a['p95']:.1f} ms, "
            f"p99 {a['p99']:.1f} ms, errors {result['errors']}"
        )


# --- the table ----------------------------------------------------------------------


def _get(d: dict, *keys: str) -> Any:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def table(results: list[dict[str, Any]]) -> str:
    """Return the results as a Markdown table, one column per size."""

    def num(v: Any, fmt: str = "{:,.0f}") -> str:
        return "-" if v is None else fmt.format(v)

    def mb(v: Any) -> str:
        return "-" if v is None else f"{v / 2**20:,.0f} MB"

    def ms(v: Any) -> str:
        return "-" if v is None else f"{v:,.1f}"

    def secs(v: Any) -> str:
        return "-" if v is None else f"{v:.2f}"

    def ratio(a: Any, b: Any) -> str:
        return "-" if not a or not b else f"{a / b:.2f}x"

    rows: list[tuple[str, Callable[[dict], str]]] = [
        ("paragraphs", lambda r: num(r.get("paragraphs"))),
        (
            "index, no entities: paragraphs/s",
            lambda r: num(_get(r, "index_plain", "paragraphs_per_s")),
        ),
        (
            "index, no entities: CPU-s / 1k paragraphs",
            lambda r: (
                num((_get(r, "index_plain", "cpu_seconds") or 0) * 1000 / r["paragraphs"], "{:.2f}")
                if r.get("paragraphs")
                else "-"
            ),
        ),
        ("index, no entities: peak RSS (tree)", lambda r: mb(_get(r, "index_plain", "peak_rss"))),
        (
            "index, with entities: paragraphs/s",
            lambda r: num(_get(r, "index_entities", "paragraphs_per_s")),
        ),
        ("index size on disk", lambda r: mb(_get(r, "index_plain", "index_bytes"))),
        ("of which posting files (when searched)", lambda r: mb(r.get("postfile_bytes"))),
        ("FTS5 database size", lambda r: mb(_get(r, "fts5_build", "bytes"))),
        ("queries (x2 pages)", lambda r: num(r.get("queries"))),
    ]
    for engine, label in (
        ("api", "Python API"),
        ("api_without_postfiles", "Python API, posting files off"),
        ("http", "HTTP JSON"),
        ("fts5", "FTS5"),
    ):
        for page in ("first", "deep", "all"):
            rows.append(
                (
                    f"{label} {page} pages: median / p95 / p99 ms",
                    lambda r, e=engine, p=page: " / ".join(
                        ms(_get(r, e, p, k)) for k in ("median", "p95", "p99")
                    ),
                )
            )
    for key, label in (("api_again", "Python API again"), ("api_dedupe", "API with dedupe")):
        rows.append(
            (
                f"{label}, all pages: median / p95 / p99 ms",
                lambda r, k=key: " / ".join(
                    ms(_get(r, k, "all", q)) for q in ("median", "p95", "p99")
                ),
            )
        )
    rows += [
        (
            "p95 ratio dedupe / without (warm, all pages)",
            lambda r: ratio(
                _get(r, "api_dedupe", "all", "p95"), _get(r, "api_again", "all", "p95")
            ),
        ),
        (
            "copies: pairs built once per index version, ms",
            lambda r: ms(r.get("copy_pairs_build_ms")),
        ),
        (
            "copies: paragraphs folded per query (mean, 40 queries)",
            lambda r: ms(r.get("dedupe_folded_mean")),
        ),
        (
            "p95 ratio API / FTS5 (all pages)",
            lambda r: ratio(_get(r, "api", "all", "p95"), _get(r, "fts5", "all", "p95")),
        ),
        (
            "p95 ratio HTTP / FTS5 (all pages)",
            lambda r: ratio(_get(r, "http", "all", "p95"), _get(r, "fts5", "all", "p95")),
        ),
        (
            "median ratio API / FTS5",
            lambda r: ratio(_get(r, "api", "all", "median"), _get(r, "fts5", "all", "median")),
        ),
        (
            "search errors (API / HTTP)",
            lambda r: f"{_get(r, 'api', 'errors')} / {_get(r, 'http', 'errors')}",
        ),
        ("HTTP 8 clients: req/s", lambda r: num(_get(r, "throughput", "rps"), "{:,.1f}")),
        (
            "HTTP 8 clients: errors / requests",
            lambda r: f"{_get(r, 'throughput', 'errors')} / {_get(r, 'throughput', 'requests')}",
        ),
        ("HTTP 8 clients: p95 ms", lambda r: ms(_get(r, "throughput", "latency", "p95"))),
        ("server processes (parent + workers)", lambda r: num(r.get("server_processes"))),
        (
            "server peak RSS, all processes (shared pages once per process)",
            lambda r: mb(r.get("server_peak_rss")),
        ),
        (
            "server peak PSS, all processes (shared pages split)",
            lambda r: mb(r.get("server_peak_pss")),
        ),
        ("serve: first search answered after (s)", lambda r: secs(r.get("first_search_s"))),
        (
            "commit searchable after / removal after (s)",
            lambda r: (
                f"{secs(_get(r, 'freshness', 'added_s'))} / "
                f"{secs(_get(r, 'freshness', 'removed_s'))}"
            ),
        ),
        (
            "load average at start / end",
            lambda r: f"{r.get('load_at_start', '-')} / {r.get('load_at_end', '-')}",
        ),
    ]
    if any("before" in r for r in results):
        label = next(r["before"]["label"] for r in results if "before" in r)
        for key, name in (("api", "Python API"), ("http", "HTTP JSON")):
            for page in ("first", "all"):
                rows.append(
                    (
                        f"before ({label}): {name} {page} pages: median / p95 / p99 ms",
                        lambda r, k=key, p=page: " / ".join(
                            ms(_get(r, "before", k, p, m)) for m in ("median", "p95", "p99")
                        ),
                    )
                )
        rows += [
            (
                f"before ({label}): HTTP 8 clients: req/s / p95 ms",
                lambda r: (
                    f"{num(_get(r, 'before', 'throughput', 'rps'), '{:,.1f}')} / "
                    f"{ms(_get(r, 'before', 'throughput', 'latency', 'p95'))}"
                ),
            ),
            (
                f"before ({label}): server peak RSS / PSS",
                lambda r: (
                    f"{mb(_get(r, 'before', 'server_peak_rss'))} / "
                    f"{mb(_get(r, 'before', 'server_peak_pss'))}"
                ),
            ),
            (
                f"before ({label}): serve: first search answered after (s)",
                lambda r: secs(_get(r, "before", "first_search_s")),
            ),
        ]
    head = "| measure | " + " | ".join(r["size"] for r in results) + " |"
    sep = "|---|" + "---|" * len(results)
    lines = [head, sep]
    for name, fn in rows:
        cells = []
        for r in results:
            try:
                cells.append(fn(r))
            except (TypeError, KeyError, ZeroDivisionError):
                cells.append("-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """Return a description of this machine and software."""
    import whoosh

    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "whoosh": ".".join(map(str, whoosh.versions()[0])) if hasattr(whoosh, "versions") else "",
        "sqlite": __import__("sqlite3").sqlite_version,
        "loadavg_at_start": load,
    }


def run_record(started: datetime, args: argparse.Namespace, results: Any) -> dict[str, Any]:
    """Return what a benchmark run saves: when, on what machine, with which
    arguments, and its ``results``."""
    return {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "results": results,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; print the table; write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="bbc", help="comma-separated: bbc and/or N (e.g. bbc,200000)"
    )
    parser.add_argument("--quick", action="store_true", help="bbc only, no entities run")
    parser.add_argument("--queries", type=int, default=240, help="queries in the mix (>=200)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--server-workers", type=int, default=None, help="serve --workers (default: its own)"
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        default=None,
        help="another checkout (with its .venv) whose API and HTTP passes run just before ours",
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="throughput run length")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--query-seed", type=int, default=7)
    parser.add_argument("--no-entities", action="store_true", help="skip the entities run")
    parser.add_argument(
        "--entities-sizes",
        default="",
        help="generated sizes also indexed with entity extraction, e.g. 200000 "
        "(as JSON Lines files through `searchsvc reindex`; bbc always is)",
    )
    parser.add_argument("--index-timeout", type=float, default=3600)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="search the indexes an earlier run built (same --work) instead of rebuilding",
    )
    parser.add_argument("--work", type=Path, default=DATA, help="where indexes are built")
    parser.add_argument(
        "--copies",
        type=float,
        default=0.2,
        help="share of generated articles republished as syndicated copies (0: none)",
    )
    parser.add_argument(
        "--api-only",
        action="store_true",
        help="index and search through the Python API only (no FTS5, no HTTP)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.no_entities = True
    sizes = ["bbc"] if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    results = [bench_size(size, args, args.work) for size in sizes]
    report = run_record(started, args, results)
    text = table(results)
    print("\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%S")
    for name in (f"bench-{stamp}.json", "latest.json"):
        (RESULTS / name).write_text(json.dumps(report, indent=2, default=str))
    (RESULTS / "latest.md").write_text(text + "\n")
    print(f"\nresults: {RESULTS / f'bench-{stamp}.json'}")


if __name__ == "__main__":
    main()
