"""ISO weeks in the analysis time zone, and the vectorised cutting of times and intervals into them.

All times inside the analysis are int64 nanoseconds since the epoch (UTC); `NAT` marks a missing
time. A week runs from Monday 00:00 local time to the next Monday 00:00 (DESIGN.md), so its length
in UTC follows daylight-saving changes.

The grid holds, oldest first, `LEAD_IN` weeks that only feed trailing windows, `DIRECTION_WEEKS`
weeks scored only to give the reported weeks a direction, then the reported weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from orgpulse.errors import AnalysisError

NAT = np.iinfo(np.int64).min
HOUR_NS = 3_600_000_000_000
LEAD_IN = 3  # the trailing 4-week windows (W-3..W) of the first scored week
DIRECTION_WEEKS = 4  # "the 4 weeks before" (SYMPTOMS.md)
TRAILING = 4


@dataclass(frozen=True)
class WeekGrid:
    """Week k runs from bounds[k] (inclusive) to bounds[k + 1] (exclusive), in ns UTC."""

    starts: tuple[date, ...]
    bounds: np.ndarray
    first_scored: int
    first_reported: int

    @property
    def count(self) -> int:
        return len(self.starts)

    @property
    def scored(self) -> range:
        """Weeks that get findings: the direction weeks and the reported ones."""
        return range(self.first_scored, self.count)

    @property
    def reported(self) -> range:
        return range(self.first_reported, self.count)

    @cached_property
    def iso_starts(self) -> tuple[str, ...]:
        """Each week's first day, ISO formatted (made once, read per row)."""
        return tuple(start.isoformat() for start in self.starts)

    @cached_property
    def iso_ends(self) -> tuple[str, ...]:
        """Each week's (exclusive) end date, ISO formatted."""
        return tuple((start + timedelta(days=7)).isoformat() for start in self.starts)

    def week_of(self, times: np.ndarray) -> np.ndarray:
        """Index of the week holding each time; -1 outside the grid or for NAT."""
        index = np.searchsorted(self.bounds, times, side="right") - 1
        outside = (index < 0) | (index >= self.count) | (times == NAT)
        result: np.ndarray = np.where(outside, -1, index)
        return result


def build_week_grid(as_of: datetime, timezone: str, reported: int) -> WeekGrid:
    """The grid of `reported` complete weeks ending at or before `as_of`, plus lead-in weeks."""
    if as_of.tzinfo is None:
        raise AnalysisError("as_of must be timezone-aware")
    zone = ZoneInfo(timezone)
    local = as_of.astimezone(zone)
    end = local.date() - timedelta(days=local.weekday())
    total = LEAD_IN + DIRECTION_WEEKS + reported
    starts = tuple(end - timedelta(weeks=total - k) for k in range(total))
    midnights = pd.DatetimeIndex([pd.Timestamp(d) for d in (*starts, end)])
    local_bounds = midnights.tz_localize(
        zone, nonexistent="shift_forward", ambiguous=np.ones(len(midnights), dtype=bool)
    )
    bounds = local_bounds.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8
    return WeekGrid(
        starts=starts,
        bounds=np.asarray(bounds, dtype=np.int64),
        first_scored=LEAD_IN,
        first_reported=LEAD_IN + DIRECTION_WEEKS,
    )


def to_ns(values: pd.Series) -> np.ndarray:
    """Aware datetimes (any unit, or objects) as int64 ns UTC; NAT where missing."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    times = pd.to_datetime(values, utc=True)
    result: np.ndarray = np.asarray(times.dt.tz_convert(None).to_numpy("datetime64[ns]").view("int64"))
    return result


def timestamp_ns(moment: datetime) -> int:
    """One aware datetime as int64 ns UTC."""
    if moment.tzinfo is None:
        raise AnalysisError("a naive datetime reached the analysis")
    return int(pd.Timestamp(moment).tz_convert("UTC").as_unit("ns").value)


def split_at(start: np.ndarray, end: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, ...]:
    """Cut intervals [start, end) at `bounds` (sorted): slot k is [bounds[k], bounds[k + 1]).

    Returns (row, slot, piece_start, piece_end) for pieces of positive length inside the bounds;
    `row` indexes the input arrays.
    """
    slots = len(bounds) - 1
    valid = (end > start) & (end > bounds[0]) & (start < bounds[-1]) & (start != NAT) & (end != NAT)
    rows = np.flatnonzero(valid)
    s, e = start[rows], end[rows]
    first = np.clip(np.searchsorted(bounds, s, side="right") - 1, 0, slots - 1)
    last = np.clip(np.searchsorted(bounds, e, side="left") - 1, 0, slots - 1)
    counts = last - first + 1
    row: np.ndarray = np.repeat(rows, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    slot = np.repeat(first, counts) + offsets
    piece_start = np.maximum(np.repeat(s, counts), bounds[slot])
    piece_end = np.minimum(np.repeat(e, counts), bounds[slot + 1])
    keep = piece_end > piece_start
    return row[keep], slot[keep], piece_start[keep], piece_end[keep]


def clip_to_weeks(start: np.ndarray, end: np.ndarray, grid: WeekGrid) -> tuple[np.ndarray, ...]:
    """Cut intervals [start, end) into per-week pieces inside the grid: (row, week, start, end)."""
    return split_at(start, end, grid.bounds)


def split_by_weeks(start: np.ndarray, end: np.ndarray, grid: WeekGrid, as_of: int) -> tuple[np.ndarray, ...]:
    """Like `clip_to_weeks`, but keeps the parts before the grid (week -1) and after it (week count)."""
    bounds = np.concatenate([[NAT + 1], grid.bounds, [max(as_of, int(grid.bounds[-1])) + 1]])
    row, slot, piece_start, piece_end = split_at(start, end, bounds)
    return row, slot - 1, piece_start, piece_end


def spread_trailing(week: np.ndarray, grid: WeekGrid, span: int = TRAILING) -> tuple[np.ndarray, np.ndarray]:
    """For events in `week`, the scored weeks whose trailing `span`-week window holds them.

    Returns (row, window_week): an event of week w lands in windows w, w+1, ..., w+span-1.
    """
    rows: np.ndarray = np.repeat(np.arange(len(week)), span)
    window = np.repeat(week, span) + np.tile(np.arange(span), len(week))
    keep = (week[rows] >= 0) & (window >= grid.first_scored) & (window < grid.count)
    return rows[keep], window[keep]


def open_at_week_end(
    start: np.ndarray, end: np.ndarray, is_open: np.ndarray, grid: WeekGrid
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intervals still running at the end of scored weeks: (row, week, age in hours at the week end)."""
    bounds = grid.bounds
    end_eff = np.where(is_open, np.iinfo(np.int64).max, end)
    low = np.searchsorted(bounds, start, side="right")
    high = np.searchsorted(bounds, end_eff, side="left")
    counts = np.clip(high - low, 0, None)
    row: np.ndarray = np.repeat(np.arange(len(start)), counts)
    boundary = (
        np.repeat(low, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    week = boundary - 1
    keep = (week >= grid.first_scored) & (week < grid.count)
    row, boundary = row[keep], boundary[keep]
    return row, boundary - 1, (bounds[boundary] - start[row]) / HOUR_NS
