"""What a finding's evidence and explain hold: JSON-ready values and items grouped per row.

A row key is (team code, week index). Detectors group their evidence rows into items per row key
(`group_records`, `issue_records`, `merge_items`: an `evidence_set.Evidence`, kept as columns) and
build each row's explain entries (`explain_samples`, a dict per row); `assemble.to_findings` puts
them beside the graded numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.decimals import rounded_list
from orgpulse.analysis.evidence_set import (
    EMPTY,
    Coded,
    Column,
    Const,
    merged,
    of_columns,
    ordered_by,
)
from orgpulse.analysis.evidence_set import Evidence as Evidence  # the detectors' names for them
from orgpulse.analysis.evidence_set import Items as Items
from orgpulse.analysis.evidence_set import RowKey as RowKey
from orgpulse.analysis.timeline import first_of_runs, pack, unique_rows
from orgpulse.analysis.weeks import TRAILING, WeekGrid


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


def rounded(values: pd.Series) -> list[Any]:
    """`plain` of each value of a column: Python's own rounding (never numpy's: `decimals`, bit for
    bit), done per column."""
    if pd.api.types.is_float_dtype(values.dtype):
        floats = values.to_numpy(dtype=float)
        refuse_infinite(floats)
        return rounded_list(floats, 4)
    if pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return list(values.tolist())
    return [plain(v) for v in values.tolist()]


def _column(frame: pd.DataFrame, column: str) -> Column:
    """A column as `evidence_set` keeps it ("=<text>" gives the constant text): floats rounded to 4
    decimals (numpy's rounding, NaN for missing), integers and booleans as they are, other values
    JSON-safe (`plain`)."""
    if column.startswith("="):
        return Const(column[1:])
    values = frame[column]
    kind = values.dtype.kind
    out: np.ndarray
    if kind == "f":
        out = np.round(values.to_numpy(dtype=float), 4)
        refuse_infinite(out)
    elif kind in "iub":
        out = values.to_numpy()
    else:
        out = values.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(out, skipna=True) not in ("string", "empty"):
            out = np.array([plain(v) for v in out.tolist()], dtype=object)
    return out


def group_records(frame: pd.DataFrame, fields: Mapping[str, str]) -> Evidence:
    """Rows of `frame` (with team and week columns, in the wanted order) as items per row key.

    `fields` maps the output name to the column; a column named "=<text>" gives a constant.
    """
    if frame.empty:
        return EMPTY
    columns = {name: _column(frame, column) for name, column in fields.items()}
    return of_columns(frame["team"].to_numpy(), frame["week"].to_numpy(), columns)


def issue_records(cat: Catalogue, frame: pd.DataFrame, kind: str, **fields: str) -> Evidence:
    """`group_records` of items {"kind": kind, "issue": the row's issue key, **fields} (frame columns
    team, week, issue and those `fields` name)."""
    if frame.empty:
        return EMPTY
    keys = Coded(frame["issue"].to_numpy(dtype=np.int64), cat.issues.keys)
    columns = {"kind": Const(kind), "issue": keys, **{n: _column(frame, c) for n, c in fields.items()}}
    return of_columns(frame["team"].to_numpy(), frame["week"].to_numpy(), columns)


def merge_items(*parts: Evidence | Items) -> Evidence:
    """Each row's items of every part, in argument order."""
    return merged(*parts)


def key_lists(frame: pd.DataFrame, cat: Catalogue) -> dict[RowKey, list[str]]:
    """Sorted, distinct issue keys per row key (frame columns team, week, issue)."""
    if frame.empty:
        return {}
    pairs = unique_rows(frame[["team", "week", "issue"]], ["team", "week", "issue"])
    team, week, issue = (pairs[c].to_numpy() for c in ("team", "week", "issue"))
    order = np.lexsort((cat.issues.frame["key_rank"].to_numpy()[issue], week, team))
    team, week = team[order], week[order]
    keys = [str(k) for k in cat.issues.keys[issue[order]].tolist()]
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


def by_hours(items: Evidence | Items, field: str = "hours") -> Evidence:
    """Each row's items, largest `field` first (stable for ties)."""
    return ordered_by(items, field)


def goal_items(linked: pd.DataFrame, labels: np.ndarray) -> Evidence:
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
