"""`orgpulse doctor` on Linear and on stored history; one missing project or team is not a dead source.

Against the sandbox on loopback (Jira Cloud, Jira DC, Linear) and the real recorded Jira payloads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jira_replay import Replay, ReplayServer
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.cli import cli
from orgpulse.config import PrivacySettings, ScheduleSettings, Secret, Settings, SourceSettings, StoreSettings
from orgpulse.doctor import run_doctor
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org
from orgpulse.sandbox.credentials import SANDBOX_LINEAR_KEY
from orgpulse.sandbox.org.model import Org
from orgpulse.store import Store

ANCHOR = date(2026, 11, 20)
ENV = {"OP_EMAIL": SANDBOX_EMAIL, "OP_TOKEN": SANDBOX_TOKEN, "OP_LINEAR": SANDBOX_LINEAR_KEY}


@pytest.fixture(scope="module")
def org() -> Org:
    return generate_org(seed=3, issues=300, anchor=ANCHOR, weeks=10)


def config(folder: Path, kind: str, url: str, scopes: list[str]) -> Path:
    path = folder / "config.toml"
    if kind == "linear":
        source = f'token_env = "OP_LINEAR"\nteams = {json.dumps(scopes)}'
    elif kind == "jira_dc":
        source = f'token_env = "OP_TOKEN"\nprojects = {json.dumps(scopes)}'  # a personal access token
    else:
        source = f'email_env = "OP_EMAIL"\ntoken_env = "OP_TOKEN"\nprojects = {json.dumps(scopes)}'
    path.write_text(
        f'[store]\nurl = "sqlite:///orgpulse.db"\n\n[[sources]]\nname = "s"\nkind = "{kind}"\n'
        f'url = "{url}"\n{source}\n\n[analysis]\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    return path


def invoke(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(path), *args], env=ENV)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(params=["jira_cloud", "jira_dc", "linear"])
def served(request: pytest.FixtureRequest, org: Org) -> Iterator[tuple[str, str]]:
    with SandboxServer(org, dialect=request.param) as server:
        url = f"{server.url}/graphql" if request.param == "linear" else server.url
        yield request.param, url


@pytest.mark.slow
def test_one_missing_project_or_team_is_reported_the_others_sync_exit_4(
    served: tuple[str, str], org: Org, tmp_path: Path
) -> None:
    kind, url = served
    teams = sorted(t.key for t in org.teams)
    path = config(tmp_path, kind, url, [*teams, "NOPE"])
    code, out, err = invoke(path, "sync", "--format", "json")
    assert code == 4, err
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "NOPE" in lines[0]
    assert "MissingScopeError" in lines[0]
    (source,) = json.loads(out)["sources"]
    assert source["issues"] > 0  # the others were synced
    code, out, err = invoke(path, "doctor", "--format", "json")
    assert code == 4, err
    (diagnosis,) = json.loads(out)["sources"]
    assert any("NOPE" in p for p in diagnosis["problems"])
    # Only missing ones: the source is dead, as before (a permission or key problem).
    code, _, err = invoke(config(tmp_path, kind, url, ["NOPE", "GONE"]), "sync")
    assert code == 3, err


@pytest.mark.slow
def test_doctor_checks_a_linear_source_and_lists_its_states_with_roles(org: Org, tmp_path: Path) -> None:
    with SandboxServer(org, dialect="linear") as server:
        path = config(tmp_path, "linear", f"{server.url}/graphql", [])
        code, out, err = invoke(path, "doctor", "--format", "json")
        assert code == 0, err
        (diagnosis,) = json.loads(out)["sources"]
        assert diagnosis["ok"]
        assert diagnosis["server"].startswith("Linear workspace")
        assert set(diagnosis["projects"]) >= {t.key for t in org.teams}
        roles = {s["name"]: s["role"] for s in diagnosis["statuses"]}
        assert roles["Done"] == "none"
        assert any(r == "approval" for r in roles.values())
        assert diagnosis["retired_statuses"] is None  # nothing synced yet: the doctor says so
        code, out, _ = invoke(path, "doctor")
        assert code == 0
        assert "no history stored yet" in out


def test_doctor_lists_retired_statuses_and_bots_from_the_stored_history(tmp_path: Path) -> None:
    """On the real Cloud recording: "Resolved" (id 5) is no longer listed; entries into it set the
    resolution, so it is done; "To Do" (10000) is decided by nothing and counts as todo."""
    replay = Replay.cloud()
    store = Store.open(f"sqlite:///{tmp_path / 'replay.db'}")
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with ReplayServer(replay) as server:
        source = SourceSettings(
            name="real", kind="jira_cloud", url=server.url, auth="basic",
            token=Secret("t"), user=Secret("u@example.com"), page_size=10,
        )  # fmt: skip
        settings = Settings(
            path=None, store=StoreSettings(url=str(store.engine.url)), sources=(source,),
            schedule=ScheduleSettings(), privacy=PrivacySettings(), analysis={},
        )  # fmt: skip
        before = run_doctor(settings, AnalysisSettings(), now=now, store=store)
        assert not before[0].stored
        from orgpulse.connectors import make_connector

        connector = make_connector(source)
        for page in connector.fetch({}, full=True, now=now):
            store.save_page("real", page.batch, page.cursor, now=now)
        connector.close()
        (found,) = run_doctor(settings, AnalysisSettings(), now=now, store=store)
    assert not found.problems
    retired = {r.status_id: r for r in found.retired}
    assert set(retired) == {"5", "10000", "10020", "10029"}  # the ids /status no longer lists
    assert (retired["5"].name, retired["5"].category, retired["5"].decided_by) == (
        "Resolved",
        "done",
        "resolution",
    )
    assert retired["5"].issues == 26
    assert (retired["10000"].category, retired["10000"].decided_by) == ("todo", "unknown")
    doc: dict[str, Any] = found.as_json()
    assert {r["status_id"] for r in doc["retired_statuses"]} == set(retired)
    bots = {name for _, name in found.bots}
    assert "BigPicture - for ppm, project management" in bots  # an app account of the recording
