"""rigid_workflow: process matters more than flexibility (SYMPTOMS.md).

Per team T and week W, over the issues completed in W (team at completion):
* statuses_per_issue_p50: distinct statuses visited before completion (the initial status and
  the completing one included), median over the sample.
* workflow_size: statuses T's workflows define (`frames.workflows`); null when none is known.
* unused_status_share: of those, the share entered by fewer than `unused_entry_share` of T's
  issues completed in the trailing `unused_weeks` weeks (W-11..W); null without a workflow or
  without completions.
* rework_share: issues that moved backwards before completion at least once: out of a done or
  canceled status into one that is not, or out of committed work (in progress, or an approval or
  other committing status) back into the backlog (todo-category statuses of role queue or none,
  the ones that do not commit: the commitment point's own definition).
* queue_share: time in queue, approval, meeting and blocked statuses between commitment and
  completion / cycle time, summed over the sample (issues never committed add nothing).
* sample_size: issues completed in W; below min_sample the row is insufficient_data. Only the
  queue share is thresholded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis import evidence
from orgpulse.analysis.assemble import grid_table
from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.cost import role_cost
from orgpulse.analysis.derived import CATALOGUE, COMPLETED, FACTS, INTERVALS, TEAMS
from orgpulse.analysis.detectors.base import Detected, Detector, Sample
from orgpulse.analysis.detectors.workflow import SYMPTOM
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.samples import window_spread
from orgpulse.analysis.timeline import first_of_runs, unique_rows
from orgpulse.analysis.weeks import HOUR_NS, NAT, WeekGrid
from orgpulse.model import Category, Role

_KEYS = ["team", "week"]
QUEUE_ROLES = (Role.QUEUE, Role.APPROVAL, Role.MEETING, Role.BLOCKED)


def visits_before(intervals: pd.DataFrame, done_at: np.ndarray) -> pd.DataFrame:
    """Intervals of sampled issues that began by their completion (columns of status_intervals)."""
    issue = intervals["issue"].to_numpy()
    until = done_at[issue]
    return intervals.loc[(until != NAT) & (intervals["start"].to_numpy() <= until)]


def reworked(cat: Catalogue, visits: pd.DataFrame) -> np.ndarray:
    """Issues with a backward move among `visits` (sorted by issue, then start)."""
    statuses = cat.statuses
    category = statuses.frame["category"].to_numpy(dtype=object)
    backlog = (category == Category.TODO.value) & ~statuses.commits & ~statuses.done
    issue, status = visits["issue"].to_numpy(), visits["status"].to_numpy()
    before, after = status[:-1], status[1:]
    back = (statuses.done[before] & ~statuses.done[after]) | (statuses.commits[before] & backlog[after])
    result: np.ndarray = np.unique(issue[1:][back & ~first_of_runs(issue)[1:]])
    return result


def workflow_statuses(cat: Catalogue, frames: Frames) -> pd.DataFrame:
    """team (code), status (code; a distinct negative code for a status missing from the catalogue)."""
    flows = frames.workflows.dropna().drop_duplicates()
    team = cat.teams.codes(flows["team"])
    code = cat.statuses.codes(flows["status_uid"])
    missing = code == cat.statuses.unknown
    code = np.where(missing, -2 - np.arange(len(code)), code)
    return pd.DataFrame({"team": team, "status": code}).loc[team >= 0].drop_duplicates()


def unused_statuses(
    trailing: pd.DataFrame,
    visits: pd.DataFrame,
    flows: pd.DataFrame,
    grid: WeekGrid,
    span: int,
    cutoff: float,
) -> pd.DataFrame:
    """Per (team, week) and workflow status: issues completed in the trailing window that entered it.

    Columns: team, week, status, entered, completed, unused.
    """
    pairs = unique_rows(visits[["issue", "status"]], ["issue", "status"]).merge(trailing, on="issue")
    entered = pairs.groupby(["team", "week", "status"], as_index=False).size()
    row, window = window_spread(entered["week"].to_numpy(), grid, span)
    entered = (
        entered.iloc[row]
        .assign(week=window)
        .groupby(["team", "week", "status"], as_index=False)["size"]
        .sum()
        .rename(columns={"size": "entered"})
    )
    done = trailing.groupby(["team", "week"], as_index=False).size()
    row, window = window_spread(done["week"].to_numpy(), grid, span)
    done = done.iloc[row].assign(week=window).groupby(["team", "week"], as_index=False)["size"].sum()
    rows = done.rename(columns={"size": "completed"}).merge(flows, on="team")
    rows = rows.merge(entered, on=["team", "week", "status"], how="left")
    rows["entered"] = rows["entered"].fillna(0).astype(np.int64)
    rows["unused"] = rows["entered"] < cutoff * rows["completed"]
    return rows


def detect_workflow(inputs: Inputs) -> Detected:
    ctx = inputs.context
    grid, th = ctx.grid, ctx.settings.thresholds(SYMPTOM)
    cat, intervals = inputs[CATALOGUE], inputs[INTERVALS]
    every = inputs[COMPLETED]
    span = max(th.unused_weeks, 1)
    weeks = every["week"].to_numpy()
    trailing = every.loc[
        (weeks > grid.first_scored - span) & (weeks < grid.count) & (every["team"].to_numpy() >= 0)
    ]
    completed = trailing.loc[trailing["week"] >= grid.first_scored].reset_index(drop=True)
    done_at: np.ndarray = np.full(len(cat.issues.frame), NAT, dtype=np.int64)
    done_at[trailing["issue"].to_numpy()] = trailing["completed"].to_numpy()
    visits = visits_before(intervals, done_at)
    mine = visits.loc[np.isin(visits["issue"].to_numpy(), completed["issue"].to_numpy())]
    completed = completed.join(mine.groupby("issue")["status"].nunique().rename("statuses"), on="issue")
    completed["rework"] = np.isin(completed["issue"].to_numpy(), reworked(cat, mine))

    queued = mine.loc[cat.statuses.has_role(*QUEUE_ROLES)[mine["status"].to_numpy()]]
    issue = queued["issue"].to_numpy()
    commitment = inputs[FACTS]["commitment"].to_numpy()[issue]
    spent = np.minimum(queued["end"].to_numpy(), done_at[issue]) - np.maximum(
        queued["start"].to_numpy(), commitment
    )
    queued = queued.assign(hours=np.where(commitment == NAT, 0, np.clip(spent, 0, None)) / HOUR_NS)
    queued = queued.loc[queued["hours"] > 0]
    completed = completed.join(queued.groupby("issue")["hours"].sum().rename("queue_hours"), on="issue")
    committed = completed["cycle"].to_numpy() != NAT
    completed["queue_hours"] = np.where(committed, completed["queue_hours"].fillna(0.0), 0.0)
    completed["cycle_hours"] = np.where(committed, completed["cycle"] / HOUR_NS, 0.0)

    flows = workflow_statuses(cat, ctx.frames)
    unused = unused_statuses(trailing, visits, flows, grid, span, th.unused_entry_share)
    sums = completed.groupby(_KEYS)[["queue_hours", "cycle_hours"]].sum()
    parts = [
        completed.groupby(_KEYS).agg(
            sample_size=("issue", "size"),
            statuses_per_issue_p50=("statuses", "median"),
            rework_share=("rework", "mean"),
        ),
        (sums["queue_hours"] / sums["cycle_hours"].where(sums["cycle_hours"] > 0)).rename("queue_share"),
        unused.groupby(_KEYS)["unused"].mean().rename("unused_status_share"),
    ]
    table = grid_table(cat, grid, pd.concat(parts, axis=1))
    table = table.merge(flows.groupby("team").size().rename("workflow_size"), on="team", how="left")
    return Detected(
        table=table,
        evidence=_evidence(cat, completed, queued, unused),
        explain=evidence.explain_samples(
            cat,
            grid,
            table,
            {"completed": completed, "rework": completed.loc[completed["rework"]]},
            lambda team, week: {"unused_status_window": evidence.window(grid, week, span)},
        ),
        limits={"unused_entry_share": th.unused_entry_share, "unused_weeks": span},
        sample=Sample(completed, span=1, completed=completed),
        cost=role_cost(
            cat,
            intervals,
            inputs[TEAMS],
            grid,
            cat.statuses.has_role(*QUEUE_ROLES),
            window=(inputs[FACTS]["progress_start"].to_numpy(), inputs[FACTS]["progress_end"].to_numpy()),
        )
        if ctx.diagnose
        else None,
    )


def _evidence(
    cat: Catalogue, completed: pd.DataFrame, queued: pd.DataFrame, unused: pd.DataFrame
) -> evidence.Evidence:
    names, roles = cat.statuses.names, cat.statuses.role
    queued = queued.merge(completed[["issue", "team", "week"]], on="issue")
    per_status = (
        queued.assign(name=names[queued["status"].to_numpy()], role=roles[queued["status"].to_numpy()])
        .groupby([*_KEYS, "name", "role"], as_index=False)["hours"]
        .sum()
    )
    statuses = evidence.by_hours(
        evidence.group_records(
            per_status, {"kind": "=status", "status": "name", "role": "role", "hours": "hours"}
        )
    )
    issues = evidence.by_hours(
        evidence.issue_records(
            cat,
            completed.assign(statuses=completed["statuses"].astype(np.int64)),
            "completed_issue",
            hours="queue_hours",
            cycle_hours="cycle_hours",
            statuses="statuses",
            rework="rework",
        )
    )
    idle = unused.loc[unused["unused"]]
    status = idle["status"].to_numpy()
    idle = idle.assign(
        name=np.where(status >= 0, names[np.maximum(status, 0)], "(status missing from the catalogue)")
    ).sort_values([*_KEYS, "entered", "name"])
    spare = evidence.group_records(
        idle, {"kind": "=unused_status", "status": "name", "entered": "entered", "completed": "completed"}
    )
    return evidence.merge_items(statuses, issues, spare)


DETECTOR = Detector(
    symptom=SYMPTOM,
    needs=(CATALOGUE, INTERVALS, FACTS, COMPLETED, TEAMS),
    detect=detect_workflow,
    sample="issues completed in W (team at completion)",
    notes={
        "queue_roles": [r.value for r in QUEUE_ROLES],
    },
    cost_counted="hours of committed issues in queue, approval, meeting and blocked statuses",
)
