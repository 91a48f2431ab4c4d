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
from orgpulse.analysis.timeline import pack
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

    Distinct (team, week, issue) rows are found by their packed keys in a hash table, not by frames'
    duplicates and merges (eight calls a run, tenths of a second at ~430 teams). Each row's times
    are summed per (team, week) by pandas' groupby of a column, as before and with the same group
    numbers (the groups' order): pandas adds a column by Kahan's compensation in the rows' order (the
    sample's rows as they first come, then the completed ones), or pairwise when the rows come in
    their groups' order; either way the same sums, to the bit.
    """
    empty: np.ndarray = np.zeros(0, dtype=np.int64)
    s_team, s_week, s_issue = _reported(sample, grid.first_reported)
    with_done = completed is not None and lead_time is not None
    d_team, d_week, d_issue = _reported(completed, grid.first_reported) if with_done else (empty,) * 3
    team, week, issue = (
        np.concatenate(pair) for pair in ((s_team, d_team), (s_week, d_week), (s_issue, d_issue))
    )
    key = _row_keys(team, week, issue)
    s_key, d_key = key[: len(s_team)], key[len(s_team) :]
    s_first, d_first = _firsts(s_key), _firsts(d_key)  # distinct rows, in the order they first come
    windowed = s_first[~_isin(s_key[s_first], d_key)]  # the sample's rows not completed

    w_issue, w_week = s_issue[windowed], s_week[windowed]
    window_start = grid.bounds[np.maximum(w_week - span + 1, 0)]
    window_end = np.minimum(grid.bounds[w_week + 1], as_of)
    alive = np.clip(window_end - np.maximum(window_start, cat.issues.created[w_issue]), 0, None) / 1e9
    rows = pd.DataFrame({"team": s_team[windowed], "week": w_week, "alive": alive})
    rows["seconds"] = trailing_sums(unknown_time, w_issue, w_week, span)
    if len(d_first) and lead_time is not None:
        done = pd.DataFrame({"team": d_team[d_first], "week": d_week[d_first], "issue": d_issue[d_first]})
        led = done.merge(lead_time, on="issue", how="left")
        led = led.rename(columns={"lead_seconds": "alive", "unknown_seconds": "seconds"})
        rows = pd.concat([rows, led[["team", "week", "alive", "seconds"]]], ignore_index=True)

    # Every distinct row (history_complete_share), then each row summed, numbered by (team, week).
    every = np.concatenate([s_first, len(s_key) + d_first[~_isin(d_key[d_first], s_key[s_first])]])
    g_team = np.concatenate([team[every], rows["team"].to_numpy(dtype=np.int64)])
    g_week = np.concatenate([week[every], rows["week"].to_numpy(dtype=np.int64)])
    firsts, group = _groups(_row_keys(g_team, g_week))
    count = len(firsts)
    in_history, summed = group[: len(every)], group[len(every) :]
    complete = cat.issues.frame["history_complete"].to_numpy(dtype=float)[issue[every]]
    known = ~np.isnan(complete)
    totals = {}
    for column in ("alive", "seconds"):
        total = pd.Series(rows[column].fillna(0.0).to_numpy()).groupby(summed).sum()
        totals[column] = np.full(count, np.nan)
        totals[column][total.index.to_numpy()] = total.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        # A mean of 0s and 1s: exact in any order, as the groupby's mean was.
        counted = np.bincount(in_history, known, count)
        history = np.bincount(in_history, np.where(known, complete, 0.0), count) / counted
        alive_total = totals["alive"]
        known_role = np.clip(1.0 - totals["seconds"] / np.where(alive_total > 0, alive_total, np.nan), 0, 1)
    factors = pd.DataFrame(
        {
            "team": g_team[firsts],
            "week": g_week[firsts],
            "history_complete_share": np.where(np.bincount(in_history, minlength=count) > 0, history, np.nan),
            "known_role_share": known_role,
        }
    )
    return factors.merge(mapped, on=["team", "week"], how="outer")


def _reported(sample: pd.DataFrame | None, first_reported: int) -> tuple[np.ndarray, ...]:
    """A sample's team, week and issue codes (int64) of its rows in reported weeks."""
    if sample is None:
        return (np.zeros(0, dtype=np.int64),) * 3
    week = sample["week"].to_numpy(dtype=np.int64)
    kept = week >= first_reported
    return (
        sample["team"].to_numpy(dtype=np.int64)[kept],
        week[kept],
        sample["issue"].to_numpy(dtype=np.int64)[kept],
    )


def _firsts(key: np.ndarray) -> np.ndarray:
    """Where each distinct key first comes, ascending (pandas' hash table: a sort of the keys took
    several times as long)."""
    return _first_rows(pd.factorize(key)[0])


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Where each code of `pd.factorize` first comes: its codes number the keys in order of first
    coming, so a key's first row is where the highest code so far grows."""
    highest = np.maximum.accumulate(codes) if len(codes) else codes
    first: np.ndarray = np.flatnonzero(np.diff(highest, prepend=-1) > 0)
    return first


def _groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct key's first row, in the keys' order, and each row's key's rank in that order:
    the numbers a groupby sorting its keys gives the groups."""
    codes, uniques = pd.factorize(key)
    order = np.argsort(uniques)
    rank: np.ndarray = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques), dtype=np.int64)
    return _first_rows(codes)[order], rank[codes]


def _isin(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Whether each value is one of `among`, by a hash table (np.isin sorts both)."""
    found: np.ndarray = pd.Series(values).isin(among).to_numpy()
    return found


def _row_keys(*columns: np.ndarray) -> np.ndarray:
    """One int64 per row, equal for equal rows: packed (`timeline.pack`), else the rows' rank."""
    try:
        return pack(*columns)
    except OverflowError:
        inverse: np.ndarray = np.unique(np.column_stack(columns), axis=0, return_inverse=True)[1]
        return inverse.reshape(-1).astype(np.int64)


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
