"""The explain use case: everything behind one stored (team, week, symptom) row, to check it by hand.

Reads the latest completed analysis run that holds the row (no lock, DESIGN.md): its metrics with
their thresholds, its full evidence (issue keys, statuses, team pairs, pseudonymised people), the
factors of its confidence, and how its waiting cost was made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from orgpulse.errors import AnalysisError
from orgpulse.store import Store
from orgpulse.store import schema as t


@dataclass(frozen=True)
class Explanation:
    run_id: str
    run_trigger: str
    run_as_of: datetime
    timezone: str
    team: str
    week_start: date
    symptom: str
    severity: str
    score: float | None
    direction: str | None
    confidence: float
    sample_size: int
    metrics: dict[str, float | None]
    evidence: list[dict[str, Any]]
    explain: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "run_trigger": self.run_trigger,
            "run_as_of": self.run_as_of.isoformat(),
            "timezone": self.timezone,
            "team": self.team,
            "week_start": self.week_start.isoformat(),
            "symptom": self.symptom,
            "severity": self.severity,
            "score": self.score,
            "direction": self.direction,
            "confidence": self.confidence,
            "low_confidence": self.confidence < 0.5,
            "sample_size": self.sample_size,
            "metrics": self.metrics,
            "thresholds": self.explain.get("thresholds", {}),
            "confidence_factors": self.explain.get("confidence_factors", {}),
            # How the waiting cost was made (None for a symptom without one): what was counted,
            # the total issue-hours inside the week, and the issues behind it (keys, largest first).
            "cost": self.explain.get("cost"),
            "evidence": self.evidence,
            "explain": self.explain,
        }


def run_explain(store: Store, symptom: str, team: str, week: date | None = None) -> Explanation:
    """The row of the latest completed run holding (team, symptom), at `week` or its latest week."""
    runs, trends = t.analysis_runs, t.symptom_trends
    with store.engine.connect() as conn:
        stmt = (
            sa.select(trends, runs.c.trigger, runs.c.as_of, runs.c.timezone)
            .join(runs, runs.c.run_id == trends.c.run_id)
            .where(runs.c.status == "completed", trends.c.team == team, trends.c.symptom == symptom)
            .order_by(runs.c.finished_at.desc(), trends.c.week_start.desc())
        )
        if week is not None:
            stmt = stmt.where(trends.c.week_start == week)
        row = conn.execute(stmt.limit(1)).first()
        if row is None:
            raise AnalysisError(_missing(conn, symptom, team, week))
        m = row._mapping
        metrics = {
            r.metric: r.value
            for r in conn.execute(
                sa.select(t.metric_trends.c.metric, t.metric_trends.c.value).where(
                    t.metric_trends.c.run_id == m["run_id"],
                    t.metric_trends.c.team == team,
                    t.metric_trends.c.week_start == m["week_start"],
                    t.metric_trends.c.symptom == symptom,
                )
            )
        }
    return Explanation(
        run_id=m["run_id"],
        run_trigger=m["trigger"],
        run_as_of=m["as_of"],
        timezone=m["timezone"],
        team=team,
        week_start=m["week_start"],
        symptom=symptom,
        severity=m["severity"],
        score=m["score"],
        direction=m["direction"],
        confidence=m["confidence"],
        sample_size=m["sample_size"],
        metrics=metrics,
        evidence=json.loads(m["evidence"]),
        explain=json.loads(m["explain"]),
    )


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
