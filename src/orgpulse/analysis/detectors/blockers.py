"""When issues were blocked: blocker links as time segments, cross-team pieces, blocked and flagged time.

Times are int64 ns UTC and issues catalogue codes (see timeline.py). A blocked issue X is blocked
by Y during the overlap of the link's life (an unknown creation time is the later creation time
of the two issues; removal ends it), X's in-progress window, and Y not done or canceled. A
blocker outside the synced projects is unresolved while the link lives, owned by its project key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue, flags
from orgpulse.analysis.teams import TeamLookup
from orgpulse.analysis.timeline import change_order, intersect, union_intervals, value_spells
from orgpulse.analysis.weeks import NAT, WeekGrid, split_by_weeks, to_ns
from orgpulse.model import LinkKind, Role


def blocker_segments(
    cat: Catalogue, links: pd.DataFrame, intervals: pd.DataFrame, facts: pd.DataFrame, as_of: int
) -> pd.DataFrame:
    """Times X was in progress while an unresolved Y blocked it (teams not yet compared).

    Columns: blocked, blocker (issue code, -1 outside), outside_label, blocker_key, outside_done,
    start, end.
    """
    links = links.loc[links["kind"].astype(object) == LinkKind.BLOCKS.value]
    blocked = cat.issues.codes(links["to_uid"])
    outside = links["from_uid"].isna().to_numpy()
    blocker = np.where(outside, -1, cat.issues.codes(links["from_uid"]))
    keep = (blocked >= 0) & (outside | (blocker >= 0)) & (blocked != blocker)
    links, blocked, blocker, outside = links.loc[keep], blocked[keep], blocker[keep], outside[keep]
    created = cat.issues.created
    latest = np.maximum(
        created[blocked], np.where(outside, created[blocked], created[np.maximum(blocker, 0)])
    )
    born = to_ns(links["created_at"])
    born = np.where(born == NAT, latest, born)
    gone = to_ns(links["removed_at"])
    gone = np.where(gone == NAT, as_of, np.minimum(gone, as_of))
    start, end, live = intersect(
        born, gone, facts["progress_start"].to_numpy()[blocked], facts["progress_end"].to_numpy()[blocked]
    )
    label = links["from_team"].astype(object).fillna(links["from_key"].astype(object).str.split("-").str[0])
    segments = pd.DataFrame(
        {
            "blocked": blocked,
            "blocker": blocker,
            "outside_label": label.to_numpy(dtype=object),
            "blocker_key": links["from_key"].astype(object).to_numpy(),
            "outside_done": flags(links["outside_done"], default=False),
            "start": start,
            "end": end,
        }
    ).loc[live]
    open_spans = intervals.loc[~cat.statuses.done[intervals["status"].to_numpy()]]
    spans = union_intervals(
        open_spans["issue"].to_numpy(), open_spans["start"].to_numpy(), open_spans["end"].to_numpy()
    ).rename(columns={"key": "blocker", "start": "open_start", "end": "open_end"})
    inside = segments.loc[segments["blocker"] >= 0].merge(spans, on="blocker")
    s, e, overlap = intersect(
        inside["start"].to_numpy(),
        inside["end"].to_numpy(),
        inside["open_start"].to_numpy(),
        inside["open_end"].to_numpy(),
    )
    inside = inside.assign(start=s, end=e).loc[overlap].drop(columns=["open_start", "open_end"])
    keys = cat.issues.keys
    inside["blocker_key"] = keys[inside["blocker"].to_numpy()]
    return pd.concat([segments.loc[segments["blocker"] < 0], inside], ignore_index=True)


def cross_team_pieces(
    cat: Catalogue,
    teams: TeamLookup,
    grid: WeekGrid,
    as_of: int,
    segments: pd.DataFrame,
    in_progress: pd.DataFrame,
) -> pd.DataFrame:
    """Segments cut per week where the blocker's team differs from X's team.

    Columns: blocked, blocker_key, outside_done, week (-1 before the grid, count after), team
    (X's), blocking_team (label), start, end.
    """
    # Cut where a blocker changed team, so its team is constant within each piece.
    cut, cut_start, cut_end = teams.cut_at_moves(
        segments["blocker"].to_numpy(), segments["start"].to_numpy(), segments["end"].to_numpy()
    )
    piece, week, start, end = split_by_weeks(cut_start, cut_end, grid, as_of)
    row = cut[piece]
    blocked = segments["blocked"].to_numpy()[row]
    blocker = segments["blocker"].to_numpy()[row]
    x_team = teams.at(blocked, end - 1)
    progress = (
        pd.DataFrame({"issue": blocked, "week": week})
        .merge(in_progress[["issue", "week", "team"]], on=["issue", "week"], how="left")["team"]
        .to_numpy(dtype=float)
    )
    x_team = np.where(np.isnan(progress), x_team, np.nan_to_num(progress, nan=-1)).astype(np.int64)
    y_team = teams.at(np.maximum(blocker, 0), end - 1)
    labels = cat.teams.labels
    y_label = np.where(
        blocker >= 0, labels[np.maximum(y_team, 0)], segments["outside_label"].to_numpy(dtype=object)[row]
    )
    known = ((blocker < 0) | (y_team >= 0)) & (x_team >= 0) & pd.notna(y_label)
    cross = known & (y_label != labels[np.maximum(x_team, 0)])
    return (
        pd.DataFrame(
            {
                "blocked": blocked,
                "blocker_key": segments["blocker_key"].to_numpy(dtype=object)[row],
                "outside_done": segments["outside_done"].to_numpy()[row] & (blocker < 0),
                "week": week,
                "team": x_team,
                "blocking_team": y_label,
                "start": start,
                "end": end,
            }
        )
        .loc[cross]
        .reset_index(drop=True)
    )


def blocked_time(
    cat: Catalogue, intervals: pd.DataFrame, changes: pd.DataFrame, facts: pd.DataFrame, as_of: int
) -> pd.DataFrame:
    """Blocked-status and flagged time within X's in-progress window. Columns: issue, status, start, end.

    `status` is the blocked status code, or -1 for flagged time.
    """
    held = intervals.loc[cat.statuses.has_role(Role.BLOCKED)[intervals["status"].to_numpy()]]
    code = cat.issues.codes(changes["issue_uid"])
    at = to_ns(changes["at"])
    rows = change_order(changes, code, at)
    raised = flags(changes["flagged"], default=False)[rows]
    flagged = value_spells(code[rows], at[rows], ~raised, raised, cat.issues.created, as_of)
    flagged = flagged.loc[flagged["value"].astype(bool)].assign(status=-1)
    both = pd.concat(
        [held[["issue", "status", "start", "end"]], flagged[["issue", "status", "start", "end"]]]
    )
    issue = both["issue"].to_numpy(dtype=np.int64)
    start, end, live = intersect(
        both["start"].to_numpy(dtype=np.int64),
        both["end"].to_numpy(dtype=np.int64),
        facts["progress_start"].to_numpy()[issue],
        facts["progress_end"].to_numpy()[issue],
    )
    return pd.DataFrame(
        {"issue": issue, "status": both["status"].to_numpy(), "start": start, "end": end}
    ).loc[live]
