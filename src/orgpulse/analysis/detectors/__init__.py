"""The registry of symptom detectors. Each declares the inputs it reads; the runner builds them.

Adding a symptom: write `detectors/<name>.py` exposing `DETECTOR`, add it to `DETECTORS`, and,
if it has thresholds, a thresholds dataclass (and its AnalysisSettings field) in `settings.THRESHOLDS`.
"""

from __future__ import annotations

from orgpulse.analysis.detectors import (
    approval,
    blocking,
    focus,
    goals,
    meetings,
    oversized,
    ownership,
    workflow,
)
from orgpulse.analysis.detectors.base import Detected, Detector

DETECTORS: tuple[Detector, ...] = (
    approval.DETECTOR,
    blocking.DETECTOR,
    meetings.DETECTOR,
    oversized.DETECTOR,
    ownership.DETECTOR,
    workflow.DETECTOR,
    goals.DETECTOR,
    focus.DETECTOR,
)

__all__ = ["DETECTORS", "Detected", "Detector"]
