"""oversized_team declared: its metric columns, levels and thresholds; `detect` computes it."""

from __future__ import annotations

from orgpulse.analysis.detectors.symptom import Levels, Symptom, Thresholds

METRICS = ("active_people", "roster_size")
# Strict levels: more than 7 people active is watch, more than 9 alert.
LEVELS = Levels("active_people", "active_people", 7.0, 9.0, min_sample=10, kind="number", strict=True)
SYMPTOM = Symptom("oversized_team", METRICS, LEVELS, Thresholds, __name__)
