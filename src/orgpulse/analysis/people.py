"""Who the people of a team are, week by week (SYMPTOMS.md, "People in a team" and "People").

A declared roster (`frames.memberships`) wins for a team that has one. Otherwise members are
inferred for each week W: the humans who, over W-3..W, were the assignee of (at any moment) or
made a status change on at least 3 of the team's issues; exits from approval and meeting
statuses do not count, so an outside approver does not become a member by approving. Bots and
unknown actors never count.

`Members.frame` columns: week, team, person (codes), one row per member per scored week;
`Members.inferred` has the same columns, inferred from activity for every team (roster or not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue, flags
from orgpulse.analysis.teams import TeamLookup
from orgpulse.analysis.timeline import change_order, intersect, pack, value_spells
from orgpulse.analysis.weeks import NAT, WeekGrid, clip_to_weeks, spread_trailing, to_ns
from orgpulse.model import Role

MIN_ISSUES = 3


@dataclass(frozen=True)
class Members:
    frame: pd.DataFrame
    roster_teams: frozenset[int]
    # Inferred from activity for every team, roster or not (oversized_team counts these).
    inferred: pd.DataFrame

    def flag(self, week: np.ndarray, team: np.ndarray, person: np.ndarray) -> np.ndarray:
        """True where `person` is a member of `team` in `week`."""
        probe = pd.DataFrame({"week": week, "team": team, "person": person})
        hit = probe.merge(self.frame.assign(member=True), on=["week", "team", "person"], how="left")
        result: np.ndarray = flags(hit["member"], default=False)
        return result


def assignee_spells(cat: Catalogue, changes: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Who was assigned when. Columns: issue, start, end, person (code, -1 unassigned or unknown)."""
    code = cat.issues.codes(changes["issue_uid"])
    at = to_ns(changes["at"])
    rows = change_order(changes, code, at)
    spells = value_spells(
        code[rows],
        at[rows],
        cat.people.codes(changes["from_person_uid"])[rows],
        cat.people.codes(changes["to_person_uid"])[rows],
        cat.issues.created,
        as_of,
    )
    # Jira writes no history item for an assignee set at creation: an issue with no assignee change
    # has had its current assignee since it was created.
    assignee = cat.issues.frame["assignee"].to_numpy() if "assignee" in cat.issues.frame else None
    if assignee is not None:
        unchanged_mask = assignee >= 0
        changed = code[rows]
        unchanged_mask[changed[changed >= 0]] = False
        unchanged = np.flatnonzero(unchanged_mask)
        created = cat.issues.created[unchanged]
        alive = created < as_of
        since_creation = pd.DataFrame(
            {
                "issue": unchanged[alive],
                "start": created[alive],
                "end": as_of,
                "value": assignee[unchanged][alive],
            }
        )
        spells = pd.concat([spells, since_creation], ignore_index=True)
        spells = spells.sort_values(["issue", "start"], kind="stable").reset_index(drop=True)
    return spells.rename(columns={"value": "person"})


def is_human(cat: Catalogue, person: np.ndarray) -> np.ndarray:
    """Known people who are not bots."""
    human = person >= 0
    if len(cat.people.is_bot):
        human &= ~cat.people.is_bot[np.maximum(person, 0)]
    result: np.ndarray = human
    return result


# Issues whose activity is spread to its windows at once: the week pieces of a million issues' assignee
# spells, spread to four windows each and made distinct, all at once took hundreds of MB more than the
# result; a slice of issues bounds that (an issue's rows never mix with another's: the slices' rows,
# sorted, are the same rows).
ACTIVITY_SLICE = 200_000


def trailing_activity(
    cat: Catalogue,
    intervals: pd.DataFrame,
    spells: pd.DataFrame,
    resolved_at: np.ndarray,
    teams: TeamLookup,
    grid: WeekGrid,
) -> pd.DataFrame:
    """Who did what on which team's issue in each scored week's trailing 4 weeks.

    Activity is being a human assignee (while the issue is open, until its final resolution) or
    making a status change other than an exit from an approval or meeting status. Columns: week
    (the scored week whose window W-3..W holds the activity), team, person, issue; rows distinct,
    in that order.
    """
    # Columns picked before rows: a row selection of the whole intervals frame copied every column.
    exits = np.flatnonzero(~intervals["open"].to_numpy() & ~intervals["exit_bot"].to_numpy())
    decision = cat.statuses.has_role(Role.APPROVAL, Role.MEETING)[intervals["status"].to_numpy()[exits]]
    exits = exits[~decision]
    m_at = intervals["end"].to_numpy()[exits]
    m_week = grid.week_of(m_at)
    inside = m_week >= 0
    moves = pd.DataFrame(
        {
            "issue": intervals["issue"].to_numpy()[exits][inside],
            "at": m_at[inside],
            "week": m_week[inside],
            "person": intervals["exit_actor"].to_numpy()[exits][inside],
        }
    )
    human = is_human(cat, spells["person"].to_numpy())
    h_issue = spells["issue"].to_numpy()[human]
    closed = resolved_at[h_issue]
    end = spells["end"].to_numpy()[human]
    humans = pd.DataFrame(
        {
            "issue": h_issue,
            "start": spells["start"].to_numpy()[human],
            "end": np.where(closed == NAT, end, np.minimum(end, closed)),
            "person": spells["person"].to_numpy()[human],
        }
    )
    slices = [
        _slice_activity(
            moves.loc[moves["issue"].between(low, low + ACTIVITY_SLICE - 1)],
            humans.loc[humans["issue"].between(low, low + ACTIVITY_SLICE - 1)],
            teams,
            grid,
        )
        for low in range(0, max(len(cat.issues.frame), 1), ACTIVITY_SLICE)
    ]
    if len(slices) == 1:
        return slices[0]  # in order already: _slice_activity's rows are sorted and distinct
    activity = pd.concat(slices, ignore_index=True)
    try:
        order = np.argsort(pack(*(activity[c].to_numpy() for c in ("week", "team", "person", "issue"))))
    except OverflowError:
        order = np.lexsort([activity[c].to_numpy() for c in ("issue", "person", "team", "week")])
    return activity.iloc[order].reset_index(drop=True)


def _slice_activity(
    moves: pd.DataFrame, humans: pd.DataFrame, teams: TeamLookup, grid: WeekGrid
) -> pd.DataFrame:
    """`trailing_activity`'s rows of the issues of `moves` (issue, at, week, person: status changes
    that count) and `humans` (issue, start, end, person: human assignee spells, ended at the issue's
    resolution)."""
    h_issue = humans["issue"].to_numpy()
    row, a_week, _, piece_end = clip_to_weeks(humans["start"].to_numpy(), humans["end"].to_numpy(), grid)
    a_issue = h_issue[row]
    m_issue = moves["issue"].to_numpy()
    week = np.concatenate([moves["week"].to_numpy(), a_week])
    issue = np.concatenate([m_issue, a_issue])
    team = np.concatenate([teams.at(m_issue, moves["at"].to_numpy()), teams.at(a_issue, piece_end - 1)])
    person = np.concatenate([moves["person"].to_numpy(), humans["person"].to_numpy()[row]])
    keep = team >= 0
    week, team, person, issue = week[keep], team[keep], person[keep], issue[keep]
    # Distinct (week, team, person, issue), spread to the windows holding it, distinct again.
    base = pack(team, person, issue)
    _, first = np.unique(pack(week, base), return_index=True)
    rows, window = spread_trailing(week[first], grid)
    picked = first[rows]
    # np.unique sorts: the rows come out in (week, team, person, issue) order, as `pack` orders them.
    _, distinct = np.unique(pack(window, base[picked]), return_index=True)
    return pd.DataFrame(
        {
            "week": window[distinct],
            "team": team[picked][distinct],
            "person": person[picked][distinct],
            "issue": issue[picked][distinct],
        }
    )


def infer_members(
    cat: Catalogue, activity: pd.DataFrame, memberships: pd.DataFrame, grid: WeekGrid
) -> Members:
    """Members per scored week: the roster where declared, else inferred from `trailing_activity`."""
    counts = activity.groupby(["week", "team", "person"], as_index=False).size()
    everyone = counts.loc[counts["size"] >= MIN_ISSUES, ["week", "team", "person"]].astype(np.int64)

    roster = pd.DataFrame(
        {
            "team": cat.teams.codes(memberships["team"]),
            "person": cat.people.codes(memberships["person_uid"]),
        }
    )
    roster_teams = frozenset(int(t) for t in roster["team"].unique() if t >= 0)
    roster = roster.loc[(roster["team"] >= 0) & is_human(cat, roster["person"].to_numpy())].drop_duplicates()
    declared = roster.merge(pd.DataFrame({"week": list(grid.scored)}), how="cross")
    inferred = everyone.loc[~everyone["team"].isin(roster_teams)]
    frame = pd.concat([declared[["week", "team", "person"]], inferred], ignore_index=True).astype(np.int64)
    return Members(frame=frame, roster_teams=roster_teams, inferred=everyone.reset_index(drop=True))


def assigned_in_progress(
    cat: Catalogue, spells: pd.DataFrame, facts: pd.DataFrame, grid: WeekGrid
) -> pd.DataFrame:
    """Humans' assignment spells inside each issue's in-progress window, cut at week boundaries.

    `spells`: assignee spells (issue, person, start, end); `facts`: the issue facts with
    progress_start / progress_end. Columns: issue, person, week, start, end (ns)."""
    humans = spells.loc[is_human(cat, spells["person"].to_numpy())]
    issue = humans["issue"].to_numpy()
    start, end, live = intersect(
        humans["start"].to_numpy(),
        humans["end"].to_numpy(),
        facts["progress_start"].to_numpy()[issue],
        facts["progress_end"].to_numpy()[issue],
    )
    row, week, piece_start, piece_end = clip_to_weeks(start[live], end[live], grid)
    person = humans["person"].to_numpy()[live][row]
    return pd.DataFrame(
        {"issue": issue[live][row], "person": person, "week": week, "start": piece_start, "end": piece_end}
    )
