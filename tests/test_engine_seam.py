"""The engine seam holds: engine libraries are imported only inside their engine's
package, the Whoosh fixes are applied explicitly and checked, and indexes built before
the seam still open."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from searchsvc.engine import is_cluster_location, open_engine
from searchsvc.models import SearchRequest

PACKAGE = Path(__file__).resolve().parent.parent / "searchsvc"
ENGINE_LIBRARIES = {
    "whoosh": PACKAGE / "engines" / "whoosh",
    "opensearchpy": PACKAGE / "engines" / "opensearch",
}
# Modules that only keep the class paths pickled into indexes built by searchsvc 0.1.
LEGACY_PICKLE_PATHS = {PACKAGE / "schema" / "__init__.py", PACKAGE / "analysis" / "__init__.py"}
LEGACY_INDEX = Path(__file__).parent / "fixtures" / "legacy-index"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_engine_libraries_are_imported_only_inside_their_engine_package():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module in _imported_modules(path):
            top = module.split(".")[0]
            home = ENGINE_LIBRARIES.get(top)
            if home is not None and home not in path.parents:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offenders == []


def test_only_the_legacy_pickle_paths_reach_into_an_engine_package_from_outside():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "engines") in path.parents or path in LEGACY_PICKLE_PATHS:
            continue
        for module in _imported_modules(path):
            if module.startswith("searchsvc.engines."):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
        text = path.read_text("utf-8")
        for needle in ("from .engines.", "from ..engines."):
            if needle in text:
                offenders.append(f"{path.relative_to(PACKAGE)}: {needle}")
    # engine.py's open_engine is the one door to both engines.
    assert offenders == [
        "engine.py: from .engines.",
    ]


def test_importing_the_service_does_not_patch_whoosh():
    code = (
        "import whoosh.codec.whoosh3 as w3, whoosh.index as wi\n"
        "before = (w3.W3PerDocReader.doc_field_length, wi.clean_files)\n"
        "import searchsvc.web, searchsvc.cli, searchsvc.indexer, searchsvc.engines.whoosh\n"
        "after = (w3.W3PerDocReader.doc_field_length, wi.clean_files)\n"
        "print(before == after)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_opening_an_index_applies_the_checked_whoosh_fixes(tmp_path):
    code = (
        "import sys, whoosh.index as wi\n"
        "from searchsvc.indexer import write_paragraphs\n"
        "from searchsvc.models import Paragraph\n"
        "before = wi.clean_files\n"
        "p = Paragraph(id='ab#1', article_id='ab', position=1, count=1, text='a ceasefire', "
        "title='t')\n"
        "write_paragraphs(sys.argv[1], [p])\n"
        "print(wi.clean_files is not before, wi.clean_files.__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "ix")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "searchsvc.engines.whoosh.patches"]


def test_the_start_check_uses_no_shared_temporary_folder(tmp_path, monkeypatch):
    # Workers of `serve` check at the same moment: a file in <tmp>/MAIN.tmp of one
    # was deleted by another ("error while reading the index" on the first make run).
    import tempfile

    from searchsvc.engines.whoosh import patches

    asked = []
    monkeypatch.setattr(tempfile, "gettempdir", lambda: asked.append(1) or str(tmp_path))
    patches.check()
    assert asked == []


def test_a_missing_private_whoosh_attribute_is_named_at_start(monkeypatch):
    from whoosh.codec import whoosh3

    from searchsvc.engines.whoosh import patches
    from searchsvc.errors import IndexCorrupt

    monkeypatch.delattr(whoosh3.W3LeafMatcher, "_read_data")
    with pytest.raises(IndexCorrupt, match=r"W3LeafMatcher\._read_data"):
        patches.check()


def test_index_built_before_the_engine_seam_still_opens_and_searches(tmp_path):
    folder = tmp_path / "legacy"
    shutil.copytree(LEGACY_INDEX, folder, symlinks=True)
    engine = open_engine(str(folder))
    assert engine.exists()
    page = engine.reader().search(SearchRequest(q="glacier"))
    assert page.total > 0
    assert all("glacier" in (hit.title + hit.text).lower() for hit in page.hits)
    assert any("<mark>glacier" in hit.highlight.lower() for hit in page.hits)
    stats = engine.reader().stats()
    assert (stats.documents, stats.articles) == (32, 8)


@pytest.mark.parametrize(
    ("location", "cluster"),
    [
        ("index", False),
        ("/var/lib/searchsvc", False),
        ("opensearch://localhost:9200/news", True),
        ("http://localhost:9200/news", True),
        ("HTTPS://search.example.org/news", True),
        ("file://tmp/x", False),
    ],
)
def test_the_location_chooses_the_engine(location, cluster):
    assert is_cluster_location(location) is cluster
