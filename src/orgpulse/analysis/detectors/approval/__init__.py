"""approval_bottleneck declared: its metric columns, levels and thresholds; `detect` computes it."""

from __future__ import annotations

from dataclasses import dataclass

from orgpulse.analysis.detectors.symptom import Levels, Symptom, Thresholds

METRICS = (
    "approval_wait_share",
    "approval_wait_p50_hours",
    "approval_wait_p85_hours",
    "approver_concentration",
    "external_approver_share",
    "open_visits",
    "open_visit_oldest_hours",
)
LEVELS = Levels("approval_wait_share", "wait_share", 0.15, 0.25, min_sample=8, gate="gate_passed")


@dataclass(frozen=True)
class ApprovalThresholds(Thresholds):
    """approval_bottleneck (SYMPTOMS.md): an alert needs the top two approvers' share of exits."""

    concentration_gate: float = 0.8


SYMPTOM = Symptom("approval_bottleneck", METRICS, LEVELS, ApprovalThresholds, __name__)
