"""What a detector is: a symptom id, the inputs it declares, and a pure function of those inputs.

A detector computes its metrics and declares the rest: which metric is graded against which
levels (`Grading`) and which issues stand behind each row (`Sample`). The runner does the work
every symptom shares, once (`grading.finish`): severity and score, confidence factors, and the
thresholds entry of `explain`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgpulse.analysis.assemble import RowTable
from orgpulse.analysis.inputs import Inputs, Key
from orgpulse.analysis.result import DependencyRow


@dataclass(frozen=True)
class Grading:
    """One thresholded metric against watch and alert levels, with the sample's minimum.

    `strict` levels are "more than" (oversized_team); `gate` names a boolean column an alert needs,
    else the row is held at watch with its score below 0.75 (approval_bottleneck); `extra` adds
    entries to the explain thresholds (further limits the detector applied).
    """

    metric: str
    watch: float
    alert: float
    min_sample: int
    strict: bool = False
    gate: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    """The issues behind each row (team, week, issue) for its confidence: their time inside the
    `span` weeks ending at W counts; for those of `completed` (a completed sample) their whole lead
    times up to completion count instead (SYMPTOMS.md, "Confidence and honesty")."""

    issues: pd.DataFrame
    span: int
    completed: pd.DataFrame | None = None


@dataclass(frozen=True)
class DetectorOutput:
    """Rows for every scored week (direction weeks included), ungraded; extra trend tables beside them.

    `cost` (cost.COST_COLUMNS: team, week, issue, hours) is the waiting the symptom measures,
    built from the intervals the detector read, with `cost_counted` saying what it counts; None
    for a symptom without a waiting cost. `per_issue` maps a thresholded metric that is a mean
    over issues to its per-issue values (columns team, week, value), for interventions' tests.
    """

    rows: RowTable
    grading: Grading
    sample: Sample
    dependencies: list[DependencyRow] = field(default_factory=list)
    cost: pd.DataFrame | None = None
    cost_counted: str = ""
    per_issue: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Detector:
    symptom: str
    needs: tuple[Key[Any], ...]
    detect: Callable[[Inputs], DetectorOutput]
