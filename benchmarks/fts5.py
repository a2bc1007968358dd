"""The same paragraphs and query mix in SQLite FTS5: the yardstick beside our numbers.

Layout: an FTS5 table ``para(title, text, actors, locations)`` (porter stemming,
diacritics folded, title weighted 2 in bm25) whose rowid keys a side table
``meta(rowid, source, date)`` and two link tables ``actor(rowid, name)`` and
``location(rowid, name)`` for filters and facet counts (``GROUP BY``).

Each search does what ours does: the total count, one page of hits ranked by bm25 (or
by date), a ``snippet()`` per hit, and the top-10 actors, locations and sources of the
whole match set. Query translation (``to_match``): words are ANDed, ``"phrases"`` and
``OR`` and ``prefix*`` are native; ``actor:"x"`` becomes a column filter; ``word~``
(no fuzzy search in FTS5) becomes an OR of the vocabulary terms within two edits of it
that share its first letter, found through an ``fts5vocab`` table - roughly what
Whoosh's FuzzyTerm does.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from queries import BenchQuery

from searchsvc.models import Paragraph

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_FIELDED = re.compile(r'(actor|location):"([^"]*)"')


def build(db_path: Path, paragraphs: Iterable[Paragraph]) -> dict[str, float]:
    """Create the FTS5 database at ``db_path`` from ``paragraphs``; return the load
    figures (``seconds``, ``paragraphs``, ``bytes``)."""
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    con = sqlite3.connect(db_path)
    con.executescript(
        """
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE VIRTUAL TABLE para USING fts5(
            title, text, actors, locations,
            tokenize = 'porter unicode61 remove_diacritics 2');
        CREATE TABLE meta(rowid INTEGER PRIMARY KEY, source TEXT, date TEXT);
        CREATE TABLE actor(rowid INTEGER, name TEXT);
        CREATE TABLE location(rowid INTEGER, name TEXT);
        """
    )
    count = 0
    batch: list[Paragraph] = []

    def flush() -> None:
        base = count - len(batch)
        con.executemany(
            "INSERT INTO para(rowid, title, text, actors, locations) VALUES (?,?,?,?,?)",
            [
                (
                    base + i,
                    p.title,
                    p.text,
                    " ; ".join(p.actors),
                    " ; ".join(x.name for x in p.locations),
                )
                for i, p in enumerate(batch)
            ],
        )
        con.executemany(
            "INSERT INTO meta VALUES (?,?,?)",
            [(base + i, p.source, p.date) for i, p in enumerate(batch)],
        )
        con.executemany(
            "INSERT INTO actor VALUES (?,?)",
            [(base + i, a) for i, p in enumerate(batch) for a in p.actors],
        )
        con.executemany(
            "INSERT INTO location VALUES (?,?)",
            [(base + i, x.name) for i, p in enumerate(batch) for x in p.locations],
        )
        batch.clear()

    for paragraph in paragraphs:
        batch.append(paragraph)
        count += 1
        if len(batch) >= 5000:
            flush()
    flush()
    con.executescript(
        """
        CREATE INDEX actor_name ON actor(name, rowid);
        CREATE INDEX actor_row ON actor(rowid);
        CREATE INDEX location_name ON location(name, rowid);
        CREATE INDEX location_row ON location(rowid);
        CREATE INDEX meta_date ON meta(date);
        CREATE INDEX meta_source ON meta(source);
        CREATE VIRTUAL TABLE vocab USING fts5vocab(para, row);
        INSERT INTO para(para) VALUES('optimize');
        """
    )
    con.commit()
    con.close()
    return {
        "seconds": time.perf_counter() - started,
        "paragraphs": count,
        "bytes": db_path.stat().st_size,
    }


def _edits_within(a: str, b: str, limit: int) -> bool:
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


class Fts5Searcher:
    """Runs ``BenchQuery`` searches against a database made by ``build``."""

    def __init__(self, db_path: Path):
        self.con = sqlite3.connect(db_path, check_same_thread=False)
        self._vocab: dict[str, list[str]] | None = None

    def close(self) -> None:
        """Close the database."""
        self.con.close()

    def _terms_starting(self, letter: str) -> list[str]:
        """Return the vocabulary's alphabetic terms starting with ``letter``, read
        once and kept (an fts5vocab scan is not range-limited)."""
        if self._vocab is None:
            self._vocab = {}
            for (term,) in self.con.execute("SELECT term FROM vocab"):
                if term.isalpha():
                    self._vocab.setdefault(term[0], []).append(term)
        return self._vocab.get(letter, [])

    def _fuzzy(self, word: str) -> str:
        word = word.lower()
        near = [t for t in self._terms_starting(word[:1]) if _edits_within(word, t, 2)][:50]
        return "(" + " OR ".join(near) + ")" if near else f'"{word}"'

    def to_match(self, q: str) -> str:
        """Return the FTS5 MATCH expression for a query in searchsvc's language."""
        parts: list[str] = []
        for kind, name in _FIELDED.findall(q):
            column = "actors" if kind == "actor" else "locations"
            words = " ".join(_TOKEN.findall(name))
            parts.append(f'{column} : "{words}"')
        rest = _FIELDED.sub(" ", q)
        for phrase in re.findall(r'"([^"]*)"', rest):
            parts.append('"' + " ".join(_TOKEN.findall(phrase)) + '"')
        rest = re.sub(r'"[^"]*"', " ", rest)
        for token in rest.split():
            if token == "OR":
                parts.append("OR")
            elif token.endswith("~"):
                parts.append(self._fuzzy(token[:-1]))
            elif token.endswith("*") and _TOKEN.fullmatch(token[:-1]):
                parts.append(token.lower())
            else:
                words = _TOKEN.findall(token)
                if words:
                    parts.append('"' + " ".join(words).lower() + '"')
        while parts and parts[0] == "OR":
            parts.pop(0)
        while parts and parts[-1] == "OR":
            parts.pop()
        return " ".join(parts) or '""'

    def search(self, query: BenchQuery, page: int = 1, per_page: int = 10) -> dict[str, Any]:
        """Return {total, hits, facets} for ``query`` on ``page``: ranked hits with
        snippets, and top-10 actor, location and source counts over all matches."""
        match = self.to_match(query.q)
        where = ["para MATCH ?"]
        args: list[Any] = [match]
        for name in query.actors:
            where.append("para.rowid IN (SELECT rowid FROM actor WHERE name = ?)")
            args.append(name)
        for name in query.locations:
            where.append("para.rowid IN (SELECT rowid FROM location WHERE name = ?)")
            args.append(name)
        if query.sources:
            where.append(f"meta.source IN ({','.join('?' * len(query.sources))})")
            args += query.sources
        if query.date_from:
            where.append("meta.date >= ?")
            args.append(query.date_from)
        if query.date_to:
            where.append("meta.date <= ?")
            args.append(query.date_to + "-12-31" if len(query.date_to) == 4 else query.date_to)
        cond = " AND ".join(where)
        base = f"FROM para JOIN meta ON meta.rowid = para.rowid WHERE {cond}"
        order = {
            "newest": "meta.date DESC",
            "oldest": "meta.date ASC",
        }.get(query.sort, "bm25(para, 2.0, 1.0, 1.0, 1.0)")
        con = self.con
        try:
            total = con.execute(f"SELECT count(*) {base}", args).fetchone()[0]
            hits = con.execute(
                f"SELECT para.rowid, snippet(para, 1, '<mark>', '</mark>', '…', 40), "
                f"meta.date {base} ORDER BY {order} LIMIT ? OFFSET ?",
                [*args, per_page, (page - 1) * per_page],
            ).fetchall()
            matched = f"SELECT para.rowid {base}"
            facets = {
                "actors": con.execute(
                    f"SELECT name, count(*) c FROM actor WHERE rowid IN ({matched}) "
                    "GROUP BY name ORDER BY c DESC LIMIT 10",
                    args,
                ).fetchall(),
                "locations": con.execute(
                    f"SELECT name, count(*) c FROM location WHERE rowid IN ({matched}) "
                    "GROUP BY name ORDER BY c DESC LIMIT 10",
                    args,
                ).fetchall(),
                "sources": con.execute(
                    f"SELECT meta.source, count(*) c {base} GROUP BY meta.source "
                    "ORDER BY c DESC LIMIT 10",
                    args,
                ).fetchall(),
            }
        except sqlite3.OperationalError as exc:  # an expression FTS5 cannot parse
            return {"total": 0, "hits": [], "facets": {}, "error": str(exc)}
        return {"total": total, "hits": hits, "facets": facets}
