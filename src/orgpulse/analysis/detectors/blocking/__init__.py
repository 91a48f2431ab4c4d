"""cross_team_blocking declared: its metric columns, levels and thresholds; `detect` computes it."""

from __future__ import annotations

from orgpulse.analysis.detectors.symptom import Levels, Symptom, Thresholds

METRICS = (
    "cross_team_blocked_share",
    "blocked_hours_p50",
    "open_blocked_issues",
    "open_blocked_oldest_hours",
)
LEVELS = Levels("cross_team_blocked_share", "blocked_share", 0.10, 0.20, min_sample=5)
SYMPTOM = Symptom("cross_team_blocking", METRICS, LEVELS, Thresholds, __name__)
