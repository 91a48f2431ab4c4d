"""scattered_focus: everyone on every front, so on none (SYMPTOMS.md).

Per team T and week W, over the people (humans) assigned to T's in-progress issues during W
(WIP counts T's issues after their commitment point and before completion, clipped to W):
* wip_per_person_p50: per person, the time-weighted mean number of concurrent in-progress issues
  over the hours the person had at least one; the median over T's people.
* goals_per_person_p50: per person, the distinct goals (parents.GoalLookup: epic, project or
  initiative through the parent chain, as it stood at the end of W) of those issues; the median.
* sample_size: those people; below min_sample the row is insufficient_data. Only WIP is
  thresholded.
Person-level values are only aggregated per team: evidence and explain never name people, they
list the issues held concurrently with others by the same assignee, and the goals worked on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis import evidence
from orgpulse.analysis.assemble import grid_table
from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.derived import ASSIGNEES, CATALOGUE, FACTS, GOALS, IN_PROGRESS
from orgpulse.analysis.detectors.base import Detected, Detector, Sample
from orgpulse.analysis.detectors.focus import SYMPTOM
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.parents import GoalLookup
from orgpulse.analysis.people import assigned_in_progress
from orgpulse.analysis.timeline import union_intervals
from orgpulse.analysis.weeks import HOUR_NS, WeekGrid

_KEYS = ["team", "week"]


def wip_pieces(
    cat: Catalogue, spells: pd.DataFrame, facts: pd.DataFrame, in_progress: pd.DataFrame, grid: WeekGrid
) -> pd.DataFrame:
    """Human assignment within the in-progress window, cut per scored week, with the issue's team.

    Columns: issue, person, week, team, start, end, group (a code per (team, week, person)).
    """
    pieces = assigned_in_progress(cat, spells, facts, grid)
    pieces = pieces.loc[pieces["week"] >= grid.first_scored]
    pieces = pieces.merge(in_progress[["issue", "week", "team"]], on=["issue", "week"])
    pieces = pieces.loc[pieces["team"] >= 0].reset_index(drop=True)
    pieces["group"] = pieces.groupby(["team", "week", "person"], sort=False).ngroup()
    return pieces


def crowded_hours(pieces: pd.DataFrame) -> np.ndarray:
    """Per piece: the hours its assignee also held at least one other of the team's in-progress issues."""
    n = len(pieces)
    t = np.concatenate([pieces["start"].to_numpy(), pieces["end"].to_numpy()])
    delta = np.concatenate([np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64)])
    group = np.concatenate([pieces["group"].to_numpy(), pieces["group"].to_numpy()])
    order = np.lexsort((delta, t, group))
    t, delta, group = t[order], delta[order], group[order]
    # Each group's deltas sum to zero, so the running total restarts at every group; the running
    # crowded time, read at a piece's own start and end events, gives its crowded hours.
    level = np.cumsum(delta)
    busy = (level[:-1] >= 2) & (group[1:] == group[:-1])
    crowded = np.concatenate([[0], np.cumsum(np.where(busy, t[1:] - t[:-1], 0))])
    position: np.ndarray = np.empty(2 * n, dtype=np.int64)
    position[order] = np.arange(2 * n)
    result: np.ndarray = (crowded[position[n:]] - crowded[position[:n]]) / HOUR_NS
    return result


def detect_focus(inputs: Inputs) -> Detected:
    ctx = inputs.context
    grid = ctx.grid
    cat, lookup = inputs[CATALOGUE], inputs[GOALS]
    pieces = wip_pieces(cat, inputs[ASSIGNEES], inputs[FACTS], inputs[IN_PROGRESS], grid)
    group = pieces["group"].to_numpy()
    merged = union_intervals(group, pieces["start"].to_numpy(), pieces["end"].to_numpy())
    held = (
        pd.Series(merged["end"].to_numpy() - merged["start"].to_numpy())
        .groupby(merged["key"].to_numpy())
        .sum()
    )
    people = pieces.groupby("group").agg(team=("team", "first"), week=("week", "first"))
    people["weighted"] = (pieces["end"] - pieces["start"]).groupby(group).sum()
    people["wip"] = people["weighted"] / held.reindex(people.index)

    worked = pieces[["issue", "week"]].drop_duplicates()
    week = worked["week"].to_numpy()
    moment = np.minimum(grid.bounds[week + 1], ctx.as_of) - 1
    worked = worked.assign(goal=lookup.goal_at(worked["issue"].to_numpy(), moment))
    fronts = pieces[["group", "issue", "week", "team"]].merge(worked, on=["issue", "week"])
    per_person = fronts.loc[fronts["goal"] >= 0].groupby("group")["goal"].nunique()
    people["goals"] = per_person.reindex(people.index, fill_value=0)

    per_row = people.groupby(_KEYS).agg(
        sample_size=("wip", "size"),
        wip_per_person_p50=("wip", "median"),
        goals_per_person_p50=("goals", "median"),
    )
    table = grid_table(cat, grid, per_row)
    return Detected(
        table=table,
        evidence=_evidence(cat, lookup, pieces, fronts),
        explain=evidence.explain_samples(cat, grid, table, {}),
        sample=Sample(pieces[["team", "week", "issue"]], span=1),
    )


def _evidence(
    cat: Catalogue, lookup: GoalLookup, pieces: pd.DataFrame, fronts: pd.DataFrame
) -> evidence.Evidence:
    hours = pieces.assign(hours=(pieces["end"] - pieces["start"]) / HOUR_NS, crowded=crowded_hours(pieces))
    per_issue = hours.groupby(["team", "week", "issue"], as_index=False)[["hours", "crowded"]].sum()
    shared = per_issue.loc[per_issue["crowded"] > 0]
    issues = evidence.by_hours(
        evidence.issue_records(cat, shared, "concurrent_issue", concurrent_hours="crowded", hours="hours"),
        field="concurrent_hours",
    )
    linked = fronts.loc[fronts["goal"] >= 0].drop_duplicates(["team", "week", "issue"])
    return evidence.merge_items(issues, evidence.goal_items(linked, lookup.labels))


DETECTOR = Detector(
    symptom=SYMPTOM,
    needs=(CATALOGUE, FACTS, ASSIGNEES, IN_PROGRESS, GOALS),
    detect=detect_focus,
    sample="people assigned to the team's in-progress issues during W",
    notes={
        "privacy": "person-level values are aggregated per team; no person is named or ranked",
    },
)
