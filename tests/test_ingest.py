"""Ingest by articles: files cut into pieces (JSON Lines streamed record by record),
pieces spread over the workers in batches, outcomes written in file order, incremental
commits only between files, progress in articles, paragraphs and bytes."""

from __future__ import annotations

import contextlib
import json
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchsvc import indexer
from searchsvc.engine import IndexMeta, WriteTotals
from searchsvc.errors import ParseError
from searchsvc.parse import article_id, iter_pieces, parse_bytes, parse_file, pieces
from searchsvc.workers import ordered_map, start_pool

# --- a recording engine: what the indexer asks of an engine, in order ------------------


class RecordingWriter:
    """An in-memory IndexWriter that logs every call and applies them at commit."""

    def __init__(self, store: dict[str, tuple[str, list[dict]]], incremental: bool):
        self.store = store
        self.incremental = incremental
        self.log: list[tuple] = []
        self._pending: list[tuple] = []

    def meta(self) -> IndexMeta:
        return IndexMeta()

    def source_keys(self) -> dict[str, str]:
        return {path: key for path, (key, _) in self.store.items()} if self.incremental else {}

    def state_file(self, name: str) -> None:
        return None  # keeps no name registry: names resolved per run

    def expect(self, files: int, size: int) -> None:
        self.log.append(("expect", files, size))

    def add(self, paragraphs, source_key: str) -> int:
        docs = [
            {"id": p.id, "article_id": p.article_id, "text": p.text, "path": p.path}
            | {"actors": list(p.actors), "locations": [x.name for x in p.locations]}
            for p in paragraphs
        ]
        self.log.append(("add", source_key.split("\t")[0], len(docs)))
        self._pending.append(("add", source_key, docs))
        return len(docs)

    def delete_path(self, path: str) -> None:
        self.log.append(("delete", path))
        self._pending.append(("delete", path))

    def commit(self) -> None:
        self.log.append(("commit",))
        for op in self._pending:
            if op[0] == "delete":
                self.store.pop(op[1], None)
            else:
                path = op[1].split("\t")[0]
                old = self.store.get(path, (op[1], []))[1]
                self.store[path] = (op[1], old + op[2])
        self._pending = []

    def publish(self, meta: IndexMeta) -> WriteTotals:
        self.commit()
        docs = sum(len(d) for _, d in self.store.values())
        return WriteTotals(docs, 0)

    def rejected(self) -> list:
        return []

    def cancel(self) -> None:
        self.log.append(("cancel",))


class RecordingEngine:
    """An Engine whose writers record; ``store`` is the 'index' (path -> key, docs)."""

    location = "memory"

    def __init__(self) -> None:
        self.store: dict[str, tuple[str, list[dict]]] = {}
        self.writers: list[RecordingWriter] = []

    def exists(self) -> bool:
        return bool(self.store)

    @contextlib.contextmanager
    def lock(self, wait: float = 0.0, *, shard=None) -> Iterator[None]:
        yield

    def begin(self, full: bool, *, workers: int = 1, build=None, shard=None) -> RecordingWriter:
        if full:
            self.store = {}
        writer = RecordingWriter(self.store, incremental=not full and bool(self.store))
        self.writers.append(writer)
        return writer

    def documents(self) -> list[dict]:
        return [doc for path in sorted(self.store) for doc in self.store[path][1]]


def _records(n: int, tag: str = "", start: int = 0) -> list[str]:
    return [
        json.dumps(
            {
                "title": f"Harbour report {i}",
                "text": f"Harbour pilots in report {i} {tag} said the quay fees in Port "
                f"Alden would rise again next spring.\n\nThe second paragraph of report "
                f"{i} says the committee meets again on Tuesday.",
            }
        )
        for i in range(start, start + n)
    ]


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _corpus(folder: Path) -> Path:
    """A JSON Lines file of 150 records with two bad lines, a JSON list, pages."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = _records(150)
    lines.insert(40, "{broken")
    lines.insert(90, '{"title": "no text here"}')
    _write_lines(folder / "b-feed.jsonl", lines)
    (folder / "c-list.json").write_text("[" + ",".join(_records(3, start=500)) + "]", "utf-8")
    for n in range(12):
        (folder / f"d-page-{n:02d}.txt").write_text(
            f"Quay fees {n}\n\nThe harbour board in Port Alden met on Monday about fee {n}, "
            "officials said.\n\nA second paragraph says the vote is due next week.\n",
            "utf-8",
        )
    (folder / "e-empty.txt").write_text("")
    return folder


# --- reading: JSON Lines streamed with bounded memory -----------------------------------


def test_json_lines_are_read_one_record_at_a_time(tmp_path):
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as fh:
        for line in _records(20_000):
            fh.write(line + "\n")
    size = big.stat().st_size
    tracemalloc.start()
    try:
        count = sum(1 for piece in iter_pieces(big) if piece.kind == "line")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert size > 4 * 2**20 and peak < 256 * 1024, (size, peak)


def test_record_over_the_limit_is_skipped_without_being_held(tmp_path, monkeypatch):
    monkeypatch.setattr(pieces, "MAX_ARTICLE_BYTES", 100_000)
    lines = _records(3)
    lines.insert(1, json.dumps({"title": "huge", "text": "word " * 60_000}))
    path = _write_lines(tmp_path / "feed.jsonl", lines)
    tracemalloc.start()
    try:
        found = [(p.kind, p.number) for p in iter_pieces(path)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == [("line", 1), ("problem", 2), ("line", 3), ("line", 4)]
    assert peak < 250_000  # the 300 kB line is never read whole
    parsed = parse_file(path)
    assert [a.title for a in parsed.articles] == [f"Harbour report {n}" for n in range(3)]
    assert parsed.problems == ["line 2: the record is 293 kB, over the 98 kB limit"]


def test_line_numbers_count_every_line_of_the_file(tmp_path):
    data = b"\n\n" + _records(1)[0].encode() + b"\r\n\n{broken\r\n"
    parsed = parse_bytes(data, "feed.jsonl")
    assert len(parsed.articles) == 1
    assert parsed.problems[0].startswith("line 5: malformed JSON")


def test_a_line_separator_inside_a_json_string_does_not_split_the_record():
    record = {"title": "Sep", "text": "First part\u2028still the same record, said officials."}
    data = (json.dumps(record, ensure_ascii=False) + "\n" + _records(1)[0] + "\n").encode()
    parsed = parse_bytes(data, "feed.jsonl")
    assert [a.title for a in parsed.articles] == ["Sep", "Harbour report 0"]
    assert parsed.problems == []


def test_utf16_json_lines_are_decoded_as_they_are_read(tmp_path):
    text = "\n".join(_records(2, tag="Erdoğan")) + "\n"
    path = tmp_path / "wide.jsonl"
    path.write_bytes(text.encode("utf-16"))
    parsed = parse_file(path)
    assert len(parsed.articles) == 2 and parsed.problems == []
    assert "Erdoğan" in parsed.articles[1].paragraphs[0]


def test_big_json_file_of_one_record_per_line_is_streamed(tmp_path, monkeypatch):
    monkeypatch.setattr(pieces, "MAX_ARTICLE_BYTES", 2000)
    path = _write_lines(tmp_path / "dump.json", _records(20))
    assert path.stat().st_size > 2000
    assert len(parse_file(path).articles) == 20


def test_big_json_document_is_refused_with_the_way_out(tmp_path, monkeypatch):
    monkeypatch.setattr(pieces, "MAX_ARTICLE_BYTES", 2000)
    path = tmp_path / "dump.json"
    path.write_text(json.dumps([json.loads(r) for r in _records(20)], indent=1), "utf-8")
    with pytest.raises(
        ParseError, match=r"over the 2 kB limit \(a JSON file is read whole.*JSON Lines"
    ):
        parse_file(path)


def test_json_list_records_are_named_by_number():
    data = json.dumps([json.loads(_records(1)[0]), {"title": "x"}, 5]).encode()
    parsed = parse_bytes(data, "/data/list.json")
    assert len(parsed.articles) == 1
    assert parsed.articles[0].id == article_id("/data/list.json")  # the only article
    assert parsed.problems[0].startswith("record 2: the record has no text")
    assert parsed.problems[1].startswith("record 3: a record is a JSON int")


def test_only_the_first_records_left_out_are_named_and_all_are_counted(tmp_path, monkeypatch):
    import searchsvc.parse as parse_module

    monkeypatch.setattr(parse_module, "MAX_NAMED_PROBLEMS", 2)
    lines = _records(2) + ["{bad"] * 5
    path = _write_lines(tmp_path / "feed.jsonl", lines)
    report = indexer.reindex([path], RecordingEngine(), entities=False, workers=1)
    reasons = [w.reason for w in report.warnings]
    assert reasons[:2] == [
        "line 3: malformed JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))",
        "line 4: malformed JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))",
    ]
    assert reasons[2] == "3 more records left out (not named here)"
    assert report.records_skipped == 5 and report.articles == 2


# --- the indexer: batches of articles, in file order ------------------------------------


@pytest.mark.slow
def test_jsonl_file_over_the_old_50_mb_file_limit_is_indexed(tmp_path):
    """1,000 records carrying a 60 kB field the reader ignores: 60 MB read record by
    record, split over two workers."""
    path = tmp_path / "dump.jsonl"
    filler = "<div>" + "x" * 60_000 + "</div>"
    with path.open("w", encoding="utf-8") as fh:
        for n in range(1000):
            record = {
                "title": f"Report {n}",
                "text": f"Harbour pilots in report {n} said the quay fees would rise again.",
                "raw_html": filler,
            }
            fh.write(json.dumps(record) + "\n")
    assert path.stat().st_size > 50 * 2**20
    report = indexer.reindex([path], tmp_path / "ix", entities=False, workers=2)
    assert report.skipped == [] and report.warnings == []
    assert report.articles == report.paragraphs == report.documents == 1000


def test_record_over_the_limit_is_named_and_the_rest_indexed(tmp_path, monkeypatch):
    monkeypatch.setattr(pieces, "MAX_ARTICLE_BYTES", 50_000)
    lines = _records(4)
    lines.insert(2, json.dumps({"title": "huge", "text": "word " * 20_000}))
    path = _write_lines(tmp_path / "feed.jsonl", lines)
    report = indexer.reindex([path], tmp_path / "ix", entities=False, workers=2)
    assert report.articles == 4 and report.paragraphs == 8
    assert [(Path(w.path).name, w.reason) for w in report.warnings] == [
        ("feed.jsonl", "line 3: the record is 98 kB, over the 49 kB limit")
    ]
    assert report.records_skipped == 1 and report.skipped == []


@pytest.mark.slow
def test_one_and_two_workers_write_the_same_paragraphs_in_the_same_order(tmp_path, monkeypatch):
    monkeypatch.setattr(indexer, "BATCH_ARTICLES", 8)  # many batches from a small corpus
    corpus = _corpus(tmp_path / "corpus")
    written = []
    for workers in (1, 2):
        engine = RecordingEngine()
        report = indexer.reindex([corpus], engine, entities=True, workers=workers)
        adds = [entry for entry in engine.writers[0].log if entry[0] == "add"]
        written.append((engine.documents(), adds, report.to_dict() | {"elapsed": 0}))
    assert written[0] == written[1]
    docs, adds, report = written[0]
    assert report["articles"] == 150 + 3 + 12 and report["paragraphs"] == 2 * 165
    assert [Path(s["path"]).name for s in report["skipped"]] == ["e-empty.txt"]
    assert [w["reason"][:7] for w in report["warnings"]] == ["line 41", "line 91"]
    assert any(doc["actors"] or doc["locations"] for doc in docs)
    feed = [doc for doc in docs if doc["path"].endswith("b-feed.jsonl")]
    path = feed[0]["path"]
    expected = [article_id(path, n) for n in range(150) for _ in range(2)]
    assert [doc["article_id"] for doc in feed] == expected
    assert feed[0]["id"] == f"{article_id(path, 0)}#1" and feed[1]["id"].endswith("#2")


def test_single_article_file_keeps_the_id_without_a_record_number(tmp_path):
    path = _write_lines(tmp_path / "one.jsonl", ['{"title": "no text"}', *_records(1)])
    engine = RecordingEngine()
    indexer.reindex([path], engine, entities=False, workers=1)
    assert {doc["article_id"] for doc in engine.documents()} == {article_id(str(path))}


def test_incremental_runs_commit_between_files_never_inside_one(tmp_path, monkeypatch):
    monkeypatch.setattr(indexer, "BATCH_ARTICLES", 4)
    monkeypatch.setattr(indexer, "COMMIT_EVERY_FILES", 1)
    monkeypatch.setattr(indexer, "COMMIT_EVERY_PARAGRAPHS", 1)
    corpus = _corpus(tmp_path / "corpus")
    engine = RecordingEngine()
    indexer.reindex([corpus], engine, entities=False, workers=1)
    for path in sorted(corpus.iterdir()):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    indexer.reindex([corpus], engine, entities=False, workers=2)
    log = engine.writers[-1].log
    current = None
    for entry in log:
        if entry[0] == "delete":
            current = entry[1]
        elif entry[0] == "add":
            assert entry[1] == current, f"{entry} written outside its file"
        elif entry[0] == "commit":
            current = None
    commits = [n for n, entry in enumerate(log) if entry[0] == "commit"]
    feed_adds = [n for n, e in enumerate(log) if e[0] == "add" and e[1].endswith("b-feed.jsonl")]
    assert len(feed_adds) == 150  # one add per article, in many batches
    assert not any(feed_adds[0] < c < feed_adds[-1] for c in commits)
    assert len(commits) >= 15  # one after each file (each counts past the thresholds)


def test_progress_counts_articles_paragraphs_and_bytes_within_one_file(tmp_path, monkeypatch):
    monkeypatch.setattr(indexer, "BATCH_ARTICLES", 16)
    path = _write_lines(tmp_path / "feed.jsonl", _records(100))
    plans, seen = [], []
    report = indexer.reindex(
        [path],
        RecordingEngine(),
        entities=False,
        workers=2,
        on_plan=plans.append,
        progress=seen.append,
    )
    size = path.stat().st_size
    assert [(p.files, p.unchanged, p.bytes) for p in plans] == [(1, 0, size)]
    assert len(seen) == 7  # 100 articles in batches of 16
    assert [p.articles for p in seen] == [16, 32, 48, 64, 80, 96, 100]
    assert [p.paragraphs for p in seen] == [2 * p.articles for p in seen]
    assert [p.files_done for p in seen] == [0] * 6 + [1]
    done = [p.bytes_done for p in seen]
    assert done == sorted(done) and 0 < done[0] < size and done[-1] == size
    assert all(p.bytes_total == size and p.files_total == 1 for p in seen)
    assert (report.articles, report.paragraphs) == (100, 200)


def test_reindex_progress_line_counts_articles_and_paragraphs_with_a_rate():
    from searchsvc.cli import _progress_text

    progress = indexer.Progress(3, 1, 1200, 4800, 10_000, 2_500)
    assert _progress_text(progress, 12.0) == "1,200 articles, 4,800 paragraphs, 400 paragraphs/s"
    assert _progress_text(progress, 0.0).endswith(", 0 paragraphs/s")
    writing = indexer.Progress(3, 3, 1200, 4800, 10_000, 10_000, "writing", 2000)
    assert _progress_text(writing, 30.0) == "writing 2,000 of 4,800 paragraphs"


def test_the_pool_holds_a_bounded_number_of_batches_and_answers_in_order():
    pool = start_pool(2)
    taken: list[int] = []

    def items():
        for n in range(60):
            taken.append(n)
            yield -n

    out: list[int] = []
    try:
        for result in ordered_map(abs, items(), pool, in_flight=3):
            assert len(taken) - len(out) <= 3  # never more than 3 handed out unanswered
            out.append(result)
    finally:
        pool.shutdown()
    assert out == list(range(60))


def _square(x: int) -> int:
    return x * x


def _refuse(x: int) -> int:
    raise ParseError(f"no {x}")


def test_run_in_child_returns_the_answer_and_raises_what_the_child_raised():
    from searchsvc.workers import run_in_child

    assert run_in_child(_square, 7) == 49
    with pytest.raises(ParseError, match="no 3"):
        run_in_child(_refuse, 3)


def test_run_in_child_keeps_what_the_call_imports_out_of_this_process():
    import sys

    from searchsvc.workers import run_in_child

    name = "wave"  # a standard module nothing here imports
    if name in sys.modules:
        pytest.skip(f"{name} was imported by an earlier test")
    assert run_in_child(_imports, name) is True
    assert name not in sys.modules


def _imports(name: str) -> bool:
    import importlib
    import sys

    importlib.import_module(name)
    return name in sys.modules
