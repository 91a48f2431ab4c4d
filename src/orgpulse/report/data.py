"""Reads one analysis run's trend rows from the store into pandas, ready for the HTML report.

Only reads: the report takes no lock (DESIGN.md). Frames built here, and their columns:

* `load_trends` — one row per (team, week, symptom) of the run:
    team (str), week_start (datetime.date), symptom (str id), symptom_title (str, human-readable),
    severity (ok | watch | alert | insufficient_data), score (float, NaN when null),
    direction (improving | stable | worsening | None), confidence (float), sample_size (int)
* `load_current` — the alert and watch rows of one week, with everything `explain` needs:
    the `load_trends` columns, plus evidence (list of dicts, full, most significant first),
    explain (dict), metrics (dict metric name -> float | None, from `metric_trends`)
* `load_dependencies` — the team × team blocking matrix of the run:
    week_start (datetime.date), blocked_team (str), blocking_team (str), blocked_issues (int),
    blocked_hours (float)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from orgpulse.errors import AnalysisError
from orgpulse.store import Store
from orgpulse.store import schema as t

log = logging.getLogger(__name__)

NO_RUN = "no completed analysis run in the store: run `orgpulse analyze` first"

SEVERITY_RANK = {"alert": 3, "watch": 2, "ok": 1, "insufficient_data": 0}

# Symptom id -> (title, the claim in a few words), after SYMPTOMS.md.
SYMPTOMS: dict[str, tuple[str, str]] = {
    "approval_bottleneck": ("Approval bottleneck", "decisions wait on a few people outside the team"),
    "cross_team_blocking": ("Cross-team blocking", "teams cannot move in parallel"),
    "meeting_driven_process": ("Meeting-driven process", "coordination replaces collaboration"),
    "oversized_team": ("Oversized team", "more than 7 people share one scope"),
    "diluted_ownership": ("Diluted ownership", "nobody owns the result end to end"),
    "rigid_workflow": ("Rigid workflow", "process matters more than flexibility"),
    "goal_disconnect": ("Goal disconnect", "a task list instead of a direction"),
    "scattered_focus": ("Scattered focus", "everyone on every front, so on none"),
}

_TREND_COLUMNS = [
    "team",
    "week_start",
    "symptom",
    "symptom_title",
    "severity",
    "score",
    "direction",
    "confidence",
    "sample_size",
]


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


def symptom_title(symptom: str) -> str:
    """The human-readable name of a symptom id ("approval_bottleneck" -> "Approval bottleneck")."""
    known = SYMPTOMS.get(symptom)
    return known[0] if known else humanise(symptom)


def symptom_claim(symptom: str) -> str:
    known = SYMPTOMS.get(symptom)
    return known[1] if known else ""


def humanise(name: str) -> str:
    """A snake_case id as words: "approval_wait_p50_hours" -> "Approval wait p50 hours"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


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


def load_current(store: Store, run_id: str, week: date) -> pd.DataFrame:
    """The alert and watch rows of `week`, with evidence, explain and metrics (module docstring)."""
    s, m = t.symptom_trends, t.metric_trends
    query = sa.select(s).where(
        s.c.run_id == run_id, s.c.week_start == week, s.c.severity.in_(["alert", "watch"])
    )
    metrics_query = sa.select(m.c.team, m.c.symptom, m.c.metric, m.c.value).where(
        m.c.run_id == run_id, m.c.week_start == week
    )
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
        metric_rows = conn.execute(metrics_query).all()
    metrics: dict[tuple[str, str], dict[str, float | None]] = {}
    for team, symptom, metric, value in metric_rows:
        metrics.setdefault((team, symptom), {})[metric] = None if value is None else float(value)
    frame = _trend_frame(rows)
    frame["evidence"] = [_json(r["evidence"], list, r) for r in rows]
    frame["explain"] = [_json(r["explain"], dict, r) for r in rows]
    frame["metrics"] = [metrics.get((r["team"], r["symptom"]), {}) for r in rows]
    return frame


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


def team_order(trends: pd.DataFrame, week: date) -> list[str]:
    """Teams, most alerts in `week` first; ties by watches that week, alerts over the window, name."""
    if trends.empty:
        return []
    latest = trends[trends["week_start"] == week]
    alerts = latest[latest["severity"] == "alert"].groupby("team").size()
    watches = latest[latest["severity"] == "watch"].groupby("team").size()
    window = trends[trends["severity"] == "alert"].groupby("team").size()
    teams = sorted(set(trends["team"]))
    return sorted(
        teams,
        key=lambda team: (-alerts.get(team, 0), -watches.get(team, 0), -window.get(team, 0), team),
    )


def _trend_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[c for c in _TREND_COLUMNS if c != "symptom_title"])
    frame.insert(3, "symptom_title", [symptom_title(s) for s in frame["symptom"]])
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
