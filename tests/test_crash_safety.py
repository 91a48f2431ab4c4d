"""SIGKILL at many points of sync and analysis, then a rerun: nothing lost, nothing duplicated.

The canonical tables after kill + rerun must equal those of one clean run on their natural keys
(volatile columns such as fetch times aside), and a killed analysis run is marked aborted and
never read by the BI views.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org
from orgpulse.store import Store

RUNNER = Path(__file__).with_name("crash_runner.py")
VOLATILE = {"fetched_at", "updated_at", "at", "claimed_at", "run_id", "started_at", "finished_at"}
CANONICAL = (
    "sources", "statuses", "people", "issues", "histories", "status_changes", "assignee_changes",
    "team_changes", "flag_changes", "parent_changes", "links", "workflow_statuses", "raw_records",
    "quarantine",
)  # fmt: skip

# (module, qualified name, nth call): across fetching, committing pages, checking, census and analysis.
KILL_POINTS = [
    *[("orgpulse.connectors.jira.client", "JiraClient._attempt", n) for n in (1, 2, 4, 6, 9, 12)],
    *[("orgpulse.store.batch", "upsert", n) for n in (1, 4, 9, 15, 22, 30)],
    *[("orgpulse.store.core", "Store._check_counts", n) for n in (1, 3, 5)],
    *[("orgpulse.store.batch", "_apply_census", 1), ("orgpulse.store.runs", "finish_run", 1)],
    *[("orgpulse.store.frames", "load_frames", 1), ("orgpulse.analysis.run", "detect", 1)],
    *[("orgpulse.store.core", "Store.finish_run", 1), ("orgpulse.store.runs", "finish_run", 2)],
    *[("orgpulse.store.locks", "Lease.acquire", 2), ("orgpulse.store.core", "Store.prune_runs", 1)],
]


def run(config: Path, point: str | None = None) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, str(RUNNER), str(config), point or "-"]
    env = {"OP_EMAIL": SANDBOX_EMAIL, "OP_TOKEN": SANDBOX_TOKEN, "PATH": "/usr/bin:/bin"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, check=False)


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    store = Store.open(f"sqlite:///{db}", migrate=False)
    tables = {}
    with store.engine.connect() as conn:
        for name in CANONICAL:
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            columns = [c for c in table.columns if c.name not in VOLATILE]
            tables[name] = sorted(tuple(r) for r in conn.execute(sa.select(*columns)))
    store.close()
    return tables


def write_config(folder: Path, url: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f"""[store]
url = "sqlite:///orgpulse.db"
[[sources]]
name = "sandbox"
kind = "jira_cloud"
url = "{url}"
email_env = "OP_EMAIL"
token_env = "OP_TOKEN"
page_size = 20
[analysis]
timezone = "UTC"
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    org = generate_org(seed=5, issues=300, anchor=date(2026, 11, 20), weeks=26)
    with SandboxServer(org, dialect="jira_cloud") as served:
        yield served


@pytest.fixture(scope="module")
def reference(
    server: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[tuple[object, ...]]]:
    folder = tmp_path_factory.mktemp("clean")
    done = run(write_config(folder, server.url))
    assert done.returncode == 0, done.stderr
    return snapshot(folder / "orgpulse.db")


@pytest.mark.slow
def test_kill_points_are_many_and_distinct() -> None:
    assert len(set(KILL_POINTS)) >= 20


@pytest.mark.slow
@pytest.mark.parametrize(("module", "qualname", "nth"), KILL_POINTS)
def test_sigkill_then_rerun_equals_a_clean_run(
    module: str,
    qualname: str,
    nth: int,
    server: SandboxServer,
    reference: dict[str, list[tuple[object, ...]]],
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, server.url)
    killed = run(config, f"{module}:{qualname}:{nth}")
    assert killed.returncode == -9, (
        f"the kill point was not reached: {killed.returncode} {killed.stderr[-500:]}"
    )
    rerun = run(config)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = snapshot(tmp_path / "orgpulse.db")
    for name in CANONICAL:
        assert after[name] == reference[name], f"{name} differs after a kill at {qualname} #{nth}"
    store = Store.open(f"sqlite:///{tmp_path / 'orgpulse.db'}", migrate=False)
    with store.engine.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT run_id, status FROM analysis_runs")).all())
        shown = {r for (r,) in conn.execute(sa.text("SELECT DISTINCT run_id FROM symptom_trends_current"))}
    assert "running" not in statuses.values()
    assert all(statuses[r] == "completed" for r in shown)
    assert any(s == "completed" for s in statuses.values())


@pytest.mark.slow
def test_three_syncs_started_together_exactly_one_runs(tmp_path: Path) -> None:
    org = generate_org(seed=5, issues=300, anchor=date(2026, 11, 20), weeks=26)
    with SandboxServer(org, dialect="jira_cloud", latency_ms=40) as slow:
        config = write_config(tmp_path, slow.url)
        env = {"OP_EMAIL": SANDBOX_EMAIL, "OP_TOKEN": SANDBOX_TOKEN, "PATH": "/usr/bin:/bin"}
        command = [
            sys.executable,
            "-c",
            "from orgpulse.cli import main; main()",
            "--config",
            str(config),
            "sync",
        ]
        procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]  # fmt: skip
        outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 1, 1], outcomes
    refused = [err for code, err in outcomes if code == 1]
    assert all(
        err.startswith("orgpulse: a sync of source sandbox is already running (host ") for err in refused
    )
