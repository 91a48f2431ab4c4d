"""The registry of symptoms: `SYMPTOMS`, the one list the runner, the settings and config follow.

Each symptom lives in one small folder `detectors/<name>/`:
* `__init__.py` declares it and stays light (config loading imports it: no pandas, numpy or
  computation): `METRICS`, its graded metric's default `LEVELS`, its thresholds dataclass when it
  has settings beyond the levels, and `SYMPTOM = Symptom(name, METRICS, LEVELS, thresholds class,
  __name__)` (symptom.py);
* `detect.py` computes it: `DETECTOR = Detector(SYMPTOM, needs, detect_<name>, sample, ...)`,
  the inputs it declares and its pure function, which returns only what it computes (`Detected`).
The runner builds the inputs, then grades, scores and explains every symptom alike (`grading.finish`);
the `[analysis.<name>]` config table, the settings and their fingerprint follow from the registry.

Adding a symptom: that folder, its line in `SYMPTOMS`, its package in pyproject.toml's list
(tests/test_packaging.py checks it) and its section in SYMPTOMS.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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
from orgpulse.analysis.detectors.symptom import Symptom

if TYPE_CHECKING:
    from orgpulse.analysis.detectors.base import Detector

SYMPTOMS: tuple[Symptom[Any], ...] = (
    approval.SYMPTOM,
    blocking.SYMPTOM,
    meetings.SYMPTOM,
    oversized.SYMPTOM,
    ownership.SYMPTOM,
    workflow.SYMPTOM,
    goals.SYMPTOM,
    focus.SYMPTOM,
)


def registered_detectors() -> tuple[Detector, ...]:
    """Every symptom's detector, in registry order (this imports the computations: pandas, numpy)."""
    found: list[Detector] = [import_module(f"{s.package}.detect").DETECTOR for s in SYMPTOMS]
    return tuple(found)


__all__ = ["SYMPTOMS", "Symptom", "registered_detectors"]
