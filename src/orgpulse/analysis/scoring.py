"""Severity, score, direction and confidence, exactly as SYMPTOMS.md defines them.

* Score per thresholded metric: piecewise linear, 0 -> 0, watch -> 0.5, alert -> 0.75,
  2 x alert - watch -> 1, capped; a failing gate holds the score below 0.75 (`GATE_CAP`).
* Direction: the score against the mean of the non-null scores of the 4 weeks before (at least
  2 needed); +0.05 or more is worsening, -0.05 or less improving, otherwise stable.
* Confidence: history-complete share x known-role time share x team-mapped share; a factor
  that cannot be computed (no sample) counts as 1 and is reported as null. Below 0.5 a row is
  marked `low_confidence`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from orgpulse.analysis.decimals import python_round
from orgpulse.analysis.result import Direction, Severity
from orgpulse.analysis.weeks import DIRECTION_WEEKS

GATE_CAP = 0.749
DIRECTION_STEP = 0.05
LOW_CONFIDENCE = 0.5
_EPSILON = 1e-9


def metric_score(value: float | None, watch: float, alert: float) -> float | None:
    """The piecewise-linear score of one thresholded metric (None for a missing value)."""
    if value is None or math.isnan(value):
        return None
    watch = max(watch, _EPSILON)
    alert = max(alert, watch + _EPSILON)
    points = [0.0, watch, alert, 2 * alert - watch]
    return float(np.interp(value, points, [0.0, 0.5, 0.75, 1.0]))


def metric_level(value: float | None, watch: float, alert: float) -> Severity | None:
    """ok / watch / alert for one thresholded metric (None for a missing value)."""
    if value is None or math.isnan(value):
        return None
    if value >= alert - _EPSILON:
        return Severity.ALERT
    if value >= watch - _EPSILON:
        return Severity.WATCH
    return Severity.OK


def confidences(
    history_complete: list[float | None], known_role: list[float | None], team_mapped: list[float | None]
) -> tuple[list[float], list[dict[str, float | None]]]:
    """Each row's confidence, given its factors column by column as `evidence.rounded` makes them
    (4 decimals, None for a factor that cannot be computed), and its factors as `explain` reports
    them: rounding one to 6 decimals would give it back unchanged. The product is multiplied in the
    factors' order, a missing factor counting as exactly 1.0, then rounded as Python rounds (`decimals`)."""
    columns = (history_complete, known_role, team_mapped)
    product: np.ndarray = np.ones(len(history_complete), dtype=float)
    for column in columns:
        values = np.array(column, dtype=float)  # None -> NaN
        product *= np.where(np.isnan(values), 1.0, values)
    named = [
        {"history_complete_share": h, "known_role_share": k, "team_mapped_share": t}
        for h, k, t in zip(*columns, strict=True)
    ]
    return python_round(product, 6).tolist(), named


def directions(scores: pd.DataFrame) -> pd.Series:
    """Direction of each row of `scores` (columns team, week, score; one symptom, one row per team
    and week), on a week × team array: the mean of each week's 4 weeks before, summed oldest first."""
    if scores.empty:
        return pd.Series([], dtype=object)
    week = scores["week"].to_numpy(dtype=np.int64)
    teams, column = np.unique(scores["team"].to_numpy(), return_inverse=True)
    row = week - week.min() + DIRECTION_WEEKS  # DIRECTION_WEEKS empty weeks in front
    table: np.ndarray = np.full((int(row.max()) + 1, len(teams)), np.nan)
    table[row, column] = scores["score"].to_numpy(dtype=float)
    before = [table[row - k, column] for k in range(DIRECTION_WEEKS, 0, -1)]
    total: np.ndarray = np.zeros(len(row))
    count: np.ndarray = np.zeros(len(row), dtype=np.int64)
    for values in before:
        seen = ~np.isnan(values)
        total += np.where(seen, values, 0.0)
        count += seen
    with np.errstate(invalid="ignore", divide="ignore"):
        lookup = table[row, column] - np.where(count >= 2, total / count, np.nan)
    out: np.ndarray = np.full(len(scores), None, dtype=object)
    out[lookup >= DIRECTION_STEP - _EPSILON] = Direction.WORSENING.value
    out[lookup <= -DIRECTION_STEP + _EPSILON] = Direction.IMPROVING.value
    stable = np.abs(lookup) < DIRECTION_STEP - _EPSILON
    out[stable] = Direction.STABLE.value
    return pd.Series(out, index=scores.index, dtype=object)


def score_values(values: np.ndarray, watch: float, alert: float) -> np.ndarray:
    """`metric_score` over an array (NaN stays NaN)."""
    watch = max(watch, _EPSILON)
    alert = max(alert, watch + _EPSILON)
    scores = np.interp(values, [0.0, watch, alert, 2 * alert - watch], [0.0, 0.5, 0.75, 1.0])
    result: np.ndarray = np.where(np.isnan(values), np.nan, scores)
    return result


def level_values(values: np.ndarray, watch: float, alert: float) -> np.ndarray:
    """`metric_level` over an array, as Severity values (NaN gives insufficient_data)."""
    result: np.ndarray = np.select(
        [np.isnan(values), values >= alert - _EPSILON, values >= watch - _EPSILON],
        [Severity.INSUFFICIENT_DATA.value, Severity.ALERT.value, Severity.WATCH.value],
        default=Severity.OK.value,
    ).astype(object)
    return result
