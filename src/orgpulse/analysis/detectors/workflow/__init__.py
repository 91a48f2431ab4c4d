"""rigid_workflow declared: its metric columns, levels and thresholds; `detect` computes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from orgpulse.analysis.detectors.symptom import WHOLE, Levels, Symptom, Thresholds

METRICS = (
    "statuses_per_issue_p50",
    "workflow_size",
    "unused_status_share",
    "rework_share",
    "queue_share",
)
LEVELS = Levels("queue_share", "queue_share", 0.5, 0.7, min_sample=5)


@dataclass(frozen=True)
class WorkflowThresholds(Thresholds):
    """rigid_workflow (SYMPTOMS.md): what makes a status unused."""

    unused_entry_share: float = 0.05  # entered by fewer than this share of completed issues
    unused_weeks: int = field(default=12, metadata=WHOLE)  # ... over the trailing weeks W-11..W


SYMPTOM = Symptom("rigid_workflow", METRICS, LEVELS, WorkflowThresholds, __name__)
