"""oversized_team: more than 7 people share one scope (SYMPTOMS.md).

Per team T and week W:
* active_people: the humans who, over W-3..W, were the assignee of (while open) or made a status
  change on at least 3 of T's issues, exits from approval and meeting statuses aside. Always
  inferred from activity, roster or not. Levels are strict: watch > 7, alert > 9.
* roster_size: the humans on T's declared roster, where one exists (else null), beside it.
* sample_size: T's issues touched by that activity in W-3..W; below min_sample the row is
  insufficient_data.
Evidence names people only as pseudonym sets: the active people, and for a roster team who is
active but not on it and who is on it but not active.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis import evidence
from orgpulse.analysis.assemble import grid_table
from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.derived import ACTIVITY, CATALOGUE, MEMBERS
from orgpulse.analysis.detectors.base import Detected, Detector, Sample
from orgpulse.analysis.detectors.grading import strict_levels
from orgpulse.analysis.detectors.oversized import SYMPTOM
from orgpulse.analysis.detectors.symptom import Thresholds
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.people import MIN_ISSUES, Members
from orgpulse.analysis.weeks import TRAILING, WeekGrid

_KEYS = ["team", "week"]


def detect_oversized(inputs: Inputs) -> Detected:
    ctx = inputs.context
    grid, th = ctx.grid, ctx.settings.thresholds(SYMPTOM)
    cat, activity, members = inputs[CATALOGUE], inputs[ACTIVITY], inputs[MEMBERS]
    activity = activity.loc[activity["week"] >= grid.first_scored]
    touched = activity[["team", "week", "issue"]].drop_duplicates()
    roster = members.frame.loc[members.frame["team"].isin(members.roster_teams)]
    parts = [
        members.inferred.groupby(_KEYS).size().rename("active_people"),
        roster.groupby(_KEYS).size().rename("roster_size"),
        touched.groupby(_KEYS).size().rename("sample_size"),
    ]
    table = grid_table(cat, grid, pd.concat(parts, axis=1))
    table["active_people"] = table["active_people"].fillna(0).astype(np.int64)
    declared = table["team"].isin(members.roster_teams).to_numpy()
    table["roster_size"] = np.where(declared, table["roster_size"].fillna(0), np.nan)
    table["level"] = strict_levels(table["active_people"].to_numpy(dtype=float), th.watch, th.alert)
    return Detected(
        table=table,
        evidence=_evidence(cat, activity, members),
        explain=_explain(cat, grid, table, members, th),
        sample=Sample(touched, span=TRAILING),
    )


def _evidence(cat: Catalogue, activity: pd.DataFrame, members: Members) -> evidence.Evidence:
    active = members.inferred
    active_sets = evidence.people_sets(active, cat)
    roster = members.frame.loc[members.frame["team"].isin(members.roster_teams)]
    both = active.merge(roster, on=["week", "team", "person"], how="outer", indicator=True)
    outside = evidence.people_sets(both.loc[both["_merge"] == "left_only"], cat)
    idle = evidence.people_sets(both.loc[both["_merge"] == "right_only"], cat)
    people: evidence.Items = {}
    for key in sorted(set(active_sets) | set(idle)):
        item: dict[str, Any] = {"kind": "active_people", "people": active_sets.get(key, [])}
        if key[0] in members.roster_teams:
            item["not_on_roster"] = outside.get(key, [])
            item["on_roster_not_active"] = idle.get(key, [])
        people[key] = [item]
    # Activity rows are distinct (week, team, person, issue): a group's size counts its people.
    per_issue = (
        activity.groupby(["team", "week", "issue"], as_index=False).size().rename(columns={"size": "person"})
    )
    per_issue = per_issue.assign(rank=cat.issues.frame["key_rank"].to_numpy()[per_issue["issue"].to_numpy()])
    per_issue = per_issue.sort_values(["team", "week", "person", "rank"], ascending=[True, True, False, True])
    issues = evidence.issue_records(cat, per_issue, "touched_issue", people="person")
    return evidence.merge_items(people, issues)


def _explain(
    cat: Catalogue, grid: WeekGrid, table: pd.DataFrame, members: Members, th: Thresholds
) -> evidence.Items:
    def entry(team: int, week: int, level: str) -> dict[str, Any]:
        return {
            "thresholds": {
                "active_people": {"watch": th.watch, "alert": th.alert, "strict": True, "level": level},
                "min_sample": th.min_sample,
            },
            "trailing_window": evidence.trailing_window(grid, week),
            "roster": "declared" if team in members.roster_teams else "none",
        }

    return evidence.explain_samples(cat, grid, table, {}, entry, ["level"])


DETECTOR = Detector(
    symptom=SYMPTOM,
    needs=(CATALOGUE, ACTIVITY, MEMBERS),
    detect=detect_oversized,
    sample="the team's issues touched (assigned or moved) in W-3..W",
    notes={
        "active_people": f"people who were assignee of, or moved, at least {MIN_ISSUES} of the "
        "team's issues in W-3..W (approval and meeting exits aside); bots never count",
    },
)
