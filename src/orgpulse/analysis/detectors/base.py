"""What a detector is: a symptom id, the inputs it declares, and a pure function of those inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgpulse.analysis.assemble import RowTable
from orgpulse.analysis.inputs import Inputs, Key
from orgpulse.analysis.result import DependencyRow


@dataclass(frozen=True)
class DetectorOutput:
    """Rows for every scored week (direction weeks included); extra trend tables beside them.

    `cost` (cost.COST_COLUMNS: team, week, issue, hours) is the waiting the symptom measures,
    built from the intervals the detector read, with `cost_counted` saying what it counts; None
    for a symptom without a waiting cost. `per_issue` maps a thresholded metric that is a mean
    over issues to its per-issue values (columns team, week, value), for interventions' tests.
    """

    rows: RowTable
    dependencies: list[DependencyRow] = field(default_factory=list)
    cost: pd.DataFrame | None = None
    cost_counted: str = ""
    per_issue: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Detector:
    symptom: str
    needs: tuple[Key[Any], ...]
    detect: Callable[[Inputs], DetectorOutput]
