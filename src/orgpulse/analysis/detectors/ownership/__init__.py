"""diluted_ownership declared: its metric columns, levels and thresholds; `detect` computes it."""

from __future__ import annotations

from orgpulse.analysis.detectors.symptom import Levels, Symptom, Thresholds

METRICS = (
    "handoffs_per_issue",
    "multi_owner_share",
    "ping_pong_share",
    "unowned_wip_share",
    "team_crossings_per_issue",
)
LEVELS = Levels("handoffs_per_issue", "handoffs_per_issue", 1.5, 2.5, min_sample=5, kind="number")
SYMPTOM = Symptom("diluted_ownership", METRICS, LEVELS, Thresholds, __name__)
