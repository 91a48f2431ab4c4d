"""Flow per team and week: the facts behind the symptoms, for leads and BI (DESIGN.md, "Flow").

Pure, on the inputs the detectors share (same samples, same weeks, same time zone):
* throughput: issues completed in W (team at completion; epics and canceled issues excluded).
* wip: time-weighted mean of the team's issues in progress during W (in-progress seconds / W's
  length; the team at each issue's last in-progress moment of W).
* cycle_p50_hours / cycle_p85_hours: cycle times (commitment point to completion) of the issues
  completed in W that were committed; lead_p50_hours / lead_p85_hours: their lead times (creation
  to completion). Whole durations, never clipped.
* flow_efficiency: time in `active` and `review` statuses between commitment and completion /
  cycle time, summed over the committed completed issues.
* wip_age_p85_hours: age (since the commitment point) of the issues still in progress at the end
  of W, team at that moment.
* status_time: per status name, the hours the committed completed issues spent in it between
  commitment and completion, and its share of their summed cycle time (the shares sum to 1).
Percentiles interpolate linearly (numpy's default), as the detectors' do.
`cycle_points` keeps the cycle times behind the percentiles, issue by issue (a sample of at most
CYCLE_POINTS per team and week), for the report's scatter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.decimals import python_round, rounded_list
from orgpulse.analysis.derived import CATALOGUE, COMPLETED, FACTS, IN_PROGRESS, INTERVALS, TEAMS
from orgpulse.analysis.inputs import Inputs, Key
from orgpulse.analysis.result import CyclePoint, FlowRow, StatusTime
from orgpulse.analysis.teams import TeamLookup
from orgpulse.analysis.weeks import HOUR_NS, NAT, WeekGrid, open_at_week_end
from orgpulse.model import Role

FLOW_METRICS = (
    "throughput",
    "wip",
    "cycle_p50_hours",
    "cycle_p85_hours",
    "lead_p50_hours",
    "lead_p85_hours",
    "flow_efficiency",
    "wip_age_p85_hours",
)
FLOW_NEEDS: tuple[Key[Any], ...] = (CATALOGUE, INTERVALS, FACTS, TEAMS, IN_PROGRESS, COMPLETED)
VALUE_ROLES = (Role.ACTIVE, Role.REVIEW)
CYCLE_POINTS = 30  # per team and week: enough to see the spread, few enough for a light report
_KEYS = ["team", "week"]


def committed_time(
    cat: Catalogue, intervals: pd.DataFrame, completed: pd.DataFrame, commitment: np.ndarray
) -> pd.DataFrame:
    """Time the sample's committed issues spent in each status between commitment and completion.

    `completed` holds distinct issues (columns issue, team, week, completed). Columns: team, week,
    issue, status, hours.
    """
    done_at: np.ndarray = np.full(len(cat.issues.frame), NAT, dtype=np.int64)
    done_at[completed["issue"].to_numpy()] = completed["completed"].to_numpy()
    issue = intervals["issue"].to_numpy()
    until, since = done_at[issue], commitment[issue]
    spent = np.minimum(intervals["end"].to_numpy(), until) - np.maximum(intervals["start"].to_numpy(), since)
    keep = (until != NAT) & (since != NAT) & (spent > 0)
    pieces = pd.DataFrame(
        {"issue": issue[keep], "status": intervals["status"].to_numpy()[keep], "hours": spent[keep] / HOUR_NS}
    )
    return pieces.merge(completed[["issue", "team", "week"]], on="issue")


def _percentiles(frame: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    grouped = frame.groupby(_KEYS)[column]
    return pd.concat(
        [
            grouped.quantile(0.5).rename(f"{name}_p50_hours"),
            grouped.quantile(0.85).rename(f"{name}_p85_hours"),
        ],
        axis=1,
    )


def wip_at_week_end(facts: pd.DataFrame, teams: TeamLookup, grid: WeekGrid) -> pd.DataFrame:
    """Issues in progress at the end of each scored week: team, week, age_hours (since commitment)."""
    start = facts["progress_start"].to_numpy()
    committed = np.flatnonzero(start != NAT)
    still_open = facts["resolved_at"].to_numpy()[committed] == NAT  # in progress up to as_of and beyond
    row, week, age = open_at_week_end(
        start[committed], facts["progress_end"].to_numpy()[committed], still_open, grid
    )
    issue = committed[row]
    return pd.DataFrame({"team": teams.at(issue, grid.bounds[week + 1] - 1), "week": week, "age_hours": age})


def flow_table(inputs: Inputs, weeks: range) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(metrics per team code and week index, status time per team, week and status name)."""
    grid = inputs.context.grid
    cat, facts = inputs[CATALOGUE], inputs[FACTS]
    every = inputs[COMPLETED]
    week = every["week"].to_numpy()
    completed = every.loc[(week >= weeks.start) & (week < weeks.stop) & (every["team"].to_numpy() >= 0)]
    committed = completed.loc[completed["cycle"].to_numpy() != NAT]
    committed = committed.assign(cycle_hours=committed["cycle"] / HOUR_NS)
    completed = completed.assign(lead_hours=completed["lead"] / HOUR_NS)

    spent = committed_time(cat, inputs[INTERVALS], committed, facts["commitment"].to_numpy())
    spent["valued"] = cat.statuses.has_role(*VALUE_ROLES)[spent["status"].to_numpy()]
    valued = spent.loc[spent["valued"]].groupby(_KEYS)["hours"].sum()
    cycle_sum = committed.groupby(_KEYS)["cycle_hours"].sum()

    in_progress = inputs[IN_PROGRESS]
    ip_week = in_progress["week"].to_numpy()
    in_progress = in_progress.loc[
        (ip_week >= weeks.start) & (ip_week < weeks.stop) & (in_progress["team"] >= 0)
    ]
    length = pd.Series((np.diff(grid.bounds) / 1e9)[list(weeks)], index=list(weeks))
    wip = in_progress.groupby(_KEYS)["seconds"].sum()
    wip = (wip / length.reindex(wip.index.get_level_values("week")).to_numpy()).rename("wip")
    aged = wip_at_week_end(facts, inputs[TEAMS], grid)
    aged = aged.loc[(aged["team"] >= 0) & (aged["week"] >= weeks.start) & (aged["week"] < weeks.stop)]

    parts = [
        completed.groupby(_KEYS).size().rename("throughput"),
        wip,
        _percentiles(committed, "cycle_hours", "cycle"),
        _percentiles(completed, "lead_hours", "lead"),
        (valued.reindex(cycle_sum.index, fill_value=0.0) / cycle_sum.where(cycle_sum > 0)).rename(
            "flow_efficiency"
        ),
        aged.groupby(_KEYS)["age_hours"].quantile(0.85).rename("wip_age_p85_hours"),
    ]
    teams = pd.DataFrame({"team": cat.teams.reported.astype(np.int64)})
    table = teams.merge(pd.DataFrame({"week": np.array(list(weeks), dtype=np.int64)}), how="cross")
    table = table.merge(pd.concat(parts, axis=1), left_on=_KEYS, right_index=True, how="left")
    table["throughput"] = table["throughput"].fillna(0).astype(np.int64)
    table["wip"] = table["wip"].fillna(0.0)

    names = cat.statuses.names
    by_status = (
        spent.assign(name=names[spent["status"].to_numpy()])
        .groupby([*_KEYS, "name"], as_index=False)["hours"]
        .sum()
    )
    by_status = by_status.merge(cycle_sum.rename("cycle").reset_index(), on=_KEYS, how="left")
    by_status["share"] = by_status["hours"] / by_status["cycle"].where(by_status["cycle"] > 0)
    by_status = by_status.sort_values([*_KEYS, "hours", "name"], ascending=[True, True, False, True])
    return table, by_status[[*_KEYS, "name", "hours", "share"]]


def _numbers(values: pd.Series, digits: int = 4) -> list[float | None]:
    """A column's values rounded as Python rounds, None where missing."""
    return rounded_list(values.to_numpy(dtype=float), digits)


def flow_rows(inputs: Inputs) -> list[FlowRow]:
    """One FlowRow per team with issues and reported week."""
    grid = inputs.context.grid
    cat = inputs[CATALOGUE]
    table, by_status = flow_table(inputs, grid.reported)
    status_time: dict[tuple[int, int], list[StatusTime]] = {}
    for team, week, name, hours, share in zip(
        by_status["team"].tolist(),
        by_status["week"].tolist(),
        by_status["name"].tolist(),
        python_round(by_status["hours"].to_numpy(dtype=float), 4).tolist(),
        _numbers(by_status["share"], 6),
        strict=True,
    ):
        status_time.setdefault((team, week), []).append(
            StatusTime(status=str(name), hours=hours, share=share)
        )
    columns = [table[m].tolist() if m == "throughput" else _numbers(table[m]) for m in FLOW_METRICS]
    metrics = [dict(zip(FLOW_METRICS, values, strict=True)) for values in zip(*columns, strict=True)]
    labels = cat.teams.labels
    rows = [
        FlowRow(
            team=str(labels[team]),
            week_start=grid.starts[week],
            metrics=values,
            status_time=status_time.get((team, week), []),
        )
        for team, week, values in zip(table["team"].tolist(), table["week"].tolist(), metrics, strict=True)
    ]
    rows.sort(key=lambda r: (r.team, r.week_start))
    return rows


def cycle_points(inputs: Inputs) -> list[CyclePoint]:
    """The cycle time of each committed issue completed in a team's reported week — the sample of
    `cycle_p50_hours` / `cycle_p85_hours`. Past CYCLE_POINTS in a team's week, issues evenly spaced
    by rank stand for the rest (the shortest and the longest always kept)."""
    grid = inputs.context.grid
    cat = inputs[CATALOGUE]
    every = inputs[COMPLETED]
    week = every["week"].to_numpy()
    keep = (
        (week >= grid.reported.start)
        & (week < grid.reported.stop)
        & (every["team"].to_numpy() >= 0)
        & (every["cycle"].to_numpy() != NAT)
    )
    done = every.loc[keep, ["issue", "team", "week", "cycle"]].sort_values(["team", "week", "cycle", "issue"])
    team, week = done["team"].to_numpy(), done["week"].to_numpy()
    first = np.flatnonzero((np.diff(team, prepend=-1) != 0) | (np.diff(week, prepend=-1) != 0))
    runs: np.ndarray = np.diff(np.append(first, len(done)))
    rank = np.arange(len(done)) - np.repeat(first, runs)
    size: np.ndarray = np.repeat(runs, runs)
    # The ranks np.linspace(0, size - 1, CYCLE_POINTS) rounds to: each slot k names one rank.
    last = np.maximum(size - 1, 1)
    slot = np.rint(rank * (CYCLE_POINTS - 1) / last)
    kept = (size <= CYCLE_POINTS) | (np.rint(slot * last / (CYCLE_POINTS - 1)) == rank)
    done = done.loc[kept]
    issue, team, week, cycle = (done[c].to_numpy() for c in ("issue", "team", "week", "cycle"))
    hours = cycle / HOUR_NS  # as Python divides ints: exact below 2**53 ns (104 days), else by Python
    for at in np.flatnonzero(np.abs(cycle) >= 2**53).tolist():
        hours[at] = int(cycle[at]) / HOUR_NS
    return [
        CyclePoint(team=str(label), week_start=grid.starts[w], issue=str(key), cycle_hours=h)
        for label, w, key, h in zip(
            cat.teams.labels[team].tolist(),
            week.tolist(),
            cat.issues.frame["key"].to_numpy()[issue].tolist(),
            python_round(hours, 2).tolist(),
            strict=True,
        )
    ]
