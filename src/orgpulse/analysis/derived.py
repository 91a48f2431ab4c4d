"""The shared inputs detectors may declare, each built once per analysis from the ones it needs.

CATALOGUE    Catalogue: codes of issues, statuses (with roles), people, teams
INTERVALS    status intervals (timeline.status_intervals)
BULK         every move of every bulk close, with its outcome (cleanups.bulk_closes)
FACTS        per-issue commitment, completion, in-progress window (timeline.issue_facts), bulk
             cleanups counted as cancellations
TEAMS        TeamLookup: the team of an issue at a time
ASSIGNEES    assignee spells: issue, start, end, person
ACTIVITY     week, team, person, issue: human activity in each scored week's trailing 4 weeks
MEMBERS      Members: who belongs to each team, per scored week
IN_PROGRESS  issue, week, team, seconds: issues in progress during a week (> 0 s), with the
             team they were in at their last in-progress moment of that week
UNKNOWN_TIME issue, week, seconds: seconds in statuses of unknown role, clipped per week
LEAD_TIME    issue, lead_seconds, unknown_seconds: each completed issue's lead time and its part in
             statuses of unknown role (assemble.lead_role_time), for confidence over lead times
MAPPED       team, week, team_mapped_share (teams.mapped_share)
COMPLETED    issue, team, week, completed, lead, cycle: every completed issue (samples.completed_sample)
CREATED      issue, team, week, created: every non-epic issue by creation (samples.created_sample)
GOALS        GoalLookup: the goal an issue was linked to at a time, through its parent chain
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from orgpulse.analysis.assemble import lead_role_time
from orgpulse.analysis.catalogue import Catalogue, build_catalogue
from orgpulse.analysis.cleanups import bulk_closes, cleanup_times
from orgpulse.analysis.inputs import Inputs, Key, Spec
from orgpulse.analysis.parents import GoalLookup
from orgpulse.analysis.people import Members, assignee_spells, infer_members, trailing_activity
from orgpulse.analysis.samples import completed_sample, created_sample
from orgpulse.analysis.teams import TeamLookup, mapped_share
from orgpulse.analysis.timeline import issue_facts, status_intervals
from orgpulse.analysis.weeks import clip_to_weeks

CATALOGUE: Key[Catalogue] = Key("catalogue")
INTERVALS: Key[pd.DataFrame] = Key("intervals")
BULK: Key[pd.DataFrame] = Key("bulk")
FACTS: Key[pd.DataFrame] = Key("facts")
TEAMS: Key[TeamLookup] = Key("teams")
ASSIGNEES: Key[pd.DataFrame] = Key("assignees")
ACTIVITY: Key[pd.DataFrame] = Key("activity")
MEMBERS: Key[Members] = Key("members")
IN_PROGRESS: Key[pd.DataFrame] = Key("in_progress")
UNKNOWN_TIME: Key[pd.DataFrame] = Key("unknown_time")
LEAD_TIME: Key[pd.DataFrame] = Key("lead_time")
MAPPED: Key[pd.DataFrame] = Key("mapped")
COMPLETED: Key[pd.DataFrame] = Key("completed")
CREATED: Key[pd.DataFrame] = Key("created")
GOALS: Key[GoalLookup] = Key("goals")


def _catalogue(inputs: Inputs) -> Catalogue:
    ctx = inputs.context
    return build_catalogue(ctx.frames, ctx.settings, ctx.as_of)


def _intervals(inputs: Inputs) -> pd.DataFrame:
    return status_intervals(inputs[CATALOGUE], inputs.context.frames.status_changes, inputs.context.as_of)


def _bulk(inputs: Inputs) -> pd.DataFrame:
    cat, ctx = inputs[CATALOGUE], inputs.context
    return bulk_closes(cat, inputs[INTERVALS], ctx.frames, ctx.settings)


def _facts(inputs: Inputs) -> pd.DataFrame:
    cat = inputs[CATALOGUE]
    return issue_facts(cat, inputs[INTERVALS], inputs.context.as_of, cleanup_times(cat, inputs[BULK]))


def _teams(inputs: Inputs) -> TeamLookup:
    return TeamLookup(inputs[CATALOGUE], inputs.context.frames.team_changes)


def _assignees(inputs: Inputs) -> pd.DataFrame:
    return assignee_spells(inputs[CATALOGUE], inputs.context.frames.assignee_changes, inputs.context.as_of)


def _activity(inputs: Inputs) -> pd.DataFrame:
    return trailing_activity(
        inputs[CATALOGUE],
        inputs[INTERVALS],
        inputs[ASSIGNEES],
        inputs[FACTS]["resolved_at"].to_numpy(),
        inputs[TEAMS],
        inputs.context.grid,
    )


def _members(inputs: Inputs) -> Members:
    ctx = inputs.context
    return infer_members(inputs[CATALOGUE], inputs[ACTIVITY], ctx.frames.memberships, ctx.grid)


def _in_progress(inputs: Inputs) -> pd.DataFrame:
    facts = inputs[FACTS]
    row, week, piece_start, piece_end = clip_to_weeks(
        facts["progress_start"].to_numpy(), facts["progress_end"].to_numpy(), inputs.context.grid
    )
    return pd.DataFrame(
        {
            "issue": row,
            "week": week,
            "team": inputs[TEAMS].at(row, piece_end - 1),
            "seconds": (piece_end - piece_start) / 1e9,
        }
    )


def _unknown_time(inputs: Inputs) -> pd.DataFrame:
    intervals = inputs[INTERVALS]
    unknown = intervals.loc[~inputs[CATALOGUE].statuses.known[intervals["status"].to_numpy()]]
    row, week, piece_start, piece_end = clip_to_weeks(
        unknown["start"].to_numpy(), unknown["end"].to_numpy(), inputs.context.grid
    )
    pieces = pd.DataFrame(
        {
            "issue": unknown["issue"].to_numpy()[row],
            "week": week,
            "seconds": (piece_end - piece_start) / 1e9,
        }
    )
    return pieces.groupby(["issue", "week"], as_index=False)["seconds"].sum()


def _lead_time(inputs: Inputs) -> pd.DataFrame:
    return lead_role_time(inputs[CATALOGUE], inputs[INTERVALS], inputs[FACTS])


def _mapped(inputs: Inputs) -> pd.DataFrame:
    return mapped_share(inputs[CATALOGUE], inputs[FACTS]["resolved_at"].to_numpy(), inputs.context.grid)


def _completed(inputs: Inputs) -> pd.DataFrame:
    ctx = inputs.context
    return completed_sample(inputs[CATALOGUE], inputs[FACTS], inputs[TEAMS], ctx.grid, ctx.settings.timezone)


def _created(inputs: Inputs) -> pd.DataFrame:
    ctx = inputs.context
    return created_sample(inputs[CATALOGUE], inputs[TEAMS], ctx.grid, ctx.settings.timezone)


def _goals(inputs: Inputs) -> GoalLookup:
    return GoalLookup(inputs[CATALOGUE], inputs.context.frames)


SPECS: dict[str, Spec[Any]] = {
    spec.key.name: spec
    for spec in (
        Spec(CATALOGUE, (), _catalogue),
        Spec(INTERVALS, (CATALOGUE,), _intervals),
        Spec(BULK, (CATALOGUE, INTERVALS), _bulk),
        Spec(FACTS, (CATALOGUE, INTERVALS, BULK), _facts),
        Spec(TEAMS, (CATALOGUE,), _teams),
        Spec(ASSIGNEES, (CATALOGUE,), _assignees),
        Spec(ACTIVITY, (CATALOGUE, INTERVALS, ASSIGNEES, FACTS, TEAMS), _activity),
        Spec(MEMBERS, (CATALOGUE, ACTIVITY), _members),
        Spec(IN_PROGRESS, (FACTS, TEAMS), _in_progress),
        Spec(UNKNOWN_TIME, (CATALOGUE, INTERVALS), _unknown_time),
        Spec(LEAD_TIME, (CATALOGUE, INTERVALS, FACTS), _lead_time),
        Spec(MAPPED, (CATALOGUE, FACTS), _mapped),
        Spec(COMPLETED, (CATALOGUE, FACTS, TEAMS), _completed),
        Spec(CREATED, (CATALOGUE, TEAMS), _created),
        Spec(GOALS, (CATALOGUE,), _goals),
    )
}
