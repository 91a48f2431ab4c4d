"""Turns per-(team, week) metric tables into Findings: the full row grid, confidence, labels.

Detectors compute with team codes and week indexes; this module is where rows get their labels,
their confidence factors and, beside their evidence and explain (`evidence.py`), become Findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.evidence import Items, RowKey, rounded
from orgpulse.analysis.evidence_set import Evidence
from orgpulse.analysis.result import Finding, Severity, made
from orgpulse.analysis.scoring import LOW_CONFIDENCE, confidences
from orgpulse.analysis.weeks import NAT, WeekGrid

NO_COST_KEY: RowKey = (-1, -1)  # in a cost mapping: what a row that waited for nothing carries


def row_grid(cat: Catalogue, grid: WeekGrid) -> pd.DataFrame:
    """Every (team, week) that gets a finding: teams with issues × scored weeks."""
    teams = pd.DataFrame({"team": cat.teams.reported.astype(np.int64)})
    return teams.merge(pd.DataFrame({"week": np.array(list(grid.scored), dtype=np.int64)}), how="cross")


def grid_table(cat: Catalogue, grid: WeekGrid, per_row: pd.DataFrame) -> pd.DataFrame:
    """`row_grid` with a detector's values per row (`per_row`, indexed by team and week, with a
    sample_size); a row without any has a sample of 0."""
    table = row_grid(cat, grid).merge(per_row, left_on=["team", "week"], right_index=True, how="left")
    table["sample_size"] = table["sample_size"].fillna(0).astype(np.int64)
    return table


def sample_factors(
    cat: Catalogue,
    grid: WeekGrid,
    as_of: int,
    unknown_time: pd.DataFrame,
    mapped: pd.DataFrame,
    sample: pd.DataFrame,
    span: int,
    *,
    completed: pd.DataFrame | None = None,
    lead_time: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Confidence factors per reported row from its sample (columns team, week, issue); the rows of
    the weeks scored only for direction get none (no finding shows them).

    history_complete_share: distinct sample issues with complete history. known_role_share: the
    share of the sample's time spent in statuses of known role, over the time the row's metrics are
    computed over (SYMPTOMS.md, "Confidence and honesty"): for the issues of `completed` (the
    row's completed sample), their whole lead times up to completion (`lead_time`, from
    `lead_role_time`), never time after it; for the other issues of `sample`, their time alive
    (creation to as_of) inside weeks W-span+1..W. team_mapped_share comes from `mapped`.
    """
    keys = ["team", "week", "issue"]
    sample = sample.loc[sample["week"].to_numpy() >= grid.first_reported]
    if completed is not None:
        completed = completed.loc[completed["week"].to_numpy() >= grid.first_reported]
    done = (
        pd.DataFrame({k: pd.Series(dtype=np.int64) for k in keys})
        if completed is None or lead_time is None
        else completed[keys].drop_duplicates().reset_index(drop=True)
    )
    both = pd.concat([sample[keys], done], ignore_index=True).drop_duplicates().reset_index(drop=True)
    complete = cat.issues.frame["history_complete"].to_numpy(dtype=float)
    history = both.assign(complete=complete[both["issue"].to_numpy()])
    history = history.groupby(["team", "week"], as_index=False)["complete"].mean()
    history = history.rename(columns={"complete": "history_complete_share"})

    windowed = sample[keys].drop_duplicates()
    if len(done):
        windowed = windowed.merge(done, on=keys, how="left", indicator=True)
        windowed = windowed.loc[windowed["_merge"] == "left_only", keys]
    distinct = windowed.reset_index(drop=True)
    issue = distinct["issue"].to_numpy()
    week = distinct["week"].to_numpy()
    window_start = grid.bounds[np.maximum(week - span + 1, 0)]
    window_end = np.minimum(grid.bounds[week + 1], as_of)
    alive = np.clip(window_end - np.maximum(window_start, cat.issues.created[issue]), 0, None) / 1e9
    rows = distinct.assign(alive=alive)
    rows["seconds"] = trailing_sums(unknown_time, issue, week, span)
    if len(done) and lead_time is not None:
        led = done.merge(lead_time, on="issue", how="left")
        led = led.rename(columns={"lead_seconds": "alive", "unknown_seconds": "seconds"})[
            [*keys, "alive", "seconds"]
        ]
        rows = pd.concat([rows, led], ignore_index=True)
    rows["seconds"] = rows["seconds"].fillna(0.0)
    rows["alive"] = rows["alive"].fillna(0.0)
    summed = rows.groupby(["team", "week"], as_index=False).agg(
        alive=("alive", "sum"), unknown=("seconds", "sum")
    )
    summed["known_role_share"] = (1.0 - summed["unknown"] / summed["alive"].where(summed["alive"] > 0)).clip(
        0, 1
    )
    factors = history.merge(summed[["team", "week", "known_role_share"]], on=["team", "week"], how="outer")
    return factors.merge(mapped, on=["team", "week"], how="outer")


def trailing_sums(per_week: pd.DataFrame, issue: np.ndarray, week: np.ndarray, span: int) -> np.ndarray:
    """Per (issue, week) pair: the `seconds` of `per_week` (one row per issue and week) of that issue
    in weeks week-span+1..week, 0 without any. Added latest week first with the compensation of
    pandas' groupby sum (Kahan's), so the sums are the ones a merge and a groupby gave, to the bit,
    without a row per pair and week."""
    total: np.ndarray = np.zeros(len(issue), dtype=float)
    if per_week.empty or not len(issue):
        return total
    at = per_week["week"].to_numpy(dtype=np.int64)
    stride = int(max(at.max(), week.max())) + span + 1
    known = per_week["issue"].to_numpy(dtype=np.int64) * stride + (at + span)
    order = np.argsort(known, kind="stable")
    known, seconds = known[order], per_week["seconds"].to_numpy(dtype=float)[order]
    compensation: np.ndarray = np.zeros(len(issue), dtype=float)
    wanted = issue.astype(np.int64) * stride + (week.astype(np.int64) + span)
    for back in range(span):
        where = np.minimum(np.searchsorted(known, wanted - back), len(known) - 1)
        hit = known[where] == wanted - back
        y = seconds[where[hit]] - compensation[hit]
        t = total[hit] + y
        compensation[hit] = (t - total[hit]) - y
        total[hit] = t
    return total


def lead_role_time(cat: Catalogue, intervals: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Per completed issue, its lead time and the part of it spent in statuses of unknown role.

    Columns: issue, lead_seconds, unknown_seconds. Time after completion never counts.
    """
    completed = facts["completed"].to_numpy()
    done = np.flatnonzero(completed != NAT)
    created = cat.issues.created
    issue = intervals["issue"].to_numpy()
    mine = (completed[issue] != NAT) & ~cat.statuses.known[intervals["status"].to_numpy()]
    start = np.maximum(intervals["start"].to_numpy()[mine], created[issue[mine]])
    end = np.minimum(intervals["end"].to_numpy()[mine], completed[issue[mine]])
    unknown: np.ndarray = np.zeros(len(created), dtype=float)
    np.add.at(unknown, issue[mine], np.clip(end - start, 0, None) / 1e9)
    return pd.DataFrame(
        {
            "issue": done,
            "lead_seconds": (completed[done] - created[done]) / 1e9,
            "unknown_seconds": unknown[done],
        }
    )


@dataclass(frozen=True)
class RowTable:
    """A detector's per-row numbers, ready to become Findings.

    `table` has team, week, sample_size, severity (Severity), score (float or NaN), the metric
    columns named in `metrics`, and the three confidence factor columns; the runner adds direction.
    """

    symptom: str
    table: pd.DataFrame
    metrics: Sequence[str]
    evidence: Evidence
    explain: Items  # one dict per row key (a list of one), merged into the common explain
    common_explain: dict[str, Any]


def to_findings(
    rows: RowTable, cat: Catalogue, grid: WeekGrid, cost: Mapping[RowKey, dict[str, Any]] | None = None
) -> list[Finding]:
    """One Finding per row. With `cost` (cost.cost_explain's output, plus `cost[None]` for a row with
    no waiting), each finding carries its cost in issue-hours and, in its explain, how it was made."""
    table = rows.table if "direction" in rows.table else rows.table.assign(direction=None)
    factors = ["history_complete_share", "known_role_share", "team_mapped_share"]
    teams = table["team"].to_numpy(dtype=np.int64)
    weeks = table["week"].to_numpy(dtype=np.int64)
    labels = [str(label) for label in cat.teams.labels[teams]]
    starts = [grid.starts[w] for w in weeks.tolist()]
    severities = [Severity(value) for value in table["severity"].tolist()]
    scores = rounded(table["score"])
    directions = [d if isinstance(d, str) else None for d in table["direction"].tolist()]
    samples = table["sample_size"].to_numpy(dtype=np.int64).tolist()
    metric_values = list(zip(*(rounded(table[m]) for m in rows.metrics), strict=True))
    if not rows.metrics:
        metric_values = [()] * len(table)
    confidence, factors_named = confidences(*(rounded(table[f]) for f in factors))
    no_cost = None if cost is None else cost.get(NO_COST_KEY)
    findings = []
    for i, key in enumerate(zip(teams.tolist(), weeks.tolist(), strict=True)):
        conf, named = confidence[i], factors_named[i]
        explain = {
            **rows.common_explain,
            **(rows.explain.get(key, [{}])[0]),
            "confidence_factors": named,
            "low_confidence": conf < LOW_CONFIDENCE,
        }
        spent = None if cost is None else cost.get(key, no_cost)
        if spent is not None:
            explain["cost"] = spent
        findings.append(
            made(
                Finding,
                {
                    "team": labels[i],
                    "week_start": starts[i],
                    "symptom": rows.symptom,
                    "severity": severities[i],
                    "score": scores[i],
                    "direction": directions[i],
                    "confidence": conf,
                    "sample_size": samples[i],
                    "metrics": dict(zip(rows.metrics, metric_values[i], strict=True)),
                    "explain": explain,
                    "cost_hours": None if spent is None else spent["hours"],
                    "source": rows.evidence,
                    "row": key,
                },
            )
        )
    return findings
