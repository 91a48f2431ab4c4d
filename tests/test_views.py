"""The BI views give one current row per cell: scheduled runs win, aborted runs never show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from orgpulse.store import Store

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
WEEK = date(2026, 10, 26)


def add_run(
    store: Store,
    run_id: str,
    trigger: str,
    at: datetime,
    severity: str,
    *,
    complete: bool = True,
    team: str = "PAY",
    confidence: float = 1.0,
) -> None:
    store.start_run(run_id, trigger=trigger, as_of=at, weeks=12, timezone="UTC", fingerprint="f", now=at)
    row = {
        "run_id": run_id,
        "team": team,
        "week_start": WEEK,
        "symptom": "approval_bottleneck",
        "severity": severity,
        "score": 0.5,
        "direction": None,
        "confidence": confidence,
        "sample_size": 9,
        "evidence": "[]",
        "explain": "{}",
    }
    metric = {
        "run_id": run_id,
        "team": team,
        "week_start": WEEK,
        "symptom": "approval_bottleneck",
        "metric": "approval_wait_share",
        "value": 0.2,
    }
    dep = {
        "run_id": run_id,
        "week_start": WEEK,
        "blocked_team": team,
        "blocking_team": "CORE",
        "blocked_issues": 2,
        "blocked_hours": 10.0,
    }
    if complete:
        store.finish_run(run_id, symptom_rows=[row], metric_rows=[metric], dependency_rows=[dep], now=at)


def current(store: Store, view: str, order: str = "team") -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {view} ORDER BY {order}"))]


def test_scheduled_runs_win_and_unfinished_runs_never_show(store: Store) -> None:
    add_run(store, "nightly", "schedule", T0, "watch")
    add_run(store, "adhoc", "manual", T0 + timedelta(hours=5), "alert")
    add_run(store, "adhoc-only", "manual", T0 + timedelta(hours=6), "ok", team="WEB")
    add_run(store, "killed", "schedule", T0 + timedelta(days=1), "alert", complete=False)
    rows = current(store, "symptom_trends_current")
    assert [(r["team"], r["run_id"], r["severity"], r["run_trigger"]) for r in rows] == [
        ("PAY", "nightly", "watch", "schedule"),
        ("WEB", "adhoc-only", "ok", "manual"),
    ]
    assert [r["run_id"] for r in current(store, "metric_trends_current")] == ["nightly", "adhoc-only"]
    assert {r["run_id"] for r in current(store, "dependency_trends_current", "blocked_team")} == {
        "nightly",
        "adhoc-only",
    }


def test_a_newer_scheduled_run_replaces_the_older(store: Store) -> None:
    add_run(store, "monday", "schedule", T0, "watch")
    add_run(store, "tuesday", "schedule", T0 + timedelta(days=1), "alert")
    (row,) = current(store, "symptom_trends_current")
    assert row["run_id"] == "tuesday"


def test_retention_prunes_old_runs_but_keeps_the_latest_scheduled(store: Store) -> None:
    add_run(store, "old-nightly", "schedule", T0 - timedelta(days=900), "watch")
    add_run(store, "old-adhoc", "manual", T0 - timedelta(days=800), "alert", team="WEB")
    add_run(store, "recent-adhoc", "manual", T0, "ok", team="WEB")
    assert store.prune_runs(before=T0 - timedelta(days=730)) == 1
    with store.engine.connect() as conn:
        runs = {r for (r,) in conn.execute(sa.text("SELECT run_id FROM analysis_runs"))}
        trend_runs = {r for (r,) in conn.execute(sa.text("SELECT run_id FROM symptom_trends"))}
    assert runs == trend_runs == {"old-nightly", "recent-adhoc"}


def test_the_symptom_view_marks_low_confidence_rows(store: Store) -> None:
    add_run(store, "nightly", "schedule", T0, "alert", confidence=0.42)
    add_run(store, "nightly-web", "schedule", T0, "alert", team="WEB", confidence=0.5)
    rows = current(store, "symptom_trends_current")
    assert [(r["team"], r["low_confidence"]) for r in rows] == [("PAY", 1), ("WEB", 0)]
