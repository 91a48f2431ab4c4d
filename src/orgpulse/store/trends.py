"""The trend tables' door: an analysis result written as their rows, and the rows read back.

`trend_rows(run_id, result)` shapes every trend table's rows (`Store.save_result` writes them in
the run's transaction); `latest_row` is what `explain` reads (the latest completed run holding a
(team, week, symptom) row, or an AnalysisError saying what is missing), `latest_effects` what
`interventions` reads. Nothing outside `store/` runs SQL on these tables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from orgpulse.analysis.result import AnalysisResult, Finding
from orgpulse.errors import AnalysisError
from orgpulse.store import schema as t

if TYPE_CHECKING:
    from orgpulse.store.core import Store


def trend_rows(run_id: str, result: AnalysisResult) -> dict[str, list[dict[str, Any]]]:
    """Each trend table's rows for `result`, by `Store.finish_run` keyword."""
    return {
        "symptom_rows": [symptom_row(run_id, f) for f in result.findings],
        "metric_rows": [
            {
                "run_id": run_id,
                "team": f.team,
                "week_start": f.week_start,
                "symptom": f.symptom,
                "metric": name,
                "value": value,
            }
            for f in result.findings
            for name, value in f.metrics.items()
        ],
        "dependency_rows": [
            {
                "run_id": run_id,
                "week_start": d.week_start,
                "blocked_team": d.blocked_team,
                "blocking_team": d.blocking_team,
                "blocked_issues": d.blocked_issues,
                "blocked_hours": d.blocked_hours,
            }
            for d in result.dependencies
        ],
        "diagnosis_rows": diagnosis_rows(run_id, result),
        "flow_rows": flow_rows(run_id, result),
        "status_time_rows": status_time_rows(run_id, result),
        "cycle_time_rows": [
            {
                "run_id": run_id,
                "team": c.team,
                "week_start": c.week_start,
                "issue": c.issue,
                "cycle_hours": c.cycle_hours,
            }
            for c in result.cycle_points
        ],
        "effect_rows": effect_rows(run_id, result),
    }


def symptom_row(run_id: str, f: Finding) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "team": f.team,
        "week_start": f.week_start,
        "symptom": f.symptom,
        "severity": f.severity.value,
        "score": f.score,
        "direction": f.direction,
        "confidence": f.confidence,
        "sample_size": f.sample_size,
        "evidence": json.dumps(f.evidence, allow_nan=False),
        "explain": json.dumps(f.explain, allow_nan=False),
    }


def diagnosis_rows(run_id: str, result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "team": row.team,
            "week_start": row.week_start,
            "lever": row.lever,
            "state": row.state.value,
            "cost_hours": row.cost_hours,
            "confidence": row.confidence,
        }
        for row in result.diagnosis.teams
    ]


def flow_rows(run_id: str, result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {"run_id": run_id, "team": row.team, "week_start": row.week_start, "metric": name, "value": value}
        for row in result.flow
        for name, value in row.metrics.items()
    ]


def status_time_rows(run_id: str, result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "team": row.team,
            "week_start": row.week_start,
            "status": spent.status,
            "hours": spent.hours,
            "share": spent.share,
        }
        for row in result.flow
        for spent in row.status_time
    ]


def effect_rows(run_id: str, result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "intervention": found.intervention.key,
            "team": effect.team,
            "metric": effect.metric,
            "before": effect.before,
            "after": effect.after,
            "p_value": effect.p_value,
            "outcome": effect.outcome,
        }
        for found in result.interventions
        for effect in found.effects
    ]


@dataclass(frozen=True)
class StoredRow:
    """One symptom_trends row of a completed run, with its run's facts and its metrics."""

    row: Mapping[str, Any]  # the symptom_trends columns, evidence and explain still JSON text
    trigger: str
    as_of: datetime
    timezone: str
    metrics: dict[str, float | None]


def latest_row(store: Store, symptom: str, team: str, week: date | None) -> StoredRow:
    """The row of the latest completed run holding (team, symptom), at `week` or its latest week."""
    runs, trends, metrics = t.analysis_runs, t.symptom_trends, t.metric_trends
    with store.engine.connect() as conn:
        stmt = (
            sa.select(trends, runs.c.trigger, runs.c.as_of, runs.c.timezone)
            .join(runs, runs.c.run_id == trends.c.run_id)
            .where(runs.c.status == "completed", trends.c.team == team, trends.c.symptom == symptom)
            .order_by(runs.c.finished_at.desc(), trends.c.week_start.desc())
        )
        if week is not None:
            stmt = stmt.where(trends.c.week_start == week)
        found = conn.execute(stmt.limit(1)).first()
        if found is None:
            raise AnalysisError(_missing(conn, symptom, team, week))
        m = found._mapping
        values = {
            r.metric: r.value
            for r in conn.execute(
                sa.select(metrics.c.metric, metrics.c.value).where(
                    metrics.c.run_id == m["run_id"],
                    metrics.c.team == team,
                    metrics.c.week_start == m["week_start"],
                    metrics.c.symptom == symptom,
                )
            )
        }
    row = {c.name: m[c.name] for c in trends.columns}
    return StoredRow(row, m["trigger"], m["as_of"], m["timezone"], values)


def _missing(conn: sa.Connection, symptom: str, team: str, week: date | None) -> str:
    """Say what is missing: no run at all, an unknown team or symptom, or a week outside the run."""
    trends = t.symptom_trends
    if (
        conn.execute(
            sa.select(t.analysis_runs.c.run_id).where(t.analysis_runs.c.status == "completed")
        ).first()
        is None
    ):
        return "no completed analysis run in the store: run `orgpulse analyze` first"
    teams = sorted(str(v) for (v,) in conn.execute(sa.select(trends.c.team).distinct()))
    if team not in teams:
        return f"no team {team!r} in the analysed runs (teams: {', '.join(teams)})"
    symptoms = sorted(str(v) for (v,) in conn.execute(sa.select(trends.c.symptom).distinct()))
    if symptom not in symptoms:
        return f"no symptom {symptom!r} in the analysed runs (symptoms: {', '.join(symptoms)})"
    return f"no {symptom} row for team {team} in the week starting {week} (weeks start on Monday)"


@dataclass(frozen=True)
class StoredEffects:
    """The intervention_effects rows of the latest completed run (none when no run completed)."""

    run_id: str | None
    as_of: datetime | None
    rows: list[Mapping[str, Any]]


def latest_effects(store: Store) -> StoredEffects:
    runs, effects = t.analysis_runs, t.intervention_effects
    with store.engine.connect() as conn:
        latest = conn.execute(
            sa.select(runs.c.run_id, runs.c.as_of)
            .where(runs.c.status == "completed")
            .order_by(runs.c.finished_at.desc(), runs.c.run_id.desc())
            .limit(1)
        ).first()
        if latest is None:
            return StoredEffects(None, None, [])
        rows = conn.execute(
            sa.select(effects)
            .where(effects.c.run_id == latest.run_id)
            .order_by(effects.c.team, effects.c.metric)
        ).all()
    return StoredEffects(latest.run_id, latest.as_of, [dict(r._mapping) for r in rows])
