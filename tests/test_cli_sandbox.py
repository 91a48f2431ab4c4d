"""The CLI end to end against the sandbox: contract JSON, exit codes, locks, explain, no leaked secret."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import shared_path
from orgpulse.cli import cli
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org, truth_of
from orgpulse.store import Store
from orgpulse.store.locks import Lease

ANCHOR = date(2026, 11, 20)
AS_OF = "2026-11-21"


@dataclass
class Site:
    config: Path
    env: dict[str, str]
    truth: dict[str, Any]
    server: SandboxServer


def invoke(site: Site, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(site.config), *args], env=env or site.env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def check_contract(kind: str, stdout: str) -> None:
    checker = shared_path("contract", "check_json.py")
    done = subprocess.run(
        [sys.executable, str(checker), kind], input=stdout, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "contract ok"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    org = generate_org(seed=7, issues=2000, anchor=ANCHOR, weeks=26)
    folder = tmp_path_factory.mktemp("site")
    with SandboxServer(org, dialect="jira_cloud") as server:
        config = folder / "config.toml"
        config.write_text(
            f"""
[store]
url = "sqlite:///orgpulse.db"

[[sources]]
name = "sandbox"
kind = "jira_cloud"
url = "{server.url}"
email_env = "OP_SB_EMAIL"
token_env = "OP_SB_TOKEN"

[analysis]
timezone = "UTC"
""",
            encoding="utf-8",
        )
        yield Site(
            config, {"OP_SB_EMAIL": SANDBOX_EMAIL, "OP_SB_TOKEN": SANDBOX_TOKEN}, truth_of(org), server
        )


@pytest.mark.slow
def test_wrong_credentials_exit_3_with_one_line_and_no_secret(site: Site) -> None:
    env = {"OP_SB_EMAIL": SANDBOX_EMAIL, "OP_SB_TOKEN": "not-the-token-x9"}
    code, out, err = invoke(site, "sync", "--format", "json", env=env)
    assert code == 3
    assert err.count("\n") == 1
    assert "AuthError" in err
    assert "401" in err
    assert "not-the-token-x9" not in out + err
    code, out, err = invoke(site, "doctor", env=env)
    assert code == 3


@pytest.mark.slow
def test_sync_analyze_explain_doctor_on_the_sandbox(site: Site) -> None:
    code, out, err = invoke(site, "sync", "--format", "json")
    assert code == 0, err
    check_contract("sync", out)
    (source,) = json.loads(out)["sources"]
    expected = site.truth["totals"]["jira_cloud"]
    assert {k: source[k] for k in expected} == expected
    assert source["quarantined"] == 0

    # Nothing changed: an incremental sync costs a handful of requests.
    code, out, _ = invoke(site, "sync", "--format", "json")
    assert code == 0
    assert json.loads(out)["sources"][0]["requests"] <= 6

    code, out, err = invoke(site, "analyze", "--format", "json", "--as-of", AS_OF, "--weeks", "20")
    assert code == 0, err
    check_contract("analyze", out)
    findings = json.loads(out)["findings"]
    alerts = {(f["team"], f["week_start"], f["symptom"]) for f in findings if f["severity"] == "alert"}
    cells = {(c["team"], c["week_start"], c["symptom"]): c for c in site.truth["cells"]}
    assert set(cells) <= alerts | {k for k in cells if k[2] not in {f["symptom"] for f in findings}}

    # explain lists the issue keys the truth injected for an alerted cell.
    team, week, symptom = sorted(k for k in cells if k in alerts)[0]
    code, out, err = invoke(site, "explain", symptom, "--team", team, "--week", week, "--format", "json")
    assert code == 0, err
    explained = json.loads(out)
    assert explained["severity"] == "alert"
    shown = json.dumps(explained["evidence"])
    assert all(key in shown for key in cells[(team, week, symptom)]["issue_keys"])
    code, out, _ = invoke(site, "explain", symptom, "--team", "NOPE")
    assert code == 1

    code, out, err = invoke(site, "doctor", "--format", "json")
    assert code == 0, err
    (diagnosis,) = json.loads(out)["sources"]
    assert diagnosis["ok"]
    roles = {s["name"]: s["role"] for s in diagnosis["statuses"]}
    assert roles["En attente de validation"] == "approval"
    assert roles["Bloqué"] == "blocked"

    code, out, err = invoke(site, "status", "--max-age", "1h", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["healthy"]


@pytest.mark.slow
def test_a_second_sync_names_the_holder_and_exits_1(site: Site) -> None:
    store = Store.open(f"sqlite:///{site.config.parent / 'orgpulse.db'}")
    with Lease(store, "sync:sandbox"):
        code, _, err = invoke(site, "sync")
    assert code == 1
    assert err.startswith("orgpulse: a sync of source sandbox is already running (host ")
    assert "pid" in err
    assert "started" in err
    assert err.count("\n") == 1
