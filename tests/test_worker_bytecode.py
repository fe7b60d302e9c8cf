"""The worker writes the bytecode the workflow sandbox loads, so a review's sandbox does not
compile its workflow from source (PYTHONDONTWRITEBYTECODE is common in container images)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from worker import compile_for_sandbox


def load_package(folder: Path, monkeypatch: pytest.MonkeyPatch) -> type:
    """A package ``shapes`` in ``folder`` whose module ``review`` defines ``Review``."""
    package = folder / "shapes"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "review.py").write_text("class Review:\n    pass\n")
    (package / "notes.py").write_text("NOTE = 1\n")
    spec = importlib.util.spec_from_file_location("shapes_review", package / "review.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "shapes_review", module)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as PYTHONDONTWRITEBYTECODE does
    spec.loader.exec_module(module)
    return module.Review  # type: ignore[no-any-return]


def test_the_workflow_package_gets_its_bytecode_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = load_package(tmp_path, monkeypatch)
    cache = tmp_path / "shapes" / "__pycache__"
    assert not cache.exists()

    compile_for_sandbox(review)

    written = sorted(p.name.split(".")[0] for p in cache.glob("*.pyc"))
    assert written == ["__init__", "notes", "review"]


def test_a_folder_where_bytecode_cannot_be_written_costs_only_the_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = load_package(tmp_path, monkeypatch)
    (tmp_path / "shapes" / "__pycache__").write_text("a file where the folder would go")

    compile_for_sandbox(review)  # and the worker goes on

    assert (tmp_path / "shapes" / "__pycache__").is_file()
