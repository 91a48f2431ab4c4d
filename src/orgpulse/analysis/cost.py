"""What a finding costs: issue-hours of waiting inside its week, from the intervals its detector read.

DESIGN.md, "Cost": hours summed over the team's issues and clipped to the week (issue-hours, not
person-hours). Each detector that has a waiting cost builds its `cost` frame from the very
intervals it measured (one computation, never a second reading of the history):

    approval_bottleneck     hours in approval statuses
    meeting_driven_process  hours in meeting statuses
    cross_team_blocking     hours with an open blocker owned by another team (union over blockers)
    rigid_workflow          hours of committed issues in queue, approval, meeting and blocked roles
    diluted_ownership       in-progress issue-hours with no assignee

A cost frame has columns team, week, issue, hours (one row per issue and week, hours > 0). The
other symptoms have no waiting cost: their findings carry None.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.evidence import refuse_infinite
from orgpulse.analysis.teams import TeamLookup
from orgpulse.analysis.timeline import first_of_runs, pack
from orgpulse.analysis.weeks import HOUR_NS, NAT, WeekGrid, clip_to_weeks

COST_COLUMNS = ["team", "week", "issue", "hours"]
ISSUES_SHOWN = 20  # the largest contributors an explanation lists; the total always covers them all


def empty_cost() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": np.zeros(0, dtype=np.int64),
            "week": np.zeros(0, dtype=np.int64),
            "issue": np.zeros(0, dtype=np.int64),
            "hours": np.zeros(0, dtype=np.float64),
        }
    )


def clipped_hours(
    issue: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    teams: TeamLookup,
    grid: WeekGrid,
) -> pd.DataFrame:
    """Intervals [start, end) of `issue` as hours per (team at the time, scored week, issue).

    An interval crossing a week boundary or a team move is cut there, so each hour lands in the
    week and the team it was spent in. NAT starts contribute nothing.
    """
    row, week, piece_start, piece_end = clip_to_weeks(start, end, grid)
    keep = week >= grid.first_scored
    row, week, piece_start, piece_end = row[keep], week[keep], piece_start[keep], piece_end[keep]
    piece_issue = issue[row]
    cut, cut_start, cut_end = teams.cut_at_moves(piece_issue, piece_start, piece_end)
    frame = pd.DataFrame(
        {
            "team": teams.at(piece_issue[cut], cut_start),
            "week": week[cut],
            "issue": piece_issue[cut],
            "hours": (cut_end - cut_start) / HOUR_NS,
        }
    )
    frame = frame.loc[(frame["team"] >= 0) & (frame["hours"] > 0)]
    return frame.groupby(["team", "week", "issue"], as_index=False)["hours"].sum()


def role_cost(
    cat: Catalogue,
    intervals: pd.DataFrame,
    teams: TeamLookup,
    grid: WeekGrid,
    statuses: np.ndarray,
    window: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Hours the team's issues (epics excluded) spent in the statuses `statuses` selects, per week.

    `window` (per-issue start and end, indexed by issue code) narrows each issue's time, e.g. to
    its in-progress window; an issue with a NAT window start contributes nothing.
    """
    status = intervals["status"].to_numpy()
    issue = intervals["issue"].to_numpy()
    epic = cat.issues.frame["is_epic"].to_numpy(dtype=bool)
    rows = np.flatnonzero(statuses[status] & ~epic[issue])
    issue = issue[rows]
    start = intervals["start"].to_numpy()[rows]
    end = intervals["end"].to_numpy()[rows]
    if window is not None:
        low, high = window[0][issue], window[1][issue]
        start = np.where(low == NAT, NAT, np.maximum(start, low))
        end = np.where(high == NAT, NAT, np.minimum(end, high))
    return clipped_hours(issue, start, end, teams, grid)


def cost_explain(
    cat: Catalogue, cost: pd.DataFrame | None, what: str, first_week: int = 0
) -> dict[tuple[int, int], dict[str, Any]]:
    """Per (team, week >= first_week): how the cost was made — what was counted, the total, the
    issues behind it.

    Issues are named by key (never by person), largest first, at most ISSUES_SHOWN of them, with
    the count of all of them so the list never hides that it was cut.
    """
    if cost is None or cost.empty:
        return {}
    cost = cost.loc[cost["week"].to_numpy() >= first_week]
    if cost.empty:
        return {}
    team, week = cost["team"].to_numpy(dtype=np.int64), cost["week"].to_numpy(dtype=np.int64)
    hours, issue = cost["hours"].to_numpy(dtype=float), cost["issue"].to_numpy(dtype=np.int64)
    refuse_infinite(hours, missing=False)  # the findings' cost_hours, never walked again when printed
    order = np.lexsort((-hours, week, team))
    team, week, hours, issue = team[order], week[order], hours[order], issue[order]
    heads = np.flatnonzero(first_of_runs(pack(team, week)))
    sizes = np.diff(np.r_[heads, len(order)])
    totals = np.round(np.add.reduceat(hours, heads), 4).tolist()
    # Only the largest ISSUES_SHOWN rows of each group become Python objects.
    rank = np.arange(len(order)) - np.repeat(heads, sizes)
    shown = np.flatnonzero(rank < ISSUES_SHOWN)
    keys = cat.issues.keys[issue[shown]].tolist()
    rounded = np.round(hours[shown], 4).tolist()
    starts: list[int] = np.asarray(np.searchsorted(shown, heads)).tolist()
    stops = [*starts[1:], len(shown)]
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for head, size, total, start, stop in zip(
        heads.tolist(), sizes.tolist(), totals, starts, stops, strict=True
    ):
        out[(int(team[head]), int(week[head]))] = {
            "counted": what,
            "unit": "issue-hours inside the week",
            "hours": total,
            "issue_count": size,
            "issues": [
                {"issue": str(k), "hours": h}
                for k, h in zip(keys[start:stop], rounded[start:stop], strict=True)
            ],
        }
    return out
