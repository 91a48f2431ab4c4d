"""What an analysis returns: one Finding per (team, week, symptom), and the team × team blocking matrix.

Everything here is plain data the store writes and the CLI prints; `to_json` gives the shape of
`orgpulse analyze --format json` (DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    OK = "ok"
    WATCH = "watch"
    ALERT = "alert"
    INSUFFICIENT_DATA = "insufficient_data"


class Direction(StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    WORSENING = "worsening"


@dataclass(frozen=True)
class Finding:
    """One (team, week, symptom) row.

    `evidence` is the full list, most significant first, each item a JSON-serialisable dict with a
    "kind" ("issue", "visit", "open_visit", "status", "approvers", "team_pair", ...). People appear
    only as pseudonyms, as sorted sets, never with per-person counts. `explain` holds what
    `orgpulse explain` needs to let a lead check the numbers: thresholds, confidence factors,
    `low_confidence`, open visits, sample issue keys.
    """

    team: str
    week_start: date
    symptom: str
    severity: Severity
    score: float | None
    direction: str | None
    confidence: float
    sample_size: int
    metrics: dict[str, float | None]
    evidence: list[dict[str, Any]] = field(default_factory=list)
    explain: dict[str, Any] = field(default_factory=dict)

    def to_json(self, *, evidence_limit: int | None = None) -> dict[str, Any]:
        """The JSON object of DESIGN.md's `findings` list (evidence cut to `evidence_limit` if given)."""
        evidence = self.evidence if evidence_limit is None else self.evidence[:evidence_limit]
        return {
            "team": self.team,
            "week_start": self.week_start.isoformat(),
            "symptom": self.symptom,
            "severity": self.severity.value,
            "score": self.score,
            "direction": self.direction,
            "confidence": self.confidence,
            "sample_size": self.sample_size,
            "metrics": dict(self.metrics),
            "evidence": list(evidence),
        }


@dataclass(frozen=True)
class DependencyRow:
    """Issues of `blocked_team` in progress in the week while blocked by an issue of `blocking_team`."""

    week_start: date
    blocked_team: str
    blocking_team: str
    blocked_issues: int
    blocked_hours: float


@dataclass(frozen=True)
class AnalysisResult:
    findings: list[Finding]
    dependencies: list[DependencyRow]
    timezone: str
    weeks: list[date]
