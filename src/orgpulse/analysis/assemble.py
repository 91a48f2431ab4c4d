"""Turns per-(team, week) metric tables into Findings: the full row grid, confidence, evidence lists.

Detectors compute with team codes and week indexes; this module is where rows get their labels,
their confidence factors and their JSON-ready evidence. A row key is (team code, week index).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.result import Finding, Severity
from orgpulse.analysis.scoring import LOW_CONFIDENCE, confidence
from orgpulse.analysis.timeline import first_of_runs, pack, unique_rows
from orgpulse.analysis.weeks import WeekGrid

RowKey = tuple[int, int]
NO_COST_KEY: RowKey = (-1, -1)  # in a cost mapping: what a row that waited for nothing carries
Items = dict[RowKey, list[dict[str, Any]]]


def row_grid(cat: Catalogue, grid: WeekGrid) -> pd.DataFrame:
    """Every (team, week) that gets a finding: teams with issues × scored weeks."""
    teams = pd.DataFrame({"team": cat.teams.reported.astype(np.int64)})
    return teams.merge(pd.DataFrame({"week": np.array(list(grid.scored), dtype=np.int64)}), how="cross")


def plain(value: Any) -> Any:
    """A JSON-safe Python value: NaN becomes None, floats are rounded to 4 decimals."""
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def number(value: object) -> float | None:
    """A float rounded to 4 decimals, or None for missing values."""
    if isinstance(value, int | float | np.integer | np.floating) and not math.isnan(value):
        return round(float(value), 4)
    return None


def week_end(grid: WeekGrid, week: int) -> str:
    """The (exclusive) end date of a week, ISO formatted."""
    return (grid.starts[week] + timedelta(days=7)).isoformat()


def column_values(frame: pd.DataFrame, column: str) -> list[Any]:
    """A column as JSON-safe Python values ("=<text>" gives the constant text)."""
    if column.startswith("="):
        return [column[1:]] * len(frame)
    values = frame[column]
    if pd.api.types.is_float_dtype(values.dtype):
        rounded = np.round(values.to_numpy(dtype=float), 4)
        listed: list[Any] = rounded.tolist()
        if np.isnan(rounded).any():
            listed = [None if v != v else v for v in listed]
        return listed
    return [plain(v) for v in values.tolist()] if values.dtype == object else values.tolist()


def group_records(frame: pd.DataFrame, fields: Mapping[str, str]) -> Items:
    """Rows of `frame` (with team and week columns, in the wanted order) as dicts per row key.

    `fields` maps the output name to the column; a column named "=<text>" gives a constant.
    """
    out: Items = {}
    if frame.empty:
        return out
    names = list(fields)
    columns = [column_values(frame, column) for column in fields.values()]
    keys = zip(frame["team"].tolist(), frame["week"].tolist(), strict=True)
    for key, values in zip(keys, zip(*columns, strict=True), strict=True):
        out.setdefault(key, []).append(dict(zip(names, values, strict=True)))
    return out


def merge_items(*parts: Items) -> Items:
    """Concatenate item lists per row key, in argument order."""
    out: Items = {}
    for part in parts:
        for key, items in part.items():
            out.setdefault(key, []).extend(items)
    return out


def sample_factors(
    cat: Catalogue,
    grid: WeekGrid,
    as_of: int,
    unknown_time: pd.DataFrame,
    mapped: pd.DataFrame,
    sample: pd.DataFrame,
    span: int,
) -> pd.DataFrame:
    """Confidence factors per row from its sample (columns team, week, issue).

    history_complete_share: distinct sample issues with complete history. known_role_share: over
    weeks W-span+1..W, the sample issues' time in statuses of known role over their time alive
    (creation to as_of, clipped to those weeks). team_mapped_share comes from `mapped`.
    """
    distinct = sample[["team", "week", "issue"]].drop_duplicates().reset_index(drop=True)
    issue = distinct["issue"].to_numpy()
    week = distinct["week"].to_numpy()
    complete = cat.issues.frame["history_complete"].to_numpy(dtype=float)
    window_start = grid.bounds[np.maximum(week - span + 1, 0)]
    window_end = np.minimum(grid.bounds[week + 1], as_of)
    alive = np.clip(window_end - np.maximum(window_start, cat.issues.created[issue]), 0, None) / 1e9
    rows = distinct.assign(complete=complete[issue], alive=alive)
    if not unknown_time.empty:
        spread = distinct.iloc[np.repeat(np.arange(len(distinct)), span)].reset_index(drop=True)
        spread["at_week"] = spread["week"] - np.tile(np.arange(span), len(distinct))
        timed = spread.merge(
            unknown_time, left_on=["issue", "at_week"], right_on=["issue", "week"], suffixes=("", "_t")
        )
        lost = timed.groupby(["team", "week", "issue"], as_index=False)["seconds"].sum()
        rows = rows.merge(lost, on=["team", "week", "issue"], how="left")
    else:
        rows["seconds"] = 0.0
    rows["seconds"] = rows["seconds"].fillna(0.0)
    summed = rows.groupby(["team", "week"], as_index=False).agg(
        history_complete_share=("complete", "mean"), alive=("alive", "sum"), unknown=("seconds", "sum")
    )
    summed["known_role_share"] = 1.0 - summed["unknown"] / summed["alive"].where(summed["alive"] > 0)
    factors = summed[["team", "week", "history_complete_share", "known_role_share"]]
    return factors.merge(mapped, on=["team", "week"], how="outer")


@dataclass(frozen=True)
class RowTable:
    """A detector's per-row numbers, ready to become Findings.

    `table` has team, week, sample_size, severity (Severity), score (float or NaN), the metric
    columns named in `metrics`, and the three confidence factor columns; the runner adds direction.
    """

    symptom: str
    table: pd.DataFrame
    metrics: Sequence[str]
    evidence: Items
    explain: Items  # one dict per row key (a list of one), merged into the common explain
    common_explain: dict[str, Any]


def to_findings(
    rows: RowTable, cat: Catalogue, grid: WeekGrid, cost: Mapping[RowKey, dict[str, Any]] | None = None
) -> list[Finding]:
    """One Finding per row. With `cost` (cost.cost_explain's output, plus `cost[None]` for a row with
    no waiting), each finding carries its cost in issue-hours and, in its explain, how it was made."""
    findings = []
    columns = [
        "team",
        "week",
        "sample_size",
        "severity",
        "score",
        "direction",
        *rows.metrics,
        "history_complete_share",
        "known_role_share",
        "team_mapped_share",
    ]
    table = rows.table if "direction" in rows.table else rows.table.assign(direction=None)
    records = zip(*(table[c].tolist() for c in columns), strict=True)
    for team, week, sample, severity, score, direction, *rest in records:
        values, factors = rest[: len(rows.metrics)], rest[len(rows.metrics) :]
        conf, named = confidence(*(plain(f) for f in factors))
        key = (int(team), int(week))
        explain = {
            **rows.common_explain,
            **(rows.explain.get(key, [{}])[0]),
            "confidence_factors": named,
            "low_confidence": conf < LOW_CONFIDENCE,
        }
        made = None if cost is None else cost.get(key, cost.get(NO_COST_KEY))
        if made is not None:
            explain["cost"] = made
        findings.append(
            Finding(
                team=str(cat.teams.labels[int(team)]),
                week_start=grid.starts[int(week)],
                symptom=rows.symptom,
                severity=Severity(severity),
                score=plain(score),
                direction=direction if isinstance(direction, str) else None,
                confidence=conf,
                sample_size=int(sample),
                metrics={m: plain(v) for m, v in zip(rows.metrics, values, strict=True)},
                evidence=rows.evidence.get(key, []),
                explain=explain,
                cost_hours=None if made is None else made["hours"],
            )
        )
    return findings


def key_lists(frame: pd.DataFrame, cat: Catalogue) -> dict[RowKey, list[str]]:
    """Sorted, distinct issue keys per row key (frame columns team, week, issue)."""
    if frame.empty:
        return {}
    pairs = unique_rows(frame[["team", "week", "issue"]], ["team", "week", "issue"])
    team, week, issue = (pairs[c].to_numpy() for c in ("team", "week", "issue"))
    order = np.lexsort((cat.issues.frame["key_rank"].to_numpy()[issue], week, team))
    team, week = team[order], week[order]
    keys = cat.issues.frame["key"].to_numpy(dtype=object)[issue[order]].tolist()
    heads = np.flatnonzero(first_of_runs(pack(team, week)))
    ends = [*heads[1:].tolist(), len(order)]
    return {
        (int(team[h]), int(week[h])): [str(k) for k in keys[h:e]]
        for h, e in zip(heads.tolist(), ends, strict=True)
    }


def explain_samples(
    cat: Catalogue,
    grid: WeekGrid,
    table: pd.DataFrame,
    samples: Mapping[str, pd.DataFrame],
    extra: Callable[[int], dict[str, Any]] | None = None,
) -> Items:
    """Per row: its week, the issue keys of each named sample, and any `extra(week)` entries."""
    lists = {name: key_lists(frame, cat) for name, frame in samples.items()}
    out: Items = {}
    for team, week in zip(table["team"].tolist(), table["week"].tolist(), strict=True):
        key = (int(team), int(week))
        entry: dict[str, Any] = {"week": [grid.starts[week].isoformat(), week_end(grid, week)]}
        entry.update(extra(week) if extra else {})
        entry["sample_issue_keys"] = {name: found.get(key, []) for name, found in lists.items()}
        out[key] = [entry]
    return out


def people_sets(frame: pd.DataFrame, cat: Catalogue) -> dict[RowKey, list[str]]:
    """Sorted, distinct pseudonyms per row key (frame columns team, week, person): a set, never counts."""
    if frame.empty:
        return {}
    pairs = frame[["team", "week", "person"]].drop_duplicates()
    out: dict[RowKey, set[str]] = {}
    names = cat.people.pseudonyms
    for team, week, person in zip(
        pairs["team"].tolist(), pairs["week"].tolist(), pairs["person"].tolist(), strict=True
    ):
        if person >= 0:
            out.setdefault((int(team), int(week)), set()).add(str(names[person]))
    return {k: sorted(v) for k, v in out.items()}


def by_hours(items: Items, field: str = "hours") -> Items:
    """Each row's items, largest `field` first (stable for ties)."""
    return {k: sorted(v, key=lambda item: -(item.get(field) or 0.0)) for k, v in items.items()}
