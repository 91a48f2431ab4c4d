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


def test_python_dash_m_orgpulse_is_the_cli() -> None:
    import subprocess
    import sys

    import orgpulse

    done = subprocess.run([sys.executable, "-m", "orgpulse", "--version"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"orgpulse, version {orgpulse.__version__}"
    usage = subprocess.run([sys.executable, "-m", "orgpulse", "--help"], capture_output=True, text=True)
    assert usage.stdout.startswith("Usage: python -m orgpulse [OPTIONS] COMMAND")


def test_the_public_api_is_all_there_and_cheap_to_import() -> None:
    import subprocess
    import sys

    import orgpulse

    assert all(getattr(orgpulse, name) is not None for name in orgpulse.__all__)
    assert {"run_sync", "run_analyze", "load_settings", "Store", "ConfigError", "LockHeldError"} <= set(
        orgpulse.__all__
    )
    assert issubclass(orgpulse.LockHeldError, orgpulse.OrgpulseError)
    probe = "import sys, orgpulse; print(sorted(m for m in ('pandas', 'sqlalchemy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"  # names load on first use
