"""The registry of symptom detectors. Each declares the inputs it reads; the runner builds them.

Adding a symptom: write `detectors/<name>.py` exposing `DETECTOR`, add it to `DETECTORS`, and,
if it has thresholds, a thresholds dataclass in `settings.THRESHOLDS`.
"""

from __future__ import annotations

from orgpulse.analysis.detectors import approval, blocking
from orgpulse.analysis.detectors.base import Detector, DetectorOutput

DETECTORS: tuple[Detector, ...] = (approval.DETECTOR, blocking.DETECTOR)

__all__ = ["DETECTORS", "Detector", "DetectorOutput"]
