"""scattered_focus declared: its metric columns, levels and thresholds; `detect` computes it."""

from __future__ import annotations

from orgpulse.analysis.detectors.symptom import Levels, Symptom, Thresholds

METRICS = ("wip_per_person_p50", "goals_per_person_p50")
# Per-person WIP: the weekly median over the team's people.
LEVELS = Levels("wip_per_person_p50", "wip_per_person", 3.0, 5.0, min_sample=3, kind="number")
SYMPTOM = Symptom("scattered_focus", METRICS, LEVELS, Thresholds, __name__)
