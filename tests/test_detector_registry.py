"""The registry of symptoms keeps its promises: one list, light declarations, detectors that match."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields

from orgpulse.analysis.detectors import SYMPTOMS, registered_detectors


def test_each_detector_declares_its_own_symptom() -> None:
    detectors = registered_detectors()
    assert [d.symptom for d in detectors] == list(SYMPTOMS)
    assert len({s.name for s in SYMPTOMS}) == len(SYMPTOMS)


def test_levels_name_a_metric_and_thresholds_keys_are_distinct() -> None:
    for symptom in SYMPTOMS:
        assert symptom.levels.metric in symptom.metrics, symptom.name
        keys = [symptom.key(f.name) for f in fields(symptom.thresholds)]
        assert len(set(keys)) == len(keys), symptom.name
        assert symptom.defaults().alert > symptom.defaults().watch, symptom.name


def test_loading_config_imports_no_computation() -> None:
    probe = (
        "import sys, orgpulse.config; "
        "print(sorted(m for m in ('pandas', 'numpy', 'orgpulse.analysis.inputs') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
