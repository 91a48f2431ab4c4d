"""docs/examples/nightly_pipeline.py, the orchestrator example, run as an orchestrator would run it.

It is imported from its file (it is documentation, not a package) and its tasks are called in
order against a Jira Cloud and a Linear sandbox; then the failure policy it documents is checked:
refused credentials, a held lock, one source down out of two.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pytest

import orgpulse
from orgpulse.sandbox import SandboxServer, generate_org, login, truth_of
from orgpulse.store.locks import Lease

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = date(2026, 6, 12)
AS_OF = datetime(2026, 6, 13, tzinfo=UTC)


@pytest.fixture(scope="module")
def example() -> ModuleType:
    path = ROOT / "docs" / "examples" / "nightly_pipeline.py"
    spec = importlib.util.spec_from_file_location("nightly_pipeline", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, SandboxServer]]:
    cloud_org = generate_org(seed=3, issues=300, anchor=ANCHOR, weeks=16)
    linear_org = generate_org(seed=4, issues=300, anchor=ANCHOR, weeks=16)
    with (
        SandboxServer(cloud_org, dialect="jira_cloud") as cloud,
        SandboxServer(linear_org, dialect="linear") as linear,
    ):
        yield {"jira_cloud": cloud, "linear": linear}


def write_config(folder: Path, servers: dict[str, SandboxServer], *, linear_url: str | None = None) -> Path:
    cloud, linear = servers["jira_cloud"], servers["linear"]
    config = folder / "config.toml"
    config.write_text(
        f"""
[store]
url = "sqlite:///orgpulse.db"

[[sources]]
name = "cloud"
kind = "jira_cloud"
url = "{cloud.url}"
email_env = "OP_EX_EMAIL"
token_env = "OP_EX_TOKEN"

[[sources]]
name = "linear"
kind = "linear"
url = "{linear_url or linear.url + login("linear").path}"
token_env = "OP_EX_LINEAR"
max_retries = 0

[analysis]
timezone = "UTC"
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OP_EX_EMAIL", login("jira_cloud").user or "")
    monkeypatch.setenv("OP_EX_TOKEN", login("jira_cloud").token)
    monkeypatch.setenv("OP_EX_LINEAR", login("linear").token)
    monkeypatch.delenv("ORGPULSE_STORE_URL", raising=False)


@pytest.mark.slow
@pytest.mark.usefixtures("env")
def test_the_tasks_run_in_order_against_the_sandbox(
    example: ModuleType, servers: dict[str, SandboxServer], tmp_path: Path
) -> None:
    config = str(write_config(tmp_path, servers))
    synced = example.sync_task(config)
    assert synced["failed"] == []
    truth = truth_of(servers["jira_cloud"].org)["totals"]["jira_cloud"]
    assert synced["sources"]["cloud"]["issues"] == truth["issues"]
    assert synced["sources"]["linear"]["issues"] > 0
    analysed = example.analyze_task(config, synced, as_of=AS_OF)
    assert analysed["run_id"]
    assert analysed["findings"] > 0
    assert analysed["partial"] == []
    path = example.report_task(config, analysed, str(tmp_path / "report.html"))
    assert Path(path).read_text(encoding="utf-8").startswith("<!")
    # A second night appends a second run, the orchestrator's way of calling it.
    assert Path(example.nightly(config, str(tmp_path / "again.html"), as_of=AS_OF)).is_file()


@pytest.mark.slow
@pytest.mark.usefixtures("env")
def test_the_failure_policy_it_documents(
    example: ModuleType, servers: dict[str, SandboxServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = f"http://127.0.0.1:{free_port()}/graphql"  # nothing listens: the Linear source fails
    config = str(write_config(tmp_path, servers, linear_url=down))
    synced = example.sync_task(config)
    assert synced["failed"] == ["linear"]  # partial: not a task failure
    store = orgpulse.Store.open(f"sqlite:///{tmp_path / 'orgpulse.db'}")
    with Lease(store, "store"), pytest.raises(orgpulse.LockHeldError):  # another run is analysing
        example.analyze_task(config, synced, as_of=AS_OF)
    assert example.analyze_task(config, synced, as_of=AS_OF)["partial"] == ["linear"]
    monkeypatch.setenv("OP_EX_TOKEN", "wrong")
    only_cloud = tmp_path / "cloud-only"
    only_cloud.mkdir()
    text = write_config(tmp_path, servers).read_text(encoding="utf-8")
    (only_cloud / "config.toml").write_text(text.split('[[sources]]\nname = "linear"')[0], encoding="utf-8")
    with pytest.raises(orgpulse.AuthError):
        example.sync_task(str(only_cloud / "config.toml"))


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
