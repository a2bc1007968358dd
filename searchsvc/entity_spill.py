"""What a reindex run tagged, kept on disk for the run (a temporary SQLite file:
bounded memory whatever the archive's size, removed when the run ends).

- Incremental runs write each article as it comes. A file whose actors' canonical
  names changed after it was written (a full name seen later in the archive) is written
  again at the end of the run: its text is parsed and chunked again, which is cheap, but
  its entities come from here (``put``/``get``) instead of the model, which is most of
  the cost of indexing with entities.
- Full runs, whose index nobody sees before it is published, keep whole articles here
  instead (``put_article``/``articles``) and write each once, when the names of the
  whole archive are known: nothing is written twice.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from .models import Paragraph, Place


class EntitySpill:
    """Actors (as the extractor named them, before archive-wide resolution) and
    places of each paragraph, by paragraph id."""

    def __init__(self, folder: str | Path | None = None):
        self._dir = tempfile.TemporaryDirectory(prefix="searchsvc-entities-", dir=folder)
        self._db = sqlite3.connect(Path(self._dir.name) / "entities.sqlite")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE found (id TEXT PRIMARY KEY, entities BLOB NOT NULL)")
        self._db.execute(
            "CREATE TABLE articles (seq INTEGER PRIMARY KEY, path TEXT NOT NULL, "
            "key TEXT NOT NULL, paragraphs BLOB NOT NULL)"
        )
        self.articles_kept = 0
        self.paragraphs_kept = 0

    def put_article(self, path: str, key: str, paragraphs: Sequence[Paragraph]) -> None:
        """Keep one article's paragraphs (of the file ``path`` with change-detection
        key ``key``) to be written later, after those kept before."""
        self._db.execute(
            "INSERT INTO articles (path, key, paragraphs) VALUES (?, ?, ?)",
            (path, key, pickle.dumps(list(paragraphs), protocol=5)),
        )
        self.articles_kept += 1
        self.paragraphs_kept += len(paragraphs)

    def articles(self) -> Iterator[tuple[str, str, list[Paragraph]]]:
        """Yield (path, key, paragraphs) of every article kept, in the order kept."""
        last = 0
        while True:
            rows = self._db.execute(
                "SELECT seq, path, key, paragraphs FROM articles WHERE seq > ? "
                "ORDER BY seq LIMIT 256",
                (last,),
            ).fetchall()
            if not rows:
                return
            for seq, path, key, blob in rows:
                last = seq
                yield path, key, pickle.loads(blob)

    def put(self, paragraphs: Sequence[Paragraph]) -> None:
        """Keep the actors and places of ``paragraphs`` (replacing any kept before)."""
        self._db.executemany(
            "INSERT OR REPLACE INTO found (id, entities) VALUES (?, ?)",
            [(p.id, pickle.dumps((p.actors, p.locations), protocol=5)) for p in paragraphs],
        )

    def get(self, paragraph_id: str) -> tuple[list[str], list[Place]] | None:
        """Return the actors and places kept for ``paragraph_id``, or None."""
        row = self._db.execute(
            "SELECT entities FROM found WHERE id = ?", (paragraph_id,)
        ).fetchone()
        return pickle.loads(row[0]) if row else None

    def close(self) -> None:
        """Remove the file."""
        self._db.close()
        self._dir.cleanup()
