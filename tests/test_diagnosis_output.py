"""The diagnosis end to end: analyze's JSON on all three dialects, and its trend tables and views.

DESIGN.md, "Diagnosis": `analyze --format json` adds "diagnosis", "flow" and "interventions", and
every finding a "cost_hours"; `diagnosis_trends`, `flow_trends`, `status_time_trends` and
`intervention_effects` are appended per run, with `*_current` views, on SQLite and PostgreSQL;
`cycle_time_trends` holds the issues behind the cycle-time percentiles.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from statistics import median
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import shared_path
from orgpulse.analysis.flow import CYCLE_POINTS
from orgpulse.analysis.result import Intervention
from orgpulse.analyze import run_analyze, run_json
from orgpulse.demo import demo_settings, demo_source
from orgpulse.sandbox import SandboxServer, generate_org
from orgpulse.store import Store
from orgpulse.sync import run_sync

ANCHOR = date(2026, 11, 20)
AS_OF = datetime(2026, 11, 21, tzinfo=UTC)
LEVERS = {"decision_rights", "dependencies", "team_scope", "accountability", "direction", "process_weight"}
STATES = {"weak", "at_risk", "sound", "unknown"}
FLOW_KEYS = {
    "team",
    "week_start",
    "throughput",
    "wip",
    "cycle_p50_hours",
    "cycle_p85_hours",
    "lead_p50_hours",
    "lead_p85_hours",
    "flow_efficiency",
    "wip_age_p85_hours",
    "status_time",
}


def synced(dialect: str, store: Store, folder: Path, seed: int = 5) -> Any:
    org = generate_org(seed=seed, issues=500, anchor=ANCHOR, weeks=16)
    if dialect == "linear":
        shared_path("api", "linear")
    with SandboxServer(org, dialect=dialect) as server:
        settings = replace(demo_settings(server.url, folder), sources=(demo_source(dialect, server.url),))
        (report,) = run_sync(settings, store, full=True)
    assert report.error is None
    return settings


def check_diagnosis_contract(doc: dict[str, Any]) -> None:
    """The keys and value kinds DESIGN.md fixes for the diagnosis, flow and interventions."""
    checker = shared_path("contract", "check_json.py")
    done = subprocess.run(
        [sys.executable, str(checker), "analyze"], input=json.dumps(doc), capture_output=True, text=True
    )
    assert done.stdout.strip() == "contract ok", done.stdout
    assert all("cost_hours" in f for f in doc["findings"])
    costs = [f["cost_hours"] for f in doc["findings"]]
    assert all(c is None or (isinstance(c, float | int) and c >= 0) for c in costs)
    assert any(isinstance(c, float) and c > 0 for c in costs), "no finding had a waiting cost"
    diagnosis = doc["diagnosis"]
    assert set(diagnosis) >= {"verdict", "week_start", "levers", "teams"}
    assert diagnosis["verdict"] in ("foundations_first", "foundations_sound")
    assert date.fromisoformat(diagnosis["week_start"]).weekday() == 0
    assert {lever["lever"] for lever in diagnosis["levers"]} == LEVERS
    for lever in diagnosis["levers"]:
        assert set(lever) >= {"lever", "weak_teams", "at_risk_teams", "cost_hours"}
        assert isinstance(lever["weak_teams"], list)
        assert isinstance(lever["at_risk_teams"], list)
    for row in diagnosis["teams"]:
        assert set(row) >= {"team", "week_start", "lever", "state", "symptoms", "cost_hours", "confidence"}
        assert row["lever"] in LEVERS
        assert row["state"] in STATES
        assert 0 <= row["confidence"] <= 1
    assert doc["flow"], "no flow rows"
    for row in doc["flow"]:
        assert set(row) >= FLOW_KEYS
        for spent in row["status_time"]:
            assert set(spent) >= {"status", "hours", "share"}
        if row["status_time"]:
            assert sum(s["share"] for s in row["status_time"]) == pytest.approx(1.0, abs=1e-3)
    assert isinstance(doc["interventions"], list)


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["jira_cloud", "jira_dc", "linear"])
def test_analyze_json_carries_the_diagnosis_on_every_dialect(dialect: str, tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'orgpulse.db'}")
    settings = synced(dialect, store, tmp_path)
    run = run_analyze(settings, store, as_of=AS_OF, weeks=8, save=False)
    doc = json.loads(json.dumps(run_json(run)))
    check_diagnosis_contract(doc)
    teams = {f["team"] for f in doc["findings"]}
    assert {r["team"] for r in doc["flow"]} == teams
    assert len(doc["flow"]) == len(teams) * 8


def current(store: Store, view: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {view}"))]


@pytest.mark.slow
def test_trend_tables_and_views_are_filled(store: Store, tmp_path: Path) -> None:
    settings = synced("jira_cloud", store, tmp_path)
    change = Intervention(date=date(2026, 9, 21), lever="decision_rights", note="approvals delegated")
    settings = replace(settings, interventions=(change,))
    first = run_analyze(settings, store, as_of=AS_OF, weeks=4)
    second = run_analyze(settings, store, as_of=AS_OF, weeks=4, trigger="schedule")
    result = second.result
    with store.engine.connect() as conn:

        def count(table: str, run_id: str | None) -> int:
            query = f"SELECT COUNT(*) FROM {table} WHERE run_id = :run"
            return int(conn.execute(sa.text(query), {"run": run_id}).scalar_one())

        for run in (first, second):
            assert count("diagnosis_trends", run.run_id) == len(run.result.diagnosis.teams) > 0
            assert count("flow_trends", run.run_id) == 8 * len(run.result.flow) > 0
            spent = sum(len(r.status_time) for r in run.result.flow)
            assert count("status_time_trends", run.run_id) == spent > 0
            (measured,) = run.result.interventions
            assert count("intervention_effects", run.run_id) == len(measured.effects) > 0
            assert count("cycle_time_trends", run.run_id) == len(run.result.cycle_points) > 0
    levers = current(store, "diagnosis_trends_current")
    assert {r["run_id"] for r in levers} == {second.run_id}  # the scheduled run wins
    assert len(levers) == len(result.diagnosis.teams)
    weak = {
        (r.team, r.week_start.isoformat(), r.lever) for r in result.diagnosis.teams if r.state.value == "weak"
    }
    assert weak == {(r["team"], str(r["week_start"]), r["lever"]) for r in levers if r["state"] == "weak"}
    # The scatter's points are the sample behind the weekly cycle-time percentiles.
    points: dict[tuple[str, date], list[float]] = {}
    for point in result.cycle_points:
        points.setdefault((point.team, point.week_start), []).append(point.cycle_hours)
    for row in result.flow:
        hours = points.get((row.team, row.week_start), [])
        assert len(hours) <= CYCLE_POINTS
        if row.metrics["cycle_p50_hours"] is None:
            assert hours == []
        elif len(hours) < CYCLE_POINTS:
            assert median(hours) == pytest.approx(row.metrics["cycle_p50_hours"], abs=0.01)
    cycle = current(store, "cycle_time_trends_current")
    assert {r["run_id"] for r in cycle} == {second.run_id}
    assert sorted((r["team"], str(r["week_start"]), r["issue"], r["cycle_hours"]) for r in cycle) == sorted(
        (p.team, p.week_start.isoformat(), p.issue, p.cycle_hours) for p in result.cycle_points
    )
    flow = current(store, "flow_trends_current")
    assert len(flow) == 8 * len(result.flow)
    shares: dict[tuple[str, str], float] = {}
    for r in current(store, "status_time_trends_current"):
        key = (r["team"], str(r["week_start"]))
        shares[key] = shares.get(key, 0.0) + (r["share"] or 0.0)
    assert shares
    assert all(total == pytest.approx(1.0, abs=1e-3) for total in shares.values())
    effects = current(store, "intervention_effects_current")
    assert {r["run_id"] for r in effects} == {second.run_id}
    assert {r["intervention"] for r in effects} == {change.key}
    (measured,) = result.interventions
    assert sorted((r["team"], r["metric"], r["outcome"], r["before"]) for r in effects) == sorted(
        (e.team, e.metric, e.outcome, e.before) for e in measured.effects
    )
