"""What a detector is: a symptom's constants declared once, and a pure function of its inputs.

A `Detector` declares what never changes between runs: its symptom (`symptom.Symptom`: id,
metric columns, levels, thresholds class), the inputs it reads, its sample's definition, the
common explain notes and what its cost counts. Its function returns only what it computes
(`Detected`): the table, evidence and explain per row, the further limits it applied and which
issues stand behind each row (`Sample`). The runner does the work every symptom shares, once
(`grading.finish`): the `RowTable`, severity and score from the symptom's levels and configured
thresholds, confidence factors, and the thresholds and sample entries of `explain`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgpulse.analysis.detectors.symptom import Symptom
from orgpulse.analysis.evidence import Items
from orgpulse.analysis.evidence_set import Evidence
from orgpulse.analysis.inputs import Inputs, Key
from orgpulse.analysis.result import DependencyRow


@dataclass(frozen=True)
class Sample:
    """The issues behind each row (team, week, issue) for its confidence: their time inside the
    `span` weeks ending at W counts; for those of `completed` (a completed sample) their whole lead
    times up to completion count instead (SYMPTOMS.md, "Confidence and honesty")."""

    issues: pd.DataFrame
    span: int
    completed: pd.DataFrame | None = None


@dataclass(frozen=True)
class Detected:
    """What one run of a detector computed: rows for every scored week (direction weeks included),
    ungraded, with their evidence and explain (assemble.RowTable's columns and items).

    `limits` adds entries to the explain thresholds (further limits the detector applied);
    `common_explain` holds the entries that depend on the settings, after the declared ones.
    `cost` (cost.COST_COLUMNS: team, week, issue, hours) is the waiting the symptom measures,
    built from the intervals the detector read; None for a symptom without a waiting cost or when
    the run does not diagnose. `per_issue` maps a thresholded metric that is a mean over issues to
    its per-issue values (columns team, week, value), for interventions' tests.
    """

    table: pd.DataFrame
    evidence: Evidence
    explain: Items
    sample: Sample
    limits: dict[str, Any] = field(default_factory=dict)
    common_explain: dict[str, Any] = field(default_factory=dict)
    dependencies: list[DependencyRow] = field(default_factory=list)
    cost: pd.DataFrame | None = None
    per_issue: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Detector:
    """A symptom's declaration (id, metrics, thresholds), the inputs it reads and its detect function.

    `sample` defines the issues (or people) behind a row, the common explain's "sample"; `notes`
    are further common explain entries every run shares; `cost_counted` says what the symptom's
    cost counts ("" without a waiting cost).
    """

    symptom: Symptom[Any]
    needs: tuple[Key[Any], ...]
    detect: Callable[[Inputs], Detected]
    sample: str
    notes: dict[str, Any] = field(default_factory=dict)
    cost_counted: str = ""
