"""Saved searches and their matches, in an embedded SQLite database.

A saved search is a name and the parameters of a search (query, filters, sort,
collapse: the fields of ``SearchRequest`` a user sets). Its matches are the paragraphs
that alert matching (``searchsvc.alerts``) found among the paragraphs each reindex
added, with what a feed shows of them; ``seen_at`` marks what the user has seen.

Where the database lives: ``SEARCHSVC_SAVED_DB`` when set; else beside a Whoosh index,
``<index folder>/saved-searches.sqlite3``; for an OpenSearch location (which has no
folder), ``$SEARCHSVC_STATE_DIR`` (default ``~/.local/state/searchsvc``) /
``<host>-<port>-<alias>.sqlite3``. Every command takes ``--saved-db`` to choose.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import limits
from .engine import SearchEngine, is_cluster_location
from .errors import BadQuery, Conflict, IndexMissing, NotFound, StoreUnavailable
from .models import SearchRequest
from .query import parse_query
from .request import validate

DB_NAME = "saved-searches.sqlite3"
# The request fields a saved search keeps (what a user sets; never page or ids).
SAVED_FIELDS = (
    "q",
    "actors",
    "locations",
    "sources",
    "date_from",
    "date_to",
    "sort",
    "collapse",
    "expand_locations",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS saved (
    name TEXT PRIMARY KEY,
    params TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    seen_at TEXT
);
CREATE TABLE IF NOT EXISTS matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL REFERENCES saved(name) ON DELETE CASCADE ON UPDATE CASCADE,
    paragraph_id TEXT NOT NULL,
    matched_at TEXT NOT NULL,
    hit TEXT NOT NULL,
    UNIQUE (name, paragraph_id)
);
CREATE INDEX IF NOT EXISTS matches_by_name ON matches (name, id);
CREATE TABLE IF NOT EXISTS problems (
    name TEXT PRIMARY KEY REFERENCES saved(name) ON DELETE CASCADE ON UPDATE CASCADE,
    message TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


@dataclass
class SavedSearch:
    """A named search: ``params`` are the saved ``SearchRequest`` fields; ``new``
    counts matches recorded after ``seen_at``; ``problem`` says why its query could not
    be matched at the last reindex (None when it could)."""

    name: str
    params: dict[str, Any]
    created: str
    updated: str
    seen_at: str | None = None
    new: int = 0
    total: int = 0
    problem: str | None = None

    def request(self, **changes: Any) -> SearchRequest:
        """Return the SearchRequest this search runs (with ``changes`` applied)."""
        return SearchRequest(**{**self.params, **changes})

    def to_dict(self) -> dict[str, Any]:
        """Return the saved search as a JSON-ready dict."""
        return asdict(self)


@dataclass
class SavedMatch:
    """A paragraph a saved search matched after a reindex: ``hit`` is the JSON of the
    ``Hit`` (with its highlight) as recorded."""

    name: str
    paragraph_id: str
    matched_at: str
    hit: dict[str, Any] = field(default_factory=dict)


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid saved-search name; else raise BadQuery."""
    if not isinstance(name, str) or not limits.SAVED_NAME.fullmatch(name):
        raise BadQuery(f"a saved search name is {limits.SAVED_NAME_RULE}")
    return name


def params_of(request: SearchRequest) -> dict[str, Any]:
    """Return the fields of ``request`` a saved search keeps."""
    values = asdict(request)
    return {name: values[name] for name in SAVED_FIELDS}


def problem_of(request: SearchRequest) -> str | None:
    """Return why ``request`` cannot be searched (its limits, dates or query, checked
    without an index), or None when it can."""
    try:
        validate(request)
        parse_query(request.q, request.expand_locations)
    except BadQuery as exc:
        return str(exc)
    return None


def save(
    store: SavedStore, engine: SearchEngine, name: str, request: SearchRequest
) -> SavedSearch:
    """Save ``request`` as ``name`` in ``store`` and return it, after checking that it
    can run now rather than at the next reindex: BadQuery for a bad name, an empty
    search, a query or filter the engine refuses (an index not built yet is no
    reason to refuse)."""
    check_name(name)
    problem = problem_of(request)
    if problem:
        raise BadQuery(problem)
    with suppress(IndexMissing):
        engine.search(replace(request, page=1, per_page=1))
    return store.put(name, request)


def default_path(location: str) -> Path:
    """Return where the saved searches of the index at ``location`` are kept."""
    configured = os.environ.get("SEARCHSVC_SAVED_DB")
    if configured:
        return Path(configured)
    if not is_cluster_location(location):
        return Path(location) / DB_NAME
    parts = urlsplit(location)
    state = Path(os.environ.get("SEARCHSVC_STATE_DIR", Path.home() / ".local/state/searchsvc"))
    alias = (parts.path.strip("/") or "searchsvc").replace("/", "_")
    host = (parts.hostname or "localhost").replace(":", "_")
    return state / f"{host}-{parts.port or 9200}-{alias}.sqlite3"


class SavedStore:
    """The saved-search database at ``path`` (created on first write; thread-safe)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._lock = threading.Lock()

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not write and not self.path.exists():
            yield _EMPTY_DB()
            return
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            message = f"cannot open the saved searches at {self.path}: {exc}"
            raise StoreUnavailable(message) from None
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
            with self._lock, conn:
                yield conn
        except sqlite3.Error as exc:  # locked past the timeout, disk full, damaged file
            raise StoreUnavailable(f"cannot use the saved searches at {self.path}: {exc}") from None
        finally:
            conn.close()

    def put(self, name: str, request: SearchRequest) -> SavedSearch:
        """Save (or replace) ``name`` as ``request``; return it. Raises BadQuery for a
        bad name, an empty search or too many saved searches."""
        check_name(name)
        params = params_of(request)
        if not (request.q.strip() or request.actors or request.locations or request.sources):
            raise BadQuery("nothing to save: give a query (q) or a filter")
        now = _now()
        with self._db(write=True) as db:
            exists = db.execute("SELECT 1 FROM saved WHERE name = ?", (name,)).fetchone()
            if not exists:
                (count,) = db.execute("SELECT COUNT(*) FROM saved").fetchone()
                if count >= limits.MAX_SAVED_SEARCHES:
                    raise BadQuery(f"at most {limits.MAX_SAVED_SEARCHES} saved searches")
                db.execute(
                    "INSERT INTO saved (name, params, created, updated, seen_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (name, json.dumps(params), now, now, now),
                )
            else:
                db.execute(
                    "UPDATE saved SET params = ?, updated = ? WHERE name = ?",
                    (json.dumps(params), now, name),
                )
                db.execute("DELETE FROM problems WHERE name = ?", (name,))
        return self.get(name)

    def get(self, name: str) -> SavedSearch:
        """Return the saved search ``name``; raises NotFound."""
        check_name(name)
        for saved in self._select("WHERE s.name = ?", (name,)):
            return saved
        raise NotFound(f"no saved search {name!r}")

    def list(self) -> list[SavedSearch]:
        """Return every saved search, by name."""
        return self._select("", ())

    def delete(self, name: str) -> None:
        """Delete ``name`` and its matches; raises NotFound."""
        self.get(name)
        with self._db(write=True) as db:
            if not db.execute("DELETE FROM saved WHERE name = ?", (name,)).rowcount:
                raise NotFound(f"no saved search {name!r}")

    def rename(self, name: str, new_name: str) -> SavedSearch:
        """Rename ``name`` to ``new_name`` (matches follow); raises NotFound, BadQuery
        for a bad name, or Conflict when ``new_name`` is taken."""
        self.get(name)
        check_name(new_name)
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM saved WHERE name = ?", (new_name,)).fetchone():
                raise Conflict(f"a saved search {new_name!r} exists already")
            if not db.execute(
                "UPDATE saved SET name = ?, updated = ? WHERE name = ?", (new_name, _now(), name)
            ).rowcount:
                raise NotFound(f"no saved search {name!r}")
        return self.get(new_name)

    def mark_seen(self, name: str) -> None:
        """Mark every match of ``name`` so far as seen."""
        self.get(name)
        with self._db(write=True) as db:
            db.execute("UPDATE saved SET seen_at = ? WHERE name = ?", (_now(), name))

    def record(self, name: str, hits: list[dict[str, Any]]) -> int:
        """Record new matches of ``name`` (hit dicts with an ``id``), skipping ones
        recorded before; return how many were new."""
        now = _now()
        with self._db(write=True) as db:
            inserted = db.executemany(
                "INSERT OR IGNORE INTO matches (name, paragraph_id, matched_at, hit) "
                "VALUES (?, ?, ?, ?)",
                [(name, h["id"], now, json.dumps(h, ensure_ascii=False)) for h in hits],
            ).rowcount
            db.execute("DELETE FROM problems WHERE name = ?", (name,))
        return max(inserted, 0)

    def report_problem(self, name: str, message: str) -> None:
        """Remember why ``name`` could not be matched (shown with the search)."""
        with self._db(write=True) as db:
            db.execute(
                "INSERT OR REPLACE INTO problems (name, message, at) VALUES (?, ?, ?)",
                (name, message, _now()),
            )

    def matches(
        self, name: str | None = None, since: str | None = None, limit: int | None = None
    ) -> list[SavedMatch]:
        """Return recorded matches, newest first: of ``name`` (all when None), recorded
        after ``since`` (an ISO time) when given, at most ``limit``."""
        where, args = [], []
        if name is not None:
            check_name(name)
            where.append("name = ?")
            args.append(name)
        if since is not None:
            where.append("matched_at > ?")
            args.append(since)
        sql = "SELECT name, paragraph_id, matched_at, hit FROM matches"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._db() as db:
            rows = db.execute(sql, args).fetchall()
        return [SavedMatch(n, p, at, json.loads(h)) for n, p, at, h in rows]

    def _select(self, where: str, args: tuple) -> list[SavedSearch]:
        sql = (
            "SELECT s.name, s.params, s.created, s.updated, s.seen_at, "
            "(SELECT COUNT(*) FROM matches m WHERE m.name = s.name "
            " AND m.matched_at > COALESCE(s.seen_at, '')), "
            "(SELECT COUNT(*) FROM matches m WHERE m.name = s.name), "
            "(SELECT message FROM problems p WHERE p.name = s.name) "
            f"FROM saved s {where} ORDER BY s.name"
        )
        with self._db() as db:
            rows = db.execute(sql, args).fetchall()
        known = {f.name for f in fields(SearchRequest)}
        out = []
        for name, params, created, updated, seen, new, total, problem in rows:
            kept = {k: v for k, v in json.loads(params).items() if k in known}
            out.append(SavedSearch(name, kept, created, updated, seen, new, total, problem))
        return out


class _EMPTY_DB:
    """Answers reads of a database that does not exist yet: no rows."""

    def execute(self, *_: Any) -> _EMPTY_DB:
        return self

    def fetchall(self) -> list[Any]:
        return []

    def fetchone(self) -> None:
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
