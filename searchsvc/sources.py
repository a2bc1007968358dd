"""Finding the article files under the paths a user names."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .parse import EXTENSIONS


@dataclass(frozen=True)
class SourceFile:
    """A file to index, with the signature that tells whether it changed."""

    path: str
    size: int
    mtime_ns: int

    @property
    def key(self) -> str:
        """Return ``path`` plus size and mtime: equal keys mean an unchanged file."""
        return f"{self.path}\t{self.size}\t{self.mtime_ns}"


@dataclass(frozen=True)
class SourceProblem:
    """A path that was named but cannot be indexed, with the reason."""

    path: str
    reason: str


def _stat(path: str) -> SourceFile | SourceProblem:
    try:
        st = os.stat(path)
    except OSError as exc:
        return SourceProblem(path, exc.strerror or str(exc))
    return SourceFile(path, st.st_size, st.st_mtime_ns)


def _walk(root: str) -> Iterator[str]:
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in EXTENSIONS:
                continue
            yield os.path.join(folder, name)


def find_files(paths: Iterable[str]) -> tuple[list[SourceFile], list[SourceProblem]]:
    """Return the article files under ``paths`` (files are taken as named, whatever
    their extension; folders are walked for known extensions, hidden entries skipped),
    each once, sorted, with absolute paths; and the named paths that could not be used.
    """
    found: dict[str, SourceFile] = {}
    problems: list[SourceProblem] = []
    for raw in paths:
        path = os.path.abspath(os.fspath(raw))
        if os.path.isdir(path):
            candidates: Iterable[str] = _walk(path)
        elif os.path.exists(path):
            candidates = [path]
        else:
            problems.append(SourceProblem(path, "no such file or folder"))
            continue
        for candidate in candidates:
            if candidate in found:
                continue
            entry = _stat(candidate)
            if isinstance(entry, SourceProblem):
                problems.append(entry)
            else:
                found[candidate] = entry
    return sorted(found.values(), key=lambda f: f.path), problems
