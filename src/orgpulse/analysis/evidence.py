"""What a finding's evidence and explain hold: JSON-ready values and items grouped per row.

A row key is (team code, week index). Detectors group their evidence rows into items per row key
(`group_records`, `issue_records`, `merge_items`) and build each row's explain entries
(`explain_samples`); `assemble.to_findings` puts them beside the graded numbers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.timeline import first_of_runs, pack, unique_rows
from orgpulse.analysis.weeks import TRAILING, WeekGrid

RowKey = tuple[int, int]
Items = dict[RowKey, list[dict[str, Any]]]


def plain(value: Any) -> Any:
    """A JSON-safe Python value: NaN becomes None, floats are rounded to 4 decimals, an infinity
    is refused (`refuse_infinite`)."""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if math.isinf(value):
            refuse_infinite(np.array([value], dtype=float))
        return round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def number(value: object) -> float | None:
    """A float rounded to 4 decimals, or None for missing values; an infinity is refused."""
    if isinstance(value, int | float | np.integer | np.floating) and not math.isnan(value):
        if math.isinf(value):
            refuse_infinite(np.array([value], dtype=float))
        return round(float(value), 4)
    return None


def refuse_infinite(values: np.ndarray, *, missing: bool = True) -> None:
    """ValueError when a value is an infinity (or a NaN, unless `missing` says NaN stands for a
    missing value, made None): JSON has neither. A finding's numbers are all made by this module's
    functions, so they are checked here, a column at a time, instead of value by value in every
    document that prints them (`result.Checked`)."""
    bad = np.isinf(values) if missing else ~np.isfinite(values)
    if bad.any():
        raise ValueError(f"Out of range float values are not JSON compliant: {float(values[bad][0])!r}")


def week_end(grid: WeekGrid, week: int) -> str:
    """The (exclusive) end date of a week, ISO formatted."""
    return grid.iso_ends[week]


def week_span(grid: WeekGrid, week: int) -> list[str]:
    """[start, end) of a week, ISO formatted: an explain payload's "week"."""
    return [grid.iso_starts[week], grid.iso_ends[week]]


def column_values(frame: pd.DataFrame, column: str) -> list[Any]:
    """A column as JSON-safe Python values ("=<text>" gives the constant text)."""
    if column.startswith("="):
        return [column[1:]] * len(frame)
    values = frame[column]
    if pd.api.types.is_float_dtype(values.dtype):
        rounded = np.round(values.to_numpy(dtype=float), 4)
        refuse_infinite(rounded)
        listed: list[Any] = rounded.tolist()
        if np.isnan(rounded).any():
            listed = [None if v != v else v for v in listed]
        return listed
    return [plain(v) for v in values.tolist()] if values.dtype == object else values.tolist()


def rounded(values: pd.Series) -> list[Any]:
    """`plain` of each value of a column: Python's own rounding (never numpy's), done per column."""
    if pd.api.types.is_float_dtype(values.dtype):
        floats = values.to_numpy(dtype=float)
        refuse_infinite(floats)
        return [None if v != v else round(v, 4) for v in floats.tolist()]
    if pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return list(values.tolist())
    return [plain(v) for v in values.tolist()]


def row_keys(frame: pd.DataFrame) -> tuple[np.ndarray, list[RowKey], list[int]]:
    """The rows of `frame` grouped by (team, week), keeping their order inside a group: the order
    that groups them, each group's key and where each group ends in that order."""
    team = frame["team"].to_numpy(dtype=np.int64)
    week = frame["week"].to_numpy(dtype=np.int64)
    key = pack(team, week)
    order = np.argsort(key, kind="stable")
    key = key[order]
    heads = np.flatnonzero(first_of_runs(key))
    keys = list(zip(team[order][heads].tolist(), week[order][heads].tolist(), strict=True))
    return order, keys, [*heads[1:].tolist(), len(order)]


def group_records(frame: pd.DataFrame, fields: Mapping[str, str]) -> Items:
    """Rows of `frame` (with team and week columns, in the wanted order) as dicts per row key.

    `fields` maps the output name to the column; a column named "=<text>" gives a constant.
    """
    if frame.empty:
        return {}
    order, keys, ends = row_keys(frame)
    frame = frame.iloc[order]
    columns = [column_values(frame, column) for column in fields.values()]
    records = _records(tuple(fields))(columns)
    starts = [0, *ends[:-1]]
    return {key: records[h:e] for key, h, e in zip(keys, starts, ends, strict=True)}


@functools.cache
def _records(names: tuple[str, ...]) -> Callable[[list[list[Any]]], list[dict[str, Any]]]:
    """Columns to row dicts with these keys, by a list comprehension of dict displays compiled once
    per tuple of keys (the detectors' own literals): a third of the time of dict(zip(names, row))
    per row, for the millions of evidence items of a big organisation."""
    values = [f"v{i}" for i in range(len(names))]
    display = ", ".join(f"{name!r}: {value}" for name, value in zip(names, values, strict=True))
    made: Callable[[list[list[Any]]], list[dict[str, Any]]] = eval(
        f"lambda columns: [{{{display}}} for {', '.join(values)}, in zip(*columns, strict=True)]"
    )
    return made


def issue_records(cat: Catalogue, frame: pd.DataFrame, kind: str, **fields: str) -> Items:
    """`group_records` of items {"kind": kind, "issue": the row's issue key, **fields} (frame columns
    team, week, issue and those `fields` name)."""
    keys = cat.issues.frame["key"].to_numpy(dtype=object)
    with_key = frame.assign(key=keys[frame["issue"].to_numpy()])
    return group_records(with_key, {"kind": f"={kind}", "issue": "key", **fields})


def merge_items(*parts: Items) -> Items:
    """Concatenate item lists per row key, in argument order."""
    out: Items = {}
    for part in parts:
        for key, items in part.items():
            out.setdefault(key, []).extend(items)
    return out


def key_lists(frame: pd.DataFrame, cat: Catalogue) -> dict[RowKey, list[str]]:
    """Sorted, distinct issue keys per row key (frame columns team, week, issue)."""
    if frame.empty:
        return {}
    pairs = unique_rows(frame[["team", "week", "issue"]], ["team", "week", "issue"])
    team, week, issue = (pairs[c].to_numpy() for c in ("team", "week", "issue"))
    order = np.lexsort((cat.issues.frame["key_rank"].to_numpy()[issue], week, team))
    team, week = team[order], week[order]
    keys = [str(k) for k in cat.issues.frame["key"].to_numpy(dtype=object)[issue[order]].tolist()]
    heads = np.flatnonzero(first_of_runs(pack(team, week)))
    ends = [*heads[1:].tolist(), len(order)]
    rows = zip(team[heads].tolist(), week[heads].tolist(), strict=True)
    return {row: keys[h:e] for row, h, e in zip(rows, heads.tolist(), ends, strict=True)}


def explain_samples(
    cat: Catalogue,
    grid: WeekGrid,
    table: pd.DataFrame,
    samples: Mapping[str, pd.DataFrame],
    extra: Callable[..., dict[str, Any]] | None = None,
    columns: Sequence[str] = (),
) -> Items:
    """Per reported row: its week, any `extra(team, week, *the row's values of columns)` entries,
    and the issue keys of each named sample (none without samples). The weeks scored only to give
    the reported ones their direction get none: no finding shows them."""
    first = grid.first_reported
    lists = {
        name: key_lists(frame.loc[frame["week"].to_numpy() >= first], cat) for name, frame in samples.items()
    }
    table = table.loc[table["week"].to_numpy() >= first]
    out: Items = {}
    for team, week, *values in zip(*(table[c].tolist() for c in ("team", "week", *columns)), strict=True):
        key = (int(team), int(week))
        entry: dict[str, Any] = {"week": week_span(grid, week)}
        entry.update(extra(key[0], week, *values) if extra else {})
        if lists:
            entry["sample_issue_keys"] = {name: found.get(key, []) for name, found in lists.items()}
        out[key] = [entry]
    return out


def window(grid: WeekGrid, week: int, span: int) -> list[str]:
    """The `span` weeks ending with `week`: its first day and its last."""
    return [(grid.starts[week] - timedelta(weeks=span - 1)).isoformat(), week_end(grid, week)]


def trailing_window(grid: WeekGrid, week: int) -> list[str]:
    """The trailing weeks W-3..W, cut at the grid's first week: first day and last."""
    return [grid.starts[max(week - TRAILING + 1, 0)].isoformat(), week_end(grid, week)]


def people_sets(frame: pd.DataFrame, cat: Catalogue) -> dict[RowKey, list[str]]:
    """Sorted, distinct pseudonyms per row key (frame columns team, week, person): a set, never counts."""
    known = frame.loc[frame["person"].to_numpy() >= 0, ["team", "week", "person"]]
    if known.empty:
        return {}
    names = np.asarray(cat.people.pseudonyms, dtype=object).astype(str)
    distinct, rank = np.unique(names, return_inverse=True)
    named = known.assign(person=rank[known["person"].to_numpy(dtype=np.int64)])
    pairs = unique_rows(named, ["team", "week", "person"])
    team, week, name = (pairs[c].to_numpy(dtype=np.int64) for c in ("team", "week", "person"))
    order = np.lexsort((name, week, team))
    team, week = team[order], week[order]
    listed = distinct[name[order]].tolist()
    heads = np.flatnonzero(first_of_runs(pack(team, week)))
    ends = [*heads[1:].tolist(), len(order)]
    return {(int(team[h]), int(week[h])): listed[h:e] for h, e in zip(heads.tolist(), ends, strict=True)}


def by_hours(items: Items, field: str = "hours") -> Items:
    """Each row's items, largest `field` first (stable for ties)."""
    return {k: sorted(v, key=lambda item: -(item.get(field) or 0.0)) for k, v in items.items()}


def goal_items(linked: pd.DataFrame, labels: np.ndarray) -> Items:
    """Per row, the goals its issues reached, most issues first (then by name): items {"kind": "goal",
    "goal", "issues"}. `linked` holds team, week and goal (a code into `labels`), one row per issue."""
    # Goals grouped and ordered by their name's rank among the names reached: the order of the
    # names themselves, without comparing strings row by row.
    reached, code = np.unique(linked["goal"].to_numpy(dtype=np.int64), return_inverse=True)
    names, rank = np.unique(labels[reached].astype(str), return_inverse=True)
    goals = (
        linked.assign(goal=rank[code])
        .groupby(["team", "week", "goal"], as_index=False)
        .size()
        .sort_values(["team", "week", "size", "goal"], ascending=[True, True, False, True])
    )
    goals["goal"] = names[goals["goal"].to_numpy(dtype=np.int64)].astype(object)
    return group_records(goals, {"kind": "=goal", "goal": "goal", "issues": "size"})
