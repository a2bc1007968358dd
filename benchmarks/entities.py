"""Measure entity-extraction speed (paragraphs per second) on the BBC sample corpus.

Usage (from the repository root)::

    python benchmarks/entities.py [--corpus DIR] [--processes 1 2] [--limit N] [--json OUT]
    python benchmarks/entities.py --reindex [--workers 2]      # end to end, as users index
    python benchmarks/entities.py --scores FILE [FILE...]      # quality, rules on and off
    python benchmarks/entities.py --raw [--limit N]            # the bare spaCy pipeline

``--corpus`` defaults to ``../shared/corpus/bbc``. Articles are read like searchsvc
reads them (headline, then blank-line separated paragraphs) and fed to
``annotate_articles``; only extraction is timed (no parsing, no indexing). The model
and the gazetteer are loaded before the clock starts; with 2 processes the workers'
model loading is included in the timing (it is part of what an indexing run pays).

``--reindex`` instead times ``searchsvc reindex --full`` of the corpus with entity
extraction (parsing, chunking, entities, index writing; a fresh temporary index), as
``benchmarks/run.py`` does. Both modes print wall time and the CPU time spent (this
process and its children), so a figure taken on a busy machine can be read as
"paragraphs per CPU-second" too: ``cores x paragraphs/CPU-s`` is the rate on idle cores.

``--raw`` times the bare pipeline on the same paragraphs, one process: the tokenizer
alone, then ``nlp.pipe`` with thinc's default matrix products (blis) and with numpy's
BLAS on one thread (what extraction uses, ``searchsvc.entities.ops``), in tokens and
paragraphs per CPU-second, and checks that both give the same entities.

``--scores`` prints actor/location precision, recall and F1 of labelled files (CoNLL or
marked-up, as ``searchsvc entities --eval``) three ways: all rules, the names list off,
and the model alone (every rule off); and the share of the gold actors and locations
whose text is an ``add`` name of the names list (how much the list can know).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from run import run_measured  # noqa: E402

from searchsvc.entities import annotate_articles, extract, get_nlp  # noqa: E402
from searchsvc.entities.evaluation import evaluate_conll, read_labelled_documents  # noqa: E402
from searchsvc.entities.known_names import lookup  # noqa: E402
from searchsvc.entities.resources import aliases, gazetteer  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "bbc"


def read_articles(corpus: Path, limit: int | None = None) -> list[list[str]]:
    """Return the corpus articles as lists of paragraphs (headline first)."""
    articles: list[list[str]] = []
    for path in sorted(corpus.rglob("*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
        paras = [p for p in paras if p]
        if paras:
            articles.append(paras)
        if limit and len(articles) >= limit:
            break
    return articles


def _cpu_seconds() -> float:
    """Return the CPU seconds used so far by this process and its reaped children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def run(articles: list[list[str]], n_process: int) -> dict[str, float]:
    """Annotate all articles with ``n_process`` processes; return timing figures."""
    n_par = sum(len(a) for a in articles)
    n_words = sum(len(p.split()) for a in articles for p in a)
    n_ents = 0
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    for result in annotate_articles(iter(articles), batch_size=256, n_process=n_process):
        n_ents += sum(len(p) for p in result)
    dt = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    return {
        "processes": n_process,
        "articles": len(articles),
        "words": n_words,
        "entities": n_ents,
        **_rates(n_par, dt, cpu),
        "words_per_sec": round(n_words / dt, 0),
    }


def _rates(paragraphs: int, wall: float, cpu: float) -> dict[str, float]:
    """Return the paragraph count, wall and CPU seconds and the rates per second of each."""
    return {
        "paragraphs": paragraphs,
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "paragraphs_per_sec": round(paragraphs / wall, 1),
        "paragraphs_per_cpu_sec": round(paragraphs / cpu, 1) if cpu else 0.0,
    }


def reindex(corpus: Path, workers: int) -> dict[str, Any]:
    """Index ``corpus`` from scratch with entities via the CLI; return timing figures."""
    from searchsvc.engines.whoosh.storage import IndexLocation

    work = Path(tempfile.mkdtemp(prefix="bench-entities-"))
    try:
        cmd = [
            str(Path(sys.executable).parent / "searchsvc"),
            "reindex",
            "--full",
            "--quiet",
            "--workers",
            str(workers),
            "--index",
            str(work / "ix"),
            str(corpus),
        ]
        measured = run_measured(cmd, timeout=3600)
        if measured["rc"] != 0:
            sys.exit("reindex failed")
        docs = IndexLocation(work / "ix").stats().documents
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "workers": workers,
        **_rates(docs, measured["wall"], measured["cpu"]),
        "peak_rss": measured["peak_rss"],
    }


def raw_pipe(articles: list[list[str]]) -> list[dict[str, Any]]:
    """Time the tokenizer and ``nlp.pipe`` (blis, then numpy BLAS) on the paragraphs."""
    import spacy

    from searchsvc.entities.extract import model_path
    from searchsvc.entities.ops import one_blas_thread, use_blas_ops

    paragraphs = [p for a in articles for p in a]
    nlp = spacy.load(model_path())
    rows = []

    def timed(label: str, work: Any) -> Any:
        work(paragraphs[:20])  # warm up
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        result, tokens = work(paragraphs)
        cpu = time.process_time() - cpu0
        rows.append(
            {
                "step": label,
                "tokens": tokens,
                "tokens_per_cpu_sec": round(tokens / cpu),
                **_rates(len(paragraphs), time.perf_counter() - t0, cpu),
            }
        )
        return result

    def tokenize(texts: list[str]) -> tuple[None, int]:
        return None, sum(len(d) for d in nlp.tokenizer.pipe(texts))

    def pipe(texts: list[str]) -> tuple[list[list[tuple[int, int, str]]], int]:
        docs = list(nlp.pipe(texts, batch_size=64))
        ents = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs]
        return ents, sum(len(d) for d in docs)

    timed("tokenizer", tokenize)
    blis = timed("nlp.pipe, blis", pipe)
    use_blas_ops(nlp)
    with one_blas_thread():
        blas = timed("nlp.pipe, numpy BLAS 1 thread", pipe)
    if blas != blis:
        print("WARNING: the two backends found different entities")
    return rows


def list_coverage(path: Path) -> float:
    """Return the share of gold actors/locations of ``path`` that are ``add`` names."""
    gold = [
        (text[a:b], lab) for text, spans in read_labelled_documents(path) for a, b, lab in spans
    ]
    listed = 0
    for surface, label in gold:
        name = lookup(surface)
        if name is not None and name.add and extract.LABELS.get(name.label) == label:
            listed += 1
    return listed / len(gold) if gold else 0.0


def scores(paths: list[Path]) -> list[dict[str, Any]]:
    """Score each file with all rules, without the names list and with no rule at all."""
    settings = {
        "all rules": {},
        "names list off": {"names": False},
        "model only": dict.fromkeys(extract.RULES, False),
    }
    saved = dict(extract.RULES)
    rows = []
    try:
        for path in paths:
            for setting, off in settings.items():
                extract.RULES.update(saved)
                extract.RULES.update(off)
                r = evaluate_conll(path)
                rows.append({"file": str(path), "setting": setting, **r})
            rows[-1]["list_coverage"] = list_coverage(path)
    finally:
        extract.RULES.update(saved)
    return rows


def _report(out: Path | None, key: str, figures: Any, lines: list[str]) -> None:
    """Print ``lines`` and, if ``out`` is given, write ``{key: figures}`` there as JSON."""
    for line in lines:
        print(line)
    if out is not None:
        out.write_text(json.dumps({key: figures}, indent=2))


def main() -> None:
    """Print paragraphs/s (wall and per CPU-second) for each requested setting."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--limit", type=int, default=None, help="use only the first N articles")
    ap.add_argument("--reindex", action="store_true", help="time `searchsvc reindex` instead")
    ap.add_argument("--workers", type=int, default=2, help="reindex worker processes")
    ap.add_argument("--scores", type=Path, nargs="+", default=None, help="labelled files")
    ap.add_argument("--raw", action="store_true", help="time the bare spaCy pipeline")
    ap.add_argument("--json", type=Path, default=None, help="also write results here")
    args = ap.parse_args()
    if args.scores:
        rows = scores(args.scores)
        print(f"{'file':44} {'setting':15} {'actor P / R / F1':>22} {'location P / R / F1':>22}")
        for r in rows:
            print(
                f"{r['file'][-44:]:44} {r['setting']:15} "
                f"{r['actor_precision']:.3f} / {r['actor_recall']:.3f} / {r['actor_f1']:.3f}  "
                f"{r['location_precision']:.3f} / {r['location_recall']:.3f} / "
                f"{r['location_f1']:.3f}"
            )
            if "list_coverage" in r:
                print(
                    f"{'':44} gold actors/locations that are listed names: {r['list_coverage']:.1%}"
                )
        if args.json:
            args.json.write_text(json.dumps({"scores": rows}, indent=2))
        return
    if not args.corpus.is_dir():
        sys.exit(f"corpus not found: {args.corpus}")
    if args.reindex:
        r = reindex(args.corpus, args.workers)
        line = (
            f"reindex --full with entities, {r['workers']} workers: {r['paragraphs']} paragraphs "
            f"in {r['seconds']} s = {r['paragraphs_per_sec']} paragraphs/s; "
            f"{r['cpu_seconds']} CPU-s = {r['paragraphs_per_cpu_sec']} paragraphs/CPU-s"
        )
        _report(args.json, "reindex", r, [line])
        return
    articles = read_articles(args.corpus, args.limit)
    if args.raw:
        rows = raw_pipe(articles)
        lines = [
            f"{r['step']:32} {r['tokens_per_cpu_sec']:>8,} tokens/CPU-s "
            f"{r['paragraphs_per_cpu_sec']:>8} paragraphs/CPU-s ({r['paragraphs']} paragraphs, "
            f"{r['cpu_seconds']} CPU-s, {r['seconds']} s)"
            for r in rows
        ]
        _report(args.json, "raw", rows, lines)
        return
    t0 = time.perf_counter()
    get_nlp()
    load = time.perf_counter() - t0
    gazetteer()
    aliases()
    print(f"model loaded in {load:.2f} s; {len(articles)} articles")
    results = []
    for n in args.processes:
        r = run(articles, n)
        results.append(r)
        print(
            f"{n} process(es): {r['paragraphs']} paragraphs ({r['words']} words) in "
            f"{r['seconds']} s = {r['paragraphs_per_sec']} paragraphs/s, "
            f"{r['words_per_sec']:.0f} words/s; {r['cpu_seconds']} CPU-s = "
            f"{r['paragraphs_per_cpu_sec']} paragraphs/CPU-s; {r['entities']} entities"
        )
    if args.json:
        args.json.write_text(json.dumps({"load_seconds": load, "runs": results}, indent=2))


if __name__ == "__main__":
    main()
