"""The hand-written package list in pyproject.toml must name every package (connectors/ included)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT / "src").parts) for p in (ROOT / "src").rglob("__init__.py")
    } | {
        ".".join(("orgpulse", *p.parent.relative_to(ROOT).parts))
        for p in (ROOT / "connectors").rglob("__init__.py")
    }
    assert found == listed


def test_py_typed_is_shipped() -> None:
    assert (ROOT / "src" / "orgpulse" / "py.typed").is_file()
