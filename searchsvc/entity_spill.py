"""The entities of the paragraphs a reindex run tagged, kept on disk for the run.

A file whose actors' canonical names changed after it was written (a full name seen
later in the archive, or later in the same JSON Lines dump) is written again at the
end of the run. Its text is parsed and chunked again, which is cheap, but its entities
come from here instead of the model, which is most of the cost of indexing with
entities. Kept in a temporary SQLite file (bounded memory, whatever the archive's
size), removed when the run ends.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Sequence
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
