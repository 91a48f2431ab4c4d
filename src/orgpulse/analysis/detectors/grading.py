"""Severity and score of a row from its one thresholded metric and its sample (SYMPTOMS.md, scoring).

Levels are ">=" thresholds unless `strict` (oversized_team's "more than 7 people"); the score map
is the same either way. A row whose sample is below the minimum (or empty) is insufficient_data
with a null score; its metrics are still reported.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis.result import Severity
from orgpulse.analysis.scoring import level_values, score_values


def strict_levels(values: np.ndarray, watch: float, alert: float) -> np.ndarray:
    """ok / watch / alert for "value > threshold" levels (NaN gives insufficient_data)."""
    result: np.ndarray = np.select(
        [np.isnan(values), values > alert, values > watch],
        [Severity.INSUFFICIENT_DATA.value, Severity.ALERT.value, Severity.WATCH.value],
        default=Severity.OK.value,
    ).astype(object)
    return result


def grade(
    table: pd.DataFrame, metric: str, watch: float, alert: float, min_sample: int, *, strict: bool = False
) -> pd.DataFrame:
    """`table` with severity and score columns from `metric` and `sample_size`."""
    values = table[metric].to_numpy(dtype=float)
    severity = (strict_levels if strict else level_values)(values, watch, alert)
    severity[table["sample_size"].to_numpy() < max(min_sample, 1)] = Severity.INSUFFICIENT_DATA.value
    score = score_values(values, watch, alert)
    return table.assign(
        severity=severity, score=np.where(severity == Severity.INSUFFICIENT_DATA.value, np.nan, score)
    )


def levels(metric: str, watch: float, alert: float, min_sample: int, **extra: Any) -> dict[str, Any]:
    """The "thresholds" entry of `explain`."""
    return {metric: {"watch": watch, "alert": alert}, "min_sample": min_sample, **extra}
