"""The wheel is the product: built, installed into a fresh venv far from the checkout, it runs the demo.

The fresh venv sees no checkout and no `shared/` folder: everything the sandbox needs (Linear's
schema, the connectors' GraphQL documents, the report templates, the migrations) must be inside
the wheel. Third-party dependencies are lent by this test's own environment (a `.pth` line), so
the test needs no package index; `orgpulse` itself can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "src", "connectors")

pytestmark = pytest.mark.slow


def _run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORGPULSE_", "PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the checkout (the checkout itself stays clean)."""
    tree = tmp_path_factory.mktemp("tree")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, tree / name)
    out = tmp_path_factory.mktemp("dist")
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(tree),
        ],
        cwd=tree,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (found,) = out.glob("orgpulse-*.whl")
    return found


@pytest.fixture(scope="module")
def fresh(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv, outside the checkout, with the wheel installed; returns its bin/ folder."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], cwd=venv.parent)
    assert made.returncode == 0, made.stderr
    bin_dir = venv / "bin"
    installed = _run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        cwd=venv.parent,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    site = _run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], venv
    )
    Path(site.stdout.strip(), "_lent_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return bin_dir


def test_the_wheel_ships_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "orgpulse/sandbox/linear/schema.graphql" in names
    assert "orgpulse/connectors/linear/documents/issues.graphql" in names
    assert "orgpulse/store/migrations/script.py.mako" in names
    assert "orgpulse/py.typed" in names
    assert any(n.startswith("orgpulse/report/templates/") for n in names)
    assert not any(n.startswith(("tests/", "shared/")) for n in names)


def test_orgpulse_comes_from_the_wheel(fresh: Path) -> None:
    where = _run([str(fresh / "python"), "-c", "import orgpulse; print(orgpulse.__file__)"], fresh.parent)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(fresh.parent)


def test_python_dash_m_orgpulse_works_installed(fresh: Path) -> None:
    version = _run([str(fresh / "python"), "-m", "orgpulse", "--version"], fresh.parent)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("orgpulse, version ")


def test_the_installed_demo_runs_all_three_dialects(fresh: Path) -> None:
    home = fresh.parent.parent  # beside the venv: no checkout above, no shared/ beside
    assert not (home.parent / "shared").exists()
    demo = _run(
        [str(fresh / "orgpulse"), "demo", "--issues", "200", "--anchor", "2026-06-12", "--dir", "out"], home
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    for dialect in ("jira_cloud", "jira_dc", "linear"):
        assert f"{dialect} 127.0.0.1:" in demo.stdout  # each source synced from its double
    screen = demo.stdout.splitlines() + demo.stderr.splitlines()
    assert len(screen) <= 50, demo.stdout  # one 50-line screen (piped: 100 columns)
    assert "skipping" not in demo.stderr
    assert (home / "out" / "report.html").stat().st_size > 0
