"""goal_disconnect declared: its metric columns, levels and thresholds; `detect` computes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from orgpulse.analysis.detectors.symptom import NUMBER, Levels, Symptom, Thresholds

METRICS = ("unlinked_share",)
LEVELS = Levels("unlinked_share", "unlinked_share", 0.4, 0.6, min_sample=5)


@dataclass(frozen=True)
class GoalThresholds(Thresholds):
    """goal_disconnect (SYMPTOMS.md): how late after creation a goal link may be made, in days."""

    link_days: float = field(default=7.0, metadata=NUMBER)


SYMPTOM = Symptom("goal_disconnect", METRICS, LEVELS, GoalThresholds, __name__)
