"""Did a change work? Before/after comparison of the metrics behind a lever (DESIGN.md, "Interventions").

Pure: no I/O. A lead records an `Intervention` (date, teams — empty for all —, lever — None for
every symptom —, note). For each team and each thresholded metric of the lever's symptoms:
* the before window is the `weeks_before` complete weeks that end on or before the date, the after
  window the first `weeks_after` complete weeks that start on or after it (a week holding the
  date belongs to neither);
* the values are the per-issue values where the metric is a mean over issues (hand-offs), the
  weekly values otherwise (a week whose metric is undefined adds nothing); `before` and `after`
  are their means;
* a two-sided Mann–Whitney U test (SciPy) compares them: `improved` or `worsened` at p < 0.05
  (every thresholded metric is worse when higher), `no_clear_change` otherwise or when a side has
  no value, `too_early` with fewer than `MIN_AFTER_WEEKS` complete weeks after the date.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from orgpulse.analysis.levers import LEVERS
from orgpulse.analysis.result import (
    MIN_AFTER_WEEKS,
    Effect,
    Intervention,
    InterventionResult,
)

log = logging.getLogger(__name__)

ALPHA = 0.05
IMPROVED, WORSENED, NO_CLEAR_CHANGE, TOO_EARLY = "improved", "worsened", "no_clear_change", "too_early"


@dataclass(frozen=True)
class MetricValues:
    """The values interventions compare, gathered while the detectors ran.

    `weekly[symptom]`: columns team (label), week (date), and one column per thresholded metric.
    `per_issue[metric]`: columns team (label), week (date), value — one row per issue.
    """

    weekly: dict[str, pd.DataFrame] = field(default_factory=dict)
    per_issue: dict[str, pd.DataFrame] = field(default_factory=dict)
    thresholded: dict[str, tuple[str, ...]] = field(default_factory=dict)  # symptom -> metrics


def windows(intervention: Intervention, weeks: Sequence[date]) -> tuple[list[date], list[date]]:
    """(before, after) week starts among `weeks` (complete weeks, oldest first)."""
    before = [w for w in weeks if w + timedelta(days=7) <= intervention.date][-intervention.weeks_before :]
    after = [w for w in weeks if w >= intervention.date][: intervention.weeks_after]
    return before, after


def weeks_needed(
    interventions: Sequence[Intervention], first_scored: date, history_start: date | None = None
) -> int:
    """How many weeks the scored range must grow backwards so every before window is inside it,
    never reaching further back than the week of `history_start` (the first issue's creation):
    there is nothing to compare before it."""
    earliest = first_scored
    for i in interventions:
        monday = i.date - timedelta(days=i.date.weekday())
        earliest = min(earliest, monday - timedelta(weeks=i.weeks_before))
    if history_start is not None:
        earliest = max(earliest, history_start - timedelta(days=history_start.weekday()))
    return max(0, (first_scored - earliest).days // 7)


def compare(before: Sequence[float], after: Sequence[float], enough_time: bool) -> tuple[float | None, str]:
    """(p-value, outcome) of a two-sided Mann–Whitney U test between the two samples."""
    if not enough_time:
        return None, TOO_EARLY
    if len(before) == 0 or len(after) == 0:
        return None, NO_CLEAR_CHANGE
    # Imported here: scipy.stats takes over a second to import, and every command reads the
    # [[interventions]] config through this module without testing anything.
    from scipy.stats import mannwhitneyu

    p = float(mannwhitneyu(before, after, alternative="two-sided").pvalue)
    if math.isnan(p):
        return None, NO_CLEAR_CHANGE
    if p < ALPHA:
        return p, IMPROVED if float(np.mean(after)) < float(np.mean(before)) else WORSENED
    return p, NO_CLEAR_CHANGE


class _Indexed:
    """One frame's values of one column, split per team once (teams × metrics lookups stay cheap)."""

    def __init__(self, frame: pd.DataFrame, column: str) -> None:
        values = frame[column].to_numpy(dtype=float)
        keep = ~np.isnan(values)
        self._by_team: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        teams = frame["team"].to_numpy(dtype=object)[keep]
        weeks = frame["week"].to_numpy(dtype=object)[keep]
        values = values[keep]
        for team in pd.unique(teams):
            mine = teams == team
            self._by_team[str(team)] = (weeks[mine], values[mine])

    def values(self, team: str, weeks: Sequence[date]) -> list[float]:
        found = self._by_team.get(team)
        if found is None or not weeks:
            return []
        week, value = found
        result: list[float] = value[np.isin(week, np.array(weeks, dtype=object))].tolist()
        return result


def _mean(values: Sequence[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def effects_of(
    intervention: Intervention, values: MetricValues, teams: Sequence[str], weeks: Sequence[date]
) -> InterventionResult:
    before_weeks, after_weeks = windows(intervention, weeks)
    enough = len(after_weeks) >= MIN_AFTER_WEEKS
    symptoms = LEVERS[intervention.lever] if intervention.lever else tuple(values.thresholded)
    wanted = list(intervention.teams) or list(teams)
    unknown = [t for t in wanted if t not in teams]
    if unknown:
        log.warning(
            "intervention of %s names teams with no issues: %s", intervention.date, ", ".join(unknown)
        )
    indexed = {
        metric: _Indexed(values.per_issue[metric], "value")
        if metric in values.per_issue
        else _Indexed(values.weekly[symptom], metric)
        for symptom in symptoms
        for metric in values.thresholded.get(symptom, ())
    }
    effects = []
    for team in (t for t in wanted if t in teams):
        for symptom in symptoms:
            for metric in values.thresholded.get(symptom, ()):
                before = indexed[metric].values(team, before_weeks)
                after = indexed[metric].values(team, after_weeks)
                p, outcome = compare(before, after, enough)
                effects.append(
                    Effect(
                        team=team,
                        metric=metric,
                        before=_mean(before),
                        after=_mean(after),
                        p_value=None if p is None else round(p, 6),
                        outcome=outcome,
                        before_values=len(before),
                        after_values=len(after),
                    )
                )
    return InterventionResult(intervention, before_weeks, after_weeks, effects)


def evaluate(
    interventions: Sequence[Intervention], values: MetricValues, teams: Sequence[str], weeks: Sequence[date]
) -> list[InterventionResult]:
    """Every intervention's effects, in the order they were recorded."""
    return [effects_of(i, values, teams, weeks) for i in interventions]
