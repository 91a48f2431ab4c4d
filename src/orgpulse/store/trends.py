"""The trend tables' door: an analysis result written as their rows, and the rows read back.

`trend_rows(run_id, result)` shapes every trend table's rows, column by column
(`Store.save_result` writes them in the run's transaction); `latest_row` is what `explain` reads
(the latest completed run holding a (team, week, symptom) row, or an AnalysisError saying what is
missing), `latest_effects` what `interventions` reads. Nothing outside `store/` runs SQL on these
tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
import sqlalchemy as sa

from orgpulse.analysis.result import AnalysisResult, Finding, evidence_array
from orgpulse.errors import AnalysisError
from orgpulse.store import schema as t

if TYPE_CHECKING:
    from orgpulse.store.core import Store

_T = TypeVar("_T")


Columns = dict[str, Any]  # name -> values: a list, or an Arrow array (the evidence text)


# The columns taken as the attributes of the same name (dependency rows, lever rows, effects).
_DEPENDENCY = ("week_start", "blocked_team", "blocking_team", "blocked_issues", "blocked_hours")
_LEVER = ("team", "week_start", "lever", "cost_hours", "confidence")
_EFFECT = ("team", "metric", "before", "after", "p_value", "outcome")


def trend_rows(run_id: str, result: AnalysisResult) -> dict[str, Callable[[], Columns]]:
    """Each trend table's rows for `result`, by `Store.finish_run` keyword, as a function making
    them column by column (name -> values) when the table is written: a big organisation's
    hundreds of thousands of rows never become a dict each, and on SQLite each table's rows are
    made while another process writes the previous table's."""
    findings = result.findings

    def effect_rows() -> Columns:
        effects = [effect for found in result.interventions for effect in found.effects]
        keys = [found.intervention.key for found in result.interventions for _ in found.effects]
        return {**_columns(run_id, effects, *_EFFECT), "intervention": keys}

    return {
        "symptom_rows": lambda: symptom_columns(run_id, findings),
        "metric_rows": lambda: _per_metric(run_id, findings, "team", "week_start", "symptom"),
        "dependency_rows": lambda: _columns(run_id, result.dependencies, *_DEPENDENCY),
        "diagnosis_rows": lambda: _columns(
            run_id, result.diagnosis.teams, *_LEVER, state=lambda r: r.state.value
        ),
        "flow_rows": lambda: _per_metric(run_id, result.flow, "team", "week_start"),
        "status_time_rows": lambda: status_time_columns(run_id, result),
        "cycle_time_rows": lambda: _columns(
            run_id, result.cycle_points, "team", "week_start", "issue", "cycle_hours"
        ),
        "effect_rows": effect_rows,
    }


def _columns(run_id: str, items: Sequence[_T], *attributes: str, **columns: Callable[[_T], Any]) -> Columns:
    """The run's rows of `items`: a column per attribute named (the table's column of that name),
    then one per `columns` getter."""
    out: Columns = {"run_id": [run_id] * len(items)}
    for name in attributes:
        out[name] = [getattr(item, name) for item in items]
    for name, value in columns.items():
        out[name] = [value(item) for item in items]
    return out


def symptom_columns(run_id: str, findings: Sequence[Finding]) -> Columns:
    """symptom_trends: evidence and explain as JSON text (orjson: a NaN would be written as null,
    still valid JSON; `evidence.plain` keeps NaN out of findings in the first place)."""
    return {
        "run_id": [run_id] * len(findings),
        "team": [f.team for f in findings],
        "week_start": [f.week_start for f in findings],
        "symptom": [f.symptom for f in findings],
        "severity": [f.severity.value for f in findings],
        "score": [f.score for f in findings],
        "direction": [f.direction for f in findings],
        "confidence": [f.confidence for f in findings],
        "sample_size": [f.sample_size for f in findings],
        "evidence": evidence_array(findings),
        "explain": [orjson.dumps(f.explain).decode() for f in findings],
    }


def _per_metric(run_id: str, rows: Sequence[Any], *keys: str) -> Columns:
    """A row per (row, metric) of rows that carry `metrics` (name -> value), keyed by `keys` too."""
    out: Columns = {name: [] for name in (*keys, "metric", "value")}
    for row in rows:
        count = len(row.metrics)
        for key in keys:
            out[key] += [getattr(row, key)] * count
        out["metric"] += row.metrics.keys()
        out["value"] += row.metrics.values()
    return {"run_id": [run_id] * len(out["metric"]), **out}


def status_time_columns(run_id: str, result: AnalysisResult) -> Columns:
    out: Columns = {name: [] for name in ("team", "week_start", "status", "hours", "share")}
    for row in result.flow:
        count = len(row.status_time)
        out["team"] += [row.team] * count
        out["week_start"] += [row.week_start] * count
        out["status"] += [spent.status for spent in row.status_time]
        out["hours"] += [spent.hours for spent in row.status_time]
        out["share"] += [spent.share for spent in row.status_time]
    return {"run_id": [run_id] * len(out["team"]), **out}


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
