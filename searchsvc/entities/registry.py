"""The archive's name registry: the actor names of every indexed file, kept beside the
index, so that each paragraph is stored with its names resolved across the whole archive
(``searchsvc.entities.names``), however the archive was built up.

It is a small SQLite file (``names.sqlite``) that only the indexer reads and writes,
under the reindex lock; it holds no engine data, so any engine's index can have one.
For each file: its change-detection key and, per actor name the extractor gave it, how
many paragraphs name it (as a person, as an organisation), the other actors named beside
it, and the canonical name the index was last given for it there (``written``).

Resolution depends on the counts of the whole archive, so adding or removing a file can
change the canonical name of names in other files (a first "Andrew Johnson" makes a lone
"Johnson" ambiguous again): ``stale_paths`` names the files whose stored names no longer
match, for the indexer to write again.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from searchsvc.entities.names import (
    MAX_COMPANIONS,
    NameCount,
    first_word,
    group_of,
    is_person,
    resolve_group,
    shared_companions,
)
from searchsvc.entities.normalize import name_key
from searchsvc.models import Paragraph

REGISTRY_FILE = "names.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS names (
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    grp TEXT NOT NULL,
    paragraphs INTEGER NOT NULL,
    person INTEGER NOT NULL,
    organisation INTEGER NOT NULL,
    companions TEXT NOT NULL,
    written TEXT,
    PRIMARY KEY (path, name)
);
CREATE INDEX IF NOT EXISTS names_by_group ON names (grp);
"""


class NameRegistry:
    """The registry file at ``path`` (created when missing), with the archive's totals
    per name held in memory. Changes are durable at ``commit``."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path is not None else None
        self.existed = self.path is not None and self.path.exists()
        where = str(self.path) if self.path is not None else ":memory:"
        self._db = sqlite3.connect(where, isolation_level="DEFERRED")
        self._db.executescript(_SCHEMA)
        self._totals: dict[str, NameCount] = {}
        self._groups: dict[str, set[str]] = {}
        self._first_words: Counter[str] = Counter()
        self._companions: dict[str, dict[str, list[frozenset[str]]]] = {}
        self._resolved: dict[str, dict[str, str]] = {}
        self._touched: set[str] = set()
        rows = self._db.execute(
            "SELECT name, SUM(paragraphs), SUM(person), SUM(organisation) FROM names GROUP BY name"
        )
        for name, paragraphs, person, organisation in rows:
            self._count(NameCount(name, paragraphs, person, organisation), +1)
        self._touched.clear()

    def keys(self) -> dict[str, str]:
        """Return ``{path: change-detection key}`` of every file the registry holds."""
        return dict(self._db.execute("SELECT path, key FROM files"))

    def record(self, path: str, key: str, counts: Iterable[NameCount]) -> None:
        """Replace what the registry holds for the file ``path`` with its names now."""
        self.forget(path)
        self._db.execute("INSERT INTO files (path, key) VALUES (?, ?)", (path, key))
        counts = list(counts)
        self._insert(path, counts)
        for count in counts:
            self._count(count, +1)

    def _insert(self, path: str, counts: list[NameCount]) -> None:
        """Store new rows of the file ``path`` (the totals are counted by the caller)."""
        self._db.executemany(
            "INSERT INTO names (path, name, grp, paragraphs, person, organisation, "
            "companions) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    path,
                    count.name,
                    group_of(count.name),
                    count.paragraphs,
                    count.person,
                    count.organisation,
                    json.dumps(sorted(count.companions), ensure_ascii=False),
                )
                for count in counts
            ],
        )

    def key_of(self, path: str) -> str | None:
        """Return the change-detection key the registry holds for ``path``, if any."""
        row = self._db.execute("SELECT key FROM files WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def add(self, path: str, key: str, counts: Iterable[NameCount]) -> None:
        """Add the names of more of the file ``path`` (one article, say) to what the
        registry holds for it: counts add up, companions join (at most
        ``MAX_COMPANIONS``). A large file is so registered as it is read."""
        self._db.execute("INSERT OR REPLACE INTO files (path, key) VALUES (?, ?)", (path, key))
        for count in counts:
            row = self._db.execute(
                "SELECT companions FROM names WHERE path = ? AND name = ?", (path, count.name)
            ).fetchone()
            if row is None:
                self._insert(path, [count])
            else:
                joined = sorted(set(json.loads(row[0])) | count.companions)[:MAX_COMPANIONS]
                self._db.execute(
                    "UPDATE names SET paragraphs = paragraphs + ?, person = person + ?, "
                    "organisation = organisation + ?, companions = ? "
                    "WHERE path = ? AND name = ?",
                    (
                        count.paragraphs,
                        count.person,
                        count.organisation,
                        json.dumps(joined, ensure_ascii=False),
                        path,
                        count.name,
                    ),
                )
            self._count(count, +1)

    def forget(self, path: str) -> None:
        """Remove the file ``path`` and its names from the registry."""
        rows = self._db.execute(
            "SELECT name, paragraphs, person, organisation FROM names WHERE path = ?", (path,)
        ).fetchall()
        for row in rows:
            self._count(NameCount(*row), -1)
        self._db.execute("DELETE FROM names WHERE path = ?", (path,))
        self._db.execute("DELETE FROM files WHERE path = ?", (path,))

    def canonical(self, name: str) -> str:
        """Return the canonical name of ``name`` given the whole archive."""
        group = group_of(name)
        resolved = self._resolved.get(group)
        if resolved is None:
            members = self._groups.get(group, ())
            resolved = resolve_group(
                [self._totals[n] for n in members], self._first_words, self._shared
            )
            self._resolved[group] = resolved
        return resolved.get(name, name)

    def resolve(self, path: str, paragraphs: Iterable[Paragraph]) -> None:
        """Give each paragraph of the file ``path`` (recorded before) its actors'
        canonical names, and remember them as what the index holds for that file."""
        written: dict[str, str] = {}
        for paragraph in paragraphs:
            names: dict[str, None] = {}
            for name in paragraph.actors:
                canonical = written.get(name)
                if canonical is None:
                    canonical = written[name] = self.canonical(name)
                names.setdefault(canonical, None)
            paragraph.actors = list(names)
        self._db.executemany(
            "UPDATE names SET written = ? WHERE path = ? AND name = ?",
            [(canonical, path, name) for name, canonical in written.items()],
        )

    def stale_paths(self) -> list[str]:
        """Return the files holding a name whose canonical name changed since the index
        was given it there (only names of groups changed since the registry was
        opened can have changed)."""
        stale: set[str] = set()
        for group in sorted(self._touched):
            rows = self._db.execute(
                "SELECT path, name, written FROM names WHERE grp = ? AND written IS NOT NULL",
                (group,),
            )
            for path, name, written in rows:
                if path not in stale and self.canonical(name) != written:
                    stale.add(path)
        return sorted(stale)

    def commit(self) -> None:
        """Make the changes so far durable."""
        self._db.commit()

    def close(self) -> None:
        """Close the file; uncommitted changes are dropped."""
        self._db.close()

    def _count(self, count: NameCount, sign: int) -> None:
        """Add (``sign`` +1) or remove (-1) one file's counts of a name to the totals."""
        group = group_of(count.name)
        total = self._totals.get(count.name)
        if total is None:
            total = self._totals[count.name] = NameCount(count.name)
            self._groups.setdefault(group, set()).add(count.name)
        was_person = is_person(total)
        total.paragraphs += sign * count.paragraphs
        total.person += sign * count.person
        total.organisation += sign * count.organisation
        if total.paragraphs <= 0:
            del self._totals[count.name]
            members = self._groups[group]
            members.discard(count.name)
            if not members:
                del self._groups[group]
        self._changed(group)
        first = first_word(count.name)
        now_person = total.paragraphs > 0 and is_person(total)
        if first is not None and was_person != now_person:
            # a one-word name equal to this first word may now be, or no longer be, one
            self._first_words[first] += 1 if now_person else -1
            if self._first_words[first] <= 0:
                del self._first_words[first]
            self._changed(first)

    def _changed(self, group: str) -> None:
        """Forget the resolution of a group whose names or counts changed."""
        self._resolved.pop(group, None)
        self._companions.pop(group, None)
        self._touched.add(group)

    def _shared(self, short: str, full: str) -> int:
        """Return the most other actors that an article naming ``short`` and one naming
        ``full`` (of one group, in any of their spellings) both name."""
        exclude = {name_key(short), name_key(full)}
        return max(
            (
                shared_companions(mine - exclude, theirs - exclude)
                for mine in self._companions_of(short)
                for theirs in self._companions_of(full)
            ),
            default=0,
        )

    def _companions_of(self, name: str) -> list[frozenset[str]]:
        """Return, per file naming ``name`` (any of its spellings), the keys of the
        actors named beside it there."""
        group = group_of(name)
        key = name_key(name)
        cached = self._companions.setdefault(group, {})
        found = cached.get(key)
        if found is None:
            rows = self._db.execute("SELECT name, companions FROM names WHERE grp = ?", (group,))
            found = cached[key] = [
                frozenset(json.loads(companions))
                for other, companions in rows
                if name_key(other) == key
            ]
        return found
