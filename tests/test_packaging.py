"""An installed copy (a built wheel, not this checkout) finds its templates and data."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("searchsvc-*.whl"))


@pytest.mark.slow
def test_wheel_ships_templates_static_files_and_entity_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    templates = sorted(p.name for p in (REPO / "templates").glob("*.html"))
    assert templates, "the repository has templates to ship"
    for name in templates:
        assert f"searchsvc/templates/{name}" in names
    assert any(n.startswith("searchsvc/static/") for n in names)
    assert any(n.startswith("searchsvc/entities/model/ner/") for n in names)
    assert any(n.startswith("searchsvc/entities/data/") for n in names)
    # Every package of the source tree is listed in pyproject.toml, so it ships.
    for init in sorted((REPO / "searchsvc").rglob("__init__.py")):
        assert init.relative_to(REPO).as_posix() in names
    assert not any(n.startswith(("tests/", "examples/", "index/")) for n in names)


@pytest.mark.slow
def test_installed_copy_renders_the_search_page(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(target)!r})
        import searchsvc
        assert searchsvc.__file__.startswith({str(target)!r}), searchsvc.__file__
        from searchsvc.web import create_app
        app = create_app({{"INDEX_DIR": {str(tmp_path / "no-index")!r}, "TESTING": True}})
        page = app.test_client().get("/")
        body = page.get_data(as_text=True)
        assert "<form" in body, body[:500]
        print("ok", page.status_code)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
