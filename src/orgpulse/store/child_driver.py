"""The ADBC SQLite driver as the store's child processes import it (`arrow_child.py`,
`sqlite_writer_child.py`, run as scripts: they import this module as their sibling, `child_driver`).

The driver's DB-API module imports `pyarrow.dataset`, whose start asks pyarrow whether pandas is
installed, which imports it: ~0.17 s of each child's ~0.35 s start, spent while the parent imports
the analysis or detects (the reader's first answer waited for it). pandas is optional to pyarrow;
nothing in a child uses it, so the driver is imported with pandas seen as absent.
"""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType


class _WithoutPandas:
    """A finder that answers an import of pandas with ModuleNotFoundError, as if it were absent."""

    @staticmethod
    def find_spec(
        name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (left out of the store's child)", name=name)
        return None


sys.meta_path.insert(0, _WithoutPandas)
try:
    import adbc_driver_sqlite.dbapi as sqlite_driver
finally:
    sys.meta_path.remove(_WithoutPandas)

__all__ = ["sqlite_driver"]
