"""Shared fixtures: small articles written for the tests, and the shared corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEARCHSVC_SHARED", REPO.parent / "shared"))
EXAMPLES = REPO / "examples" / "articles"


def shared_path(*parts: str) -> Path:
    """Return a path under ../shared, or skip the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"shared data not found at {path} (tests using ../shared need it beside the repo)"
        )
    return path


@contextmanager
def hold_index_lock(index_dir: Path, seconds: int = 60) -> Iterator[subprocess.Popen]:
    """Hold the reindex lock of ``index_dir`` in another process for the block; yield
    that process (its pid is the one a busy reindex must name). It is killed on exit,
    leaving a stale lock file behind, as a crashed reindex would."""
    code = (
        "import time\n"
        "from searchsvc.engines.whoosh.storage import IndexLocation\n"
        f"with IndexLocation({str(index_dir)!r}).lock():\n"
        "    print('locked', flush=True)\n"
        f"    time.sleep({seconds})\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait()


SEED_LIKE = """Ministers meet in Ankara for ceasefire talks

-----

Foreign ministers from Turkey and Egypt met in Ankara on Monday to discuss a ceasefire in Gaza.
He added:
The talks will continue in Cairo next week, officials said.

Share this article
"""

BLANK_LINE_STYLE = """Oil prices rise as Opec cuts output

Oil prices rose sharply on Monday after Opec agreed to cut production by a million barrels a day.

Analysts in London said the move would push petrol prices higher across Europe.

"It is a clear signal," said one trader.
"""


@pytest.fixture
def article_dir(tmp_path: Path) -> Path:
    """Return a folder of small articles in every supported format."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ankara.txt").write_text(SEED_LIKE, "utf-8")
    (folder / "opec.txt").write_text(BLANK_LINE_STYLE, "utf-8")
    (folder / "latin1.txt").write_bytes(
        "Pound falls against the euro\n\nThe pound fell to £0.85 against the euro in "
        "trading in London, its lowest level this year.\n".encode("latin-1")
    )
    (folder / "page.html").write_text(
        "<html><head><title>Election results in Lisbon | Daily Example</title>"
        '<meta property="og:site_name" content="Daily Example">'
        '<meta property="article:published_time" content="2024-01-30T10:00:00Z">'
        '<link rel="canonical" href="https://daily.example/lisbon-election"></head>'
        "<body><nav><a href='/'>Home</a></nav><article><h1>Election results in Lisbon</h1>"
        "<p>Voters in Lisbon gave the Socialist Party a narrow lead in Sunday's municipal "
        "election, according to official results published on Monday.</p>"
        "<p>Turnout was the highest in a decade, the electoral commission said, with "
        "queues reported at polling stations across Portugal.</p></article>"
        "<footer>All rights reserved</footer></body></html>",
        "utf-8",
    )
    (folder / "feed.jsonl").write_text(
        '{"title": "Floods hit Valencia", "date": "2024-10-30", "source": "Wire", '
        '"text": "Heavy rain caused flash floods across the Valencia region of Spain on '
        'Tuesday, officials said."}\n'
        '{"title": "Markets calm in Tokyo", "text": "Share prices in Tokyo were little '
        'changed on Wednesday as investors waited for the central bank decision."}\n',
        "utf-8",
    )
    return folder
