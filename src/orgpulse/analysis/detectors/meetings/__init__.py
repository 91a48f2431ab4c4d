"""meeting_driven_process declared: its metric columns, levels and thresholds; `detect` computes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from orgpulse.analysis.detectors.symptom import PATTERNS, Levels, Symptom, Thresholds
from orgpulse.analysis.patterns import DEFAULT_COORDINATION_PATTERNS, normalise_name

METRICS = ("coordination_share", "meeting_wait_share", "decision_batching", "median_wait_for_slot_hours")
LEVELS = Levels("decision_batching", "decision_batching", 0.4, 0.6, min_sample=10)


@dataclass(frozen=True)
class MeetingThresholds(Thresholds):
    """meeting_driven_process (SYMPTOMS.md): what a coordination artefact is."""

    coordination_patterns: tuple[str, ...] = field(
        default=tuple(normalise_name(p) for p in DEFAULT_COORDINATION_PATTERNS), metadata=PATTERNS
    )


SYMPTOM = Symptom("meeting_driven_process", METRICS, LEVELS, MeetingThresholds, __name__)
