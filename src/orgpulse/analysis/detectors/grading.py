"""Severity and score of a row from its one thresholded metric and its sample (SYMPTOMS.md, scoring),
and the closing steps every detector shares (`finish`): its declared constants joined to what it computed.

Levels are ">=" thresholds unless `strict` (oversized_team's "more than 7 people"); the score map
is the same either way. A failing gate holds an alert at watch, its score below 0.75. A row whose
sample is below the minimum (or empty) is insufficient_data with a null score; its metrics are
still reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis.assemble import RowTable, sample_factors
from orgpulse.analysis.derived import CATALOGUE, LEAD_TIME, MAPPED, UNKNOWN_TIME
from orgpulse.analysis.detectors.base import Detected, Detector
from orgpulse.analysis.detectors.symptom import Levels, Thresholds
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.result import Severity
from orgpulse.analysis.scoring import GATE_CAP, level_values, score_values

# What the runner reads for every detector's closing steps, beyond what each declares.
FINISH_NEEDS = (CATALOGUE, UNKNOWN_TIME, MAPPED, LEAD_TIME)


def finish(detector: Detector, output: Detected, inputs: Inputs) -> RowTable:
    """The detector's rows graded, with their confidence factors and the explain thresholds."""
    sample, context = output.sample, inputs.context
    levels, configured = detector.symptom.levels, context.settings.thresholds(detector.symptom)
    table = grade(output.table, levels, configured)
    factors = sample_factors(
        inputs[CATALOGUE], context.grid, context.as_of, inputs[UNKNOWN_TIME], inputs[MAPPED],
        sample.issues, sample.span,
        completed=sample.completed, lead_time=inputs[LEAD_TIME] if sample.completed is not None else None,
    )  # fmt: skip
    thresholds = {
        levels.metric: {"watch": configured.watch, "alert": configured.alert},
        "min_sample": configured.min_sample,
        **output.limits,
    }
    return RowTable(
        symptom=detector.symptom.name,
        table=table.merge(factors, on=["team", "week"], how="left"),
        metrics=detector.symptom.metrics,
        evidence=output.evidence,
        explain=output.explain,
        common_explain={
            "thresholds": thresholds,
            "sample": detector.sample,
            **detector.notes,
            **output.common_explain,
        },
    )


def strict_levels(values: np.ndarray, watch: float, alert: float) -> np.ndarray:
    """ok / watch / alert for "value > threshold" levels (NaN gives insufficient_data)."""
    result: np.ndarray = np.select(
        [np.isnan(values), values > alert, values > watch],
        [Severity.INSUFFICIENT_DATA.value, Severity.ALERT.value, Severity.WATCH.value],
        default=Severity.OK.value,
    ).astype(object)
    return result


def grade(table: pd.DataFrame, levels: Levels, configured: Thresholds) -> pd.DataFrame:
    """`table` with severity and score columns from the graded metric and `sample_size`.

    A failing `levels.gate` holds an alert at watch, its score below 0.75 (approval_bottleneck).
    """
    values = table[levels.metric].to_numpy(dtype=float)
    watch, alert = configured.watch, configured.alert
    severity = (strict_levels if levels.strict else level_values)(values, watch, alert)
    score = score_values(values, watch, alert)
    if levels.gate is not None:
        held = (severity == Severity.ALERT.value) & ~table[levels.gate].to_numpy(dtype=bool)
        severity[held] = Severity.WATCH.value
        score = np.where(held, np.minimum(score, GATE_CAP), score)
    insufficient = table["sample_size"].to_numpy() < max(configured.min_sample, 1)
    severity[insufficient] = Severity.INSUFFICIENT_DATA.value
    return table.assign(
        severity=severity, score=np.where(severity == Severity.INSUFFICIENT_DATA.value, np.nan, score)
    )
