"""The diagnosis through the CLI: analyze's terminal diagnosis and CSV, `interventions`, explain's cost."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from orgpulse.cli import cli
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org

ANCHOR = date(2026, 11, 20)
AS_OF = "2026-11-21"
ENV = {"OP_SB_EMAIL": SANDBOX_EMAIL, "OP_SB_TOKEN": SANDBOX_TOKEN}


def invoke(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], env=ENV)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    org = generate_org(seed=5, issues=500, anchor=ANCHOR, weeks=16)
    folder = tmp_path_factory.mktemp("diag")
    with SandboxServer(org, dialect="jira_cloud") as server:
        path = folder / "config.toml"
        path.write_text(
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

[[interventions]]
date = 2026-09-14
lever = "decision_rights"
note = "approvals delegated to team leads"

[[interventions]]
date = 2026-11-09
teams = ["{org.teams[0].key}"]
""",
            encoding="utf-8",
        )
        code, _, err = invoke(path, "sync")
        assert code == 0, err
        yield path


@pytest.mark.slow
def test_interventions_before_any_run_say_so(config: Path) -> None:
    code, out, err = invoke(config, "interventions", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["run_id"] is None
    assert [i["analysed"] for i in doc["interventions"]] == [False, False]


@pytest.mark.slow
def test_analyze_prints_the_diagnosis_before_the_weeks_holding_alerts(config: Path) -> None:
    code, out, err = invoke(config, "analyze", "--as-of", AS_OF, "--weeks", "6")
    assert code == 0, err
    flat = " ".join(out.split())  # Rich wraps long lines at the terminal's width
    assert flat.index("Verdict, week of 9 Nov 2026") < flat.index("Weeks holding alerts")
    assert "foundations first" in flat or "foundations sound" in flat
    assert "Intervention 14 Sep 2026 (Decision rights; every team)" in flat
    assert "approvals delegated to team leads" in flat
    # Every week holding an alert has its column, not only the latest ones.
    analysed = json.loads(
        invoke(config, "analyze", "--as-of", AS_OF, "--weeks", "6", "--format", "json", "--no-save")[1]
    )
    weeks = {f["week_start"] for f in analysed["findings"] if f["severity"] == "alert"}
    assert f"Weeks holding alerts ({len(weeks)} of 6 weeks" in flat


@pytest.mark.slow
def test_analyze_and_explain_speak_french(config: Path) -> None:
    code, out, err = invoke(config, "analyze", "--as-of", AS_OF, "--weeks", "6", "--no-save", "--lang", "fr")
    assert code == 0, err
    flat = " ".join(out.split())
    assert flat.index("Verdict, semaine du 9 nov. 2026") < flat.index("Semaines avec des alertes")
    assert "Intervention du 14 sept. 2026 (Pouvoir de décision ; toutes les équipes)" in flat
    assert "Weeks holding" not in flat
    assert "Verdict, week" not in flat
    # Saved: explain reads the latest run, whatever ran before this test.
    analysed = json.loads(invoke(config, "analyze", "--as-of", AS_OF, "--weeks", "6", "--format", "json")[1])
    row = next(f for f in analysed["findings"] if f["severity"] == "alert")
    code, out, err = invoke(
        config, "explain", row["symptom"], "--team", row["team"], "--week", row["week_start"], "--lang", "fr"
    )
    assert code == 0, err
    flat = " ".join(out.split())
    assert f"— équipe {row['team']}, semaine du {row['week_start']}" in flat
    assert "gravité alerte" in flat
    assert "Mesures" in flat
    assert "Preuves :" in flat
    assert "Evidence:" not in flat


@pytest.mark.slow
def test_analyze_csv_carries_cost_lever_and_flow(config: Path) -> None:
    code, out, err = invoke(
        config, "analyze", "--format", "csv", "--as-of", AS_OF, "--weeks", "6", "--no-save"
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"cost_hours", "lever", "lever_state", "flow_throughput", "flow_cycle_p50_hours"} <= set(rows[0])
    approval = [r for r in rows if r["symptom"] == "approval_bottleneck"]
    assert all(r["lever"] == "decision_rights" for r in approval)
    assert all(r["lever_state"] in ("weak", "at_risk", "sound", "unknown") for r in approval)
    assert all(r["cost_hours"] == "" for r in rows if r["symptom"] == "goal_disconnect")
    assert any(float(r["cost_hours"]) > 0 for r in approval if r["cost_hours"])


@pytest.mark.slow
def test_interventions_lists_the_effects_of_the_latest_run(config: Path) -> None:
    code, _, err = invoke(config, "analyze", "--as-of", AS_OF, "--weeks", "4")
    assert code == 0, err
    code, out, err = invoke(config, "interventions", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    first, second = doc["interventions"]
    assert first["analysed"]
    assert {e["metric"] for e in first["effects"]} == {"approval_wait_share"}
    assert {e["outcome"] for e in first["effects"]} <= {"improved", "worsened", "no_clear_change"}
    assert {e["outcome"] for e in second["effects"]} == {"too_early"}  # 1 complete week after it
    code, out, err = invoke(config, "interventions")
    assert code == 0, err
    assert "Intervention 2026-09-14" in out
    assert "too_early" in out


@pytest.mark.slow
def test_explain_shows_how_the_cost_was_made(config: Path) -> None:
    code, out, err = invoke(config, "analyze", "--format", "json", "--as-of", AS_OF, "--weeks", "4")
    assert code == 0, err
    costly = max((f for f in json.loads(out)["findings"] if f["cost_hours"]), key=lambda f: f["cost_hours"])
    args = ("explain", costly["symptom"], "--team", costly["team"], "--week", costly["week_start"])
    code, out, err = invoke(config, *args, "--format", "json")
    assert code == 0, err
    cost = json.loads(out)["cost"]
    assert cost["hours"] == pytest.approx(costly["cost_hours"])
    assert cost["issue_count"] >= len(cost["issues"]) > 0
    assert sum(i["hours"] for i in cost["issues"]) <= cost["hours"] + 1e-3
    code, out, err = invoke(config, *args)
    assert code == 0, err
    assert "Cost:" in out
    assert cost["issues"][0]["issue"] in out
