"""The explain use case: everything behind one stored (team, week, symptom) row, to check it by hand.

Reads the latest completed analysis run that holds the row (no lock, DESIGN.md), through
`store.trends`: its metrics with their thresholds, its full evidence (issue keys, statuses, team
pairs, pseudonymised people), the factors of its confidence, and how its waiting cost was made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from orgpulse.store import Store
from orgpulse.store.trends import latest_row


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
    stored = latest_row(store, symptom, team, week)
    m = stored.row
    return Explanation(
        run_id=m["run_id"],
        run_trigger=stored.trigger,
        run_as_of=stored.as_of,
        timezone=stored.timezone,
        team=team,
        week_start=m["week_start"],
        symptom=symptom,
        severity=m["severity"],
        score=m["score"],
        direction=m["direction"],
        confidence=m["confidence"],
        sample_size=m["sample_size"],
        metrics=stored.metrics,
        evidence=json.loads(m["evidence"]),
        explain=json.loads(m["explain"]),
    )
