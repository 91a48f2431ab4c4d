"""The reads behind the HTML report: one analysis run's trend rows into pandas, and where issues live.

Only reads: the report takes no lock (DESIGN.md). Frames built here, and their columns:

* `load_trends` — one row per (team, week, symptom) of the run:
    team (str), week_start (datetime.date), symptom (str id),
    severity (ok | watch | alert | insufficient_data), score (float, NaN when null),
    direction (improving | stable | worsening | None), confidence (float), sample_size (int)
* `load_flagged` — the alert and watch rows of every week of the run, with everything `explain`
    needs: the `load_trends` columns, plus evidence (list of dicts, full, most significant first),
    explain (dict), metrics (dict metric name -> float | None, from `metric_trends`)
* `load_metrics` — every metric value of the run: team, week_start, symptom, metric, value
    (float, NaN when null)
* `load_dependencies` — the team × team blocking matrix of the run:
    week_start (datetime.date), blocked_team (str), blocking_team (str), blocked_issues (int),
    blocked_hours (float)
* `load_levers` — team, week_start (date), lever, state (weak | at_risk | sound | unknown),
    cost_hours (float, NaN when none), confidence (float)
* `load_flow` — team, week_start, metric (throughput, wip, cycle_p50_hours, ...), value (float, NaN)
* `load_status_time` — team, week_start, status, hours (float), share (float, NaN)
* `load_cycle_times` — team, week_start, issue (its key), cycle_hours (float)
* `load_effects` — intervention (its key: "<date> <lever or *> <teams or *>"), team, metric,
    before, after, p_value (floats, NaN when none), outcome
`issue_places` gives, for issue keys, each synced source holding them with its kind, its site URL
and the issue's own URL. A run analysed before the diagnosis tables existed simply has no rows in
them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from orgpulse.errors import AnalysisError
from orgpulse.store import schema as t
from orgpulse.store.core import Store

log = logging.getLogger(__name__)

NO_RUN = "no completed analysis run in the store: run `orgpulse analyze` first"
_CHUNK = 500  # keys per IN (...) list: well under SQLite's bound-parameter limit

_TRENDS = ["team", "week_start", "symptom", "severity", "score", "direction", "confidence", "sample_size"]


@dataclass(frozen=True)
class RunInfo:
    """One row of `analysis_runs`."""

    run_id: str
    status: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    as_of: datetime
    weeks: int
    timezone: str
    fingerprint: str


def load_run(store: Store, run_id: str | None = None) -> RunInfo:
    """The run `run_id`, or the latest completed run; AnalysisError when there is none to report."""
    runs = t.analysis_runs
    query = sa.select(runs)
    if run_id is None:
        query = (
            query.where(runs.c.status == "completed")
            .order_by(runs.c.finished_at.desc(), runs.c.started_at.desc())
            .limit(1)
        )
    else:
        query = query.where(runs.c.run_id == run_id)
    with store.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise AnalysisError(NO_RUN if run_id is None else f"no analysis run {run_id!r} in the store")
    info = RunInfo(**{k: row[k] for k in RunInfo.__dataclass_fields__})
    if info.status != "completed":
        raise AnalysisError(
            f"analysis run {info.run_id} is {info.status}, not completed: report a completed run"
        )
    return info


def load_latest_scheduled(store: Store) -> RunInfo | None:
    """The latest completed scheduled run (the one BI views show), or None."""
    runs = t.analysis_runs
    query = (
        sa.select(runs)
        .where(runs.c.status == "completed", runs.c.trigger == "schedule")
        .order_by(runs.c.finished_at.desc(), runs.c.started_at.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return None if row is None else RunInfo(**{k: row[k] for k in RunInfo.__dataclass_fields__})


def load_trends(store: Store, run_id: str) -> pd.DataFrame:
    """Every symptom row of the run, without evidence (see the module docstring for columns)."""
    s = t.symptom_trends
    query = sa.select(
        s.c.team, s.c.week_start, s.c.symptom, s.c.severity, s.c.score, s.c.direction,
        s.c.confidence, s.c.sample_size,
    ).where(s.c.run_id == run_id)  # fmt: skip
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    return _trend_frame(rows)


def load_flagged(store: Store, run_id: str, metrics: pd.DataFrame) -> pd.DataFrame:
    """The alert and watch rows of every week, with evidence, explain and metrics (module docstring).

    `metrics` is the run's `load_metrics` frame (read once, shared with the charts).
    """
    s = t.symptom_trends
    query = (
        sa.select(s)
        .where(s.c.run_id == run_id, s.c.severity.in_(["alert", "watch"]))
        .order_by(s.c.week_start, s.c.team, s.c.symptom)
    )
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    by_row: dict[tuple[str, date, str], dict[str, float | None]] = {}
    for team, week, symptom, metric, value in metrics.itertuples(index=False, name=None):
        by_row.setdefault((team, week, symptom), {})[metric] = None if pd.isna(value) else float(value)
    frame = _trend_frame(rows)
    frame["evidence"] = [_json(r["evidence"], list, r) for r in rows]
    frame["explain"] = [_json(r["explain"], dict, r) for r in rows]
    frame["metrics"] = [by_row.get((r["team"], r["week_start"], r["symptom"]), {}) for r in rows]
    return frame


def load_metrics(store: Store, run_id: str) -> pd.DataFrame:
    """Every metric value of the run (module docstring for columns)."""
    m = t.metric_trends
    query = sa.select(m.c.team, m.c.week_start, m.c.symptom, m.c.metric, m.c.value).where(
        m.c.run_id == run_id
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=["team", "week_start", "symptom", "metric", "value"])
    return frame.astype({"value": "float64"})


def load_thresholds(store: Store, run_id: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Per symptom, the thresholds its rows were judged by (symptom -> metric -> {watch, alert, ...}).

    Thresholds are settings of the run (its fingerprint), so every row of a symptom holds the same;
    the latest week's row is read.
    """
    s = t.symptom_trends
    latest = (
        sa.select(s.c.symptom, sa.func.max(s.c.week_start).label("week"))
        .where(s.c.run_id == run_id)
        .group_by(s.c.symptom)
        .subquery()
    )
    query = (
        sa.select(s.c.symptom, s.c.team, s.c.week_start, s.c.explain)
        .join(latest, sa.and_(s.c.symptom == latest.c.symptom, s.c.week_start == latest.c.week))
        .where(s.c.run_id == run_id)
    )
    found: dict[str, dict[str, dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(query).mappings():
            if row["symptom"] in found:
                continue
            explain = _json(row["explain"], dict, dict(row))
            table = explain.get("thresholds")
            if isinstance(table, dict):
                found[row["symptom"]] = {k: v for k, v in table.items() if isinstance(v, dict)}
    return found


def load_dependencies(store: Store, run_id: str) -> pd.DataFrame:
    """The blocking matrix rows of the run (module docstring for columns)."""
    d = t.dependency_trends
    query = sa.select(
        d.c.week_start, d.c.blocked_team, d.c.blocking_team, d.c.blocked_issues, d.c.blocked_hours
    ).where(d.c.run_id == run_id)
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    frame = pd.DataFrame(
        rows, columns=["week_start", "blocked_team", "blocking_team", "blocked_issues", "blocked_hours"]
    )
    return frame.astype({"blocked_issues": "int64", "blocked_hours": "float64"})


def _run_frame(
    store: Store, table: sa.Table, run_id: str, columns: Sequence[str], floats: Sequence[str] = ()
) -> pd.DataFrame:
    """`columns` of `table`'s rows written by run `run_id`; `floats` as float64 (NULL as NaN)."""
    query = sa.select(*(table.c[c] for c in columns)).where(table.c.run_id == run_id)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=list(columns)).astype(dict.fromkeys(floats, "float64"))


def load_levers(store: Store, run_id: str) -> pd.DataFrame:
    columns = ["team", "week_start", "lever", "state", "cost_hours", "confidence"]
    return _run_frame(store, t.diagnosis_trends, run_id, columns, ["cost_hours", "confidence"])


def load_flow(store: Store, run_id: str) -> pd.DataFrame:
    return _run_frame(store, t.flow_trends, run_id, ["team", "week_start", "metric", "value"], ["value"])


def load_status_time(store: Store, run_id: str) -> pd.DataFrame:
    columns = ["team", "week_start", "status", "hours", "share"]
    return _run_frame(store, t.status_time_trends, run_id, columns, ["hours", "share"])


def load_cycle_times(store: Store, run_id: str) -> pd.DataFrame:
    """The issues behind the cycle percentiles (module docstring for columns)."""
    columns = ["team", "week_start", "issue", "cycle_hours"]
    return _run_frame(store, t.cycle_time_trends, run_id, columns, ["cycle_hours"])


def load_effects(store: Store, run_id: str) -> pd.DataFrame:
    columns = ["intervention", "team", "metric", "before", "after", "p_value", "outcome"]
    return _run_frame(store, t.intervention_effects, run_id, columns, ["before", "after", "p_value"])


def issue_places(store: Store, keys: Iterable[str]) -> list[tuple[str, str, str | None, str, str]]:
    """(key, source, issue URL or None, source kind, source URL) for each live issue holding a key."""
    wanted = sorted(set(keys))
    issues, sources = t.issues, t.sources
    found: list[tuple[str, str, str | None, str, str]] = []
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), _CHUNK):
            query = (
                sa.select(issues.c.key, issues.c.source, issues.c.url, sources.c.kind, sources.c.url)
                .join(sources, sources.c.name == issues.c.source)
                .where(issues.c.key.in_(wanted[start : start + _CHUNK]), issues.c.deleted_at.is_(None))
            )
            found.extend(tuple(row) for row in conn.execute(query))
    return found


def _trend_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=_TRENDS)
    return frame.astype(
        {"score": "float64", "confidence": "float64", "sample_size": "int64", "direction": "object"}
    )


def _json(text: str | None, kind: type[list[Any]] | type[dict[str, Any]], row: Mapping[str, Any]) -> Any:
    """Stored evidence / explain JSON; an unreadable one is shown empty, with a warning, never a crash."""
    try:
        value = json.loads(text) if text else kind()
    except ValueError:
        value = None
    if not isinstance(value, kind):
        what = "evidence" if kind is list else "explain"
        log.warning(
            "report: the stored %s of %s / %s / %s is not a JSON %s; shown as empty",
            what, row["team"], row["week_start"], row["symptom"], kind.__name__,
        )  # fmt: skip
        return kind()
    return value
