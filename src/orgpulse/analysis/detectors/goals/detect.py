"""goal_disconnect: a task list instead of a direction (SYMPTOMS.md).

Per team T and week W, over the issues created in W (team at creation, epics excluded):
* unlinked_share: issues not linked to a goal within `link_days` (7) of creation: no parent
  epic, Linear project or initiative reached through the parent chain as it stood then
  (parents.GoalLookup; a sub-task's parent story is not a goal, the chain goes on to its epic).
  For an issue younger than that at as_of, the links known at as_of count.
* sample_size: issues created in W; below min_sample the row is insufficient_data.
Evidence: the unlinked issues, those linked only later than the grace period, and the goals the
linked ones reached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis import evidence
from orgpulse.analysis.assemble import grid_table
from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.derived import CATALOGUE, CREATED, GOALS
from orgpulse.analysis.detectors.base import Detected, Detector, Sample
from orgpulse.analysis.detectors.goals import SYMPTOM
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.parents import GoalLookup
from orgpulse.analysis.samples import DAY_NS, scored

_KEYS = ["team", "week"]


def detect_goals(inputs: Inputs) -> Detected:
    ctx = inputs.context
    grid, th = ctx.grid, ctx.settings.thresholds(SYMPTOM)
    cat, lookup = inputs[CATALOGUE], inputs[GOALS]
    created = scored(inputs[CREATED], grid)
    issue = created["issue"].to_numpy()
    deadline = np.minimum(created["created"].to_numpy() + int(th.link_days * DAY_NS), ctx.as_of)
    created["goal"] = lookup.goal_at(issue, deadline)
    created["goal_now"] = lookup.goal_at(issue, np.full(len(issue), ctx.as_of, dtype=np.int64))
    created["unlinked"] = created["goal"].to_numpy() < 0

    table = grid_table(
        cat,
        grid,
        created.groupby(_KEYS).agg(sample_size=("issue", "size"), unlinked_share=("unlinked", "mean")),
    )
    return Detected(
        table=table,
        evidence=_evidence(cat, lookup, created),
        explain=evidence.explain_samples(
            cat, grid, table, {"created": created, "unlinked": created.loc[created["unlinked"].to_numpy()]}
        ),
        limits={"link_days": th.link_days},
        sample=Sample(created, span=1),
    )


def _evidence(cat: Catalogue, lookup: GoalLookup, created: pd.DataFrame) -> evidence.Evidence:
    unlinked = created.loc[created["unlinked"].to_numpy()]
    late = unlinked.loc[unlinked["goal_now"].to_numpy() >= 0]
    never = unlinked.loc[unlinked["goal_now"].to_numpy() < 0]
    items = evidence.merge_items(
        {
            k: [{"kind": "unlinked_issue", "issue": key} for key in v]
            for k, v in evidence.key_lists(never, cat).items()
        },
        {
            k: [{"kind": "unlinked_issue", "issue": key, "linked_later": True} for key in v]
            for k, v in evidence.key_lists(late, cat).items()
        },
    )
    linked = created.loc[~created["unlinked"].to_numpy()]
    return evidence.merge_items(items, evidence.goal_items(linked, lookup.labels))


DETECTOR = Detector(
    symptom=SYMPTOM,
    needs=(CATALOGUE, CREATED, GOALS),
    detect=detect_goals,
    sample="issues created in W (team at creation), epics excluded",
    notes={
        "goal": "a parent epic, Linear project or initiative, or a parent outside the synced "
        "projects, reached through the parent chain; a parent story is not a goal",
    },
)
