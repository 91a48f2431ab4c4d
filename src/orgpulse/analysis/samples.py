"""The samples several detectors share, and the local clock they are placed on.

Weeks here are indexes on the analysis `WeekGrid`, extended both ways: a time before the grid
gets a negative index and one after it an index >= grid.count, so trailing windows longer than the
grid's lead-in (decision batching's 6 weeks, the unused-status 12 weeks) still see their weeks.

`completed_sample` columns: issue, team (at completion), week, completed (ns), lead (ns), cycle (ns,
NAT when never committed): every issue completed up to as_of, epics and canceled issues excluded.
`created_sample` columns: issue, team (at creation), week, created (ns): every non-epic issue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.teams import TeamLookup
from orgpulse.analysis.weeks import NAT, WeekGrid

DAY_NS = 86_400_000_000_000
WEEK_MINUTES = 7 * 24 * 60


def local_clock(times: np.ndarray, grid: WeekGrid, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """(week index on the extended grid, minutes since the local Monday 00:00) of each time (ns UTC).

    Wall-clock local time: a slot "Tuesday 10:00" stays 10:00 across daylight-saving changes.
    """
    if len(times) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    local = pd.DatetimeIndex(np.asarray(times, dtype="datetime64[ns]")).tz_localize("UTC")
    wall = local.tz_convert(timezone).tz_localize(None)
    days = (wall.normalize() - pd.Timestamp(grid.starts[0])).days.to_numpy(dtype=np.int64)
    minutes = (wall - wall.normalize()).total_seconds().to_numpy(dtype=np.float64) / 60.0
    week = np.floor_divide(days, 7)
    within = (days - week * 7) * 1440 + minutes
    return week, within


def window_spread(week: np.ndarray, grid: WeekGrid, span: int) -> tuple[np.ndarray, np.ndarray]:
    """For events in `week` (extended grid), the scored weeks W whose window W-span+1..W holds them.

    Returns (row, window_week).
    """
    rows: np.ndarray = np.repeat(np.arange(len(week)), span)
    window = np.repeat(week, span) + np.tile(np.arange(span), len(week))
    keep = (window >= grid.first_scored) & (window < grid.count)
    return rows[keep], window[keep]


def completed_sample(
    cat: Catalogue, facts: pd.DataFrame, teams: TeamLookup, grid: WeekGrid, timezone: str
) -> pd.DataFrame:
    """Issues completed up to as_of (not canceled, not epics), with the week and team of completion."""
    done = facts["completed"].to_numpy()
    issue = np.flatnonzero(done != NAT)
    week, _ = local_clock(done[issue], grid, timezone)
    return pd.DataFrame(
        {
            "issue": issue,
            "team": teams.at(issue, done[issue]),
            "week": week,
            "completed": done[issue],
            "lead": facts["lead"].to_numpy()[issue],
            "cycle": facts["cycle"].to_numpy()[issue],
        }
    )


def created_sample(cat: Catalogue, teams: TeamLookup, grid: WeekGrid, timezone: str) -> pd.DataFrame:
    """Every non-epic issue with the week and team of its creation."""
    issue = np.flatnonzero(~cat.issues.frame["is_epic"].to_numpy(dtype=bool))
    created = cat.issues.created[issue]
    week, _ = local_clock(created, grid, timezone)
    return pd.DataFrame({"issue": issue, "team": teams.at(issue, created), "week": week, "created": created})


def scored(sample: pd.DataFrame, grid: WeekGrid) -> pd.DataFrame:
    """The rows of a sample that fall in scored weeks and belong to a team."""
    week = sample["week"].to_numpy()
    keep = (week >= grid.first_scored) & (week < grid.count) & (sample["team"].to_numpy() >= 0)
    return sample.loc[keep].reset_index(drop=True)


def time_before(
    intervals: pd.DataFrame, mask: np.ndarray, issue: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Per sample row, the ns its issue spent in the statuses `mask` selects within [start, end).

    `issue` holds distinct issue codes; `start` / `end` bound each one (NAT start: nothing counts).
    """
    if len(issue) == 0:
        return np.zeros(0, dtype=np.float64)
    position: np.ndarray = np.full(int(issue.max()) + 1, -1, dtype=np.int64)
    position[issue] = np.arange(len(issue))
    codes = intervals["issue"].to_numpy()
    inside = codes <= issue.max()
    rows = np.flatnonzero(inside & mask[intervals["status"].to_numpy()])
    rows = rows[position[codes[rows]] >= 0]
    at = position[codes[rows]]
    low, high = start[at], end[at]
    spent = np.minimum(intervals["end"].to_numpy()[rows], high) - np.maximum(
        intervals["start"].to_numpy()[rows], low
    )
    spent = np.where(low == NAT, 0, np.clip(spent, 0, None)).astype(np.float64)
    total: np.ndarray = np.bincount(at, weights=spent, minlength=len(issue))
    return total
