"""The house's rules that a reader relies on, checked on the source (DESIGN.md, architecture).

* Only the store reads and writes the database's tables: no module outside `orgpulse/store/`
  imports `orgpulse.store.schema`.
* The connector kit knows no tracker: nothing in `connectors/kit/` imports a Jira or Linear module.
* A module does one job: none in `src/` or `connectors/` is over 400 lines (migrations aside).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, `from a import b` giving both "a" and "a.b"."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_only_the_store_imports_the_schema() -> None:
    store = ROOT / "src" / "orgpulse" / "store"
    offenders = [
        str(path.relative_to(ROOT))
        for folder in (ROOT / "src", ROOT / "connectors")
        for path in folder.rglob("*.py")
        if store not in path.parents and "orgpulse.store.schema" in set(imports(path))
    ]
    assert offenders == []


def test_the_connector_kit_names_no_tracker() -> None:
    offenders = [
        (str(path.relative_to(ROOT)), name)
        for path in (ROOT / "connectors" / "kit").rglob("*.py")
        for name in imports(path)
        if name.startswith(("connectors.jira", "connectors.linear"))
    ]
    assert offenders == []


def test_no_module_over_four_hundred_lines() -> None:
    long = [
        (str(path.relative_to(ROOT)), n)
        for folder in (ROOT / "src", ROOT / "connectors")
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == []
