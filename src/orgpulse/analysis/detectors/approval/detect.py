"""approval_bottleneck: decisions wait on a few people outside the team (SYMPTOMS.md).

Per team T and week W:
* approval_wait_share: over issues completed in W (team at completion), time in approval
  statuses before completion / lead time, summed over the sample (whole durations).
* approval_wait_p50_hours / _p85_hours: approval visits that a human ended in W (team at exit).
  Visits open at the end of W are reported apart (open_visits, open_visit_oldest_hours).
* approver_concentration / external_approver_share: human exits from approval statuses in
  W-3..W; the two most frequent actors' share, and the share by non-members of T.
* sample_size: those exits; below min_sample the row is insufficient_data. A row with no
  completed issue has no wait share, so nothing to grade: insufficient_data as well.
* Gate: a wait-share alert needs approver_concentration >= concentration_gate, else it is
  watch and the score is held below 0.75.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis import evidence
from orgpulse.analysis.assemble import row_grid
from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.cost import role_cost
from orgpulse.analysis.derived import CATALOGUE, FACTS, INTERVALS, MEMBERS, TEAMS
from orgpulse.analysis.detectors.approval import SYMPTOM
from orgpulse.analysis.detectors.base import Detected, Detector, Sample
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.teams import TeamLookup
from orgpulse.analysis.weeks import HOUR_NS, TRAILING, WeekGrid, open_at_week_end, spread_trailing
from orgpulse.model import Role

_KEYS = ["team", "week"]


def completed_sample(
    cat: Catalogue, visits: pd.DataFrame, facts: pd.DataFrame, teams: TeamLookup, grid: WeekGrid
) -> pd.DataFrame:
    """Issues completed in a scored week: issue, team, week, lead_hours, approval_hours."""
    done = facts["completed"].to_numpy()
    week = grid.week_of(done)
    issues = np.flatnonzero(week >= grid.first_scored)
    chosen: np.ndarray = np.zeros(len(done), dtype=bool)
    chosen[issues] = True
    mine = visits.loc[chosen[visits["issue"].to_numpy()]]
    issue = mine["issue"].to_numpy()
    spent = np.clip(np.minimum(mine["end"].to_numpy(), done[issue]) - mine["start"].to_numpy(), 0, None)
    approval = pd.Series(spent, dtype=float).groupby(issue).sum().reindex(issues, fill_value=0.0)
    return pd.DataFrame(
        {
            "issue": issues,
            "team": teams.at(issues, done[issues]),
            "week": week[issues],
            "lead_hours": facts["lead"].to_numpy()[issues] / HOUR_NS,
            "approval_hours": approval.to_numpy() / HOUR_NS,
        }
    )


def ended_visits(visits: pd.DataFrame, teams: TeamLookup, grid: WeekGrid) -> pd.DataFrame:
    """Visits ended in a grid week: issue, status, team, week, hours, person, bot."""
    ended = visits.loc[~visits["open"].to_numpy()]
    end = ended["end"].to_numpy()
    week = grid.week_of(end)
    ended, end, week = ended.loc[week >= 0], end[week >= 0], week[week >= 0]
    issue = ended["issue"].to_numpy()
    return pd.DataFrame(
        {
            "issue": issue,
            "status": ended["status"].to_numpy(),
            "team": teams.at(issue, end),
            "week": week,
            "hours": (end - ended["start"].to_numpy()) / HOUR_NS,
            "person": ended["exit_actor"].to_numpy(),
            "bot": ended["exit_bot"].to_numpy(),
        }
    )


def detect_approval(inputs: Inputs) -> Detected:
    ctx = inputs.context
    grid, th = ctx.grid, ctx.settings.thresholds(SYMPTOM)
    cat, teams, members = inputs[CATALOGUE], inputs[TEAMS], inputs[MEMBERS]
    intervals = inputs[INTERVALS]
    epic = cat.issues.frame["is_epic"].to_numpy(dtype=bool)[intervals["issue"].to_numpy()]
    visits = intervals.loc[cat.statuses.has_role(Role.APPROVAL)[intervals["status"].to_numpy()] & ~epic]

    completed = completed_sample(cat, visits, inputs[FACTS], teams, grid)
    completed = completed.loc[completed["team"] >= 0]
    ended = ended_visits(visits, teams, grid)
    human = ended.loc[~ended["bot"] & (ended["team"] >= 0)]
    row, week = spread_trailing(human["week"].to_numpy(), grid)
    exits = human.iloc[row][["issue", "team", "person"]].assign(week=week)
    exits["member"] = members.flag(
        exits["week"].to_numpy(), exits["team"].to_numpy(), exits["person"].to_numpy()
    )
    bots = ended.loc[ended["bot"] & (ended["team"] >= 0)]
    bot_rows, bot_week = spread_trailing(bots["week"].to_numpy(), grid)
    bot_exits = bots.iloc[bot_rows][["team"]].assign(week=bot_week)
    o_row, o_week, o_age = open_at_week_end(
        visits["start"].to_numpy(), visits["end"].to_numpy(), visits["open"].to_numpy(), grid
    )
    o_issue = visits["issue"].to_numpy()[o_row]
    opened = pd.DataFrame(
        {
            "issue": o_issue,
            "status": visits["status"].to_numpy()[o_row],
            "week": o_week,
            "team": teams.at(o_issue, grid.bounds[o_week + 1] - 1),
            "hours": o_age,
        }
    )
    opened = opened.loc[opened["team"] >= 0]

    table = row_grid(cat, grid)
    sums = completed.groupby(_KEYS)[["approval_hours", "lead_hours"]].sum()
    sums["approval_wait_share"] = sums["approval_hours"] / sums["lead_hours"].where(sums["lead_hours"] > 0)
    in_week = human.groupby(_KEYS)["hours"]
    per_actor = exits.groupby([*_KEYS, "person"]).size().rename("n").reset_index()
    top_two = per_actor.sort_values([*_KEYS, "n"], ascending=[True, True, False]).groupby(_KEYS).head(2)
    tally = (
        exits.assign(external=~exits["member"])
        .groupby(_KEYS)
        .agg(sample_size=("issue", "size"), external=("external", "sum"))
    )
    tally["top_two"] = top_two.groupby(_KEYS)["n"].sum()
    parts = [
        sums[["approval_wait_share"]],
        in_week.quantile(0.5).rename("approval_wait_p50_hours"),
        in_week.quantile(0.85).rename("approval_wait_p85_hours"),
        (tally["top_two"] / tally["sample_size"]).rename("approver_concentration"),
        (tally["external"] / tally["sample_size"]).rename("external_approver_share"),
        tally["sample_size"],
        opened.groupby(_KEYS).size().rename("open_visits"),
        opened.groupby(_KEYS)["hours"].max().rename("open_visit_oldest_hours"),
        bot_exits.groupby(_KEYS).size().rename("bot_exits"),
        members.frame.groupby(_KEYS).size().rename("members"),
    ]
    table = table.merge(pd.concat(parts, axis=1), left_on=_KEYS, right_index=True, how="left")
    for column in ("sample_size", "open_visits", "bot_exits", "members"):
        table[column] = table[column].fillna(0).astype(np.int64)

    concentration = table["approver_concentration"].fillna(-1.0).to_numpy(dtype=float)
    table["gate_passed"] = concentration >= th.concentration_gate
    sample = pd.concat([completed[["team", "week", "issue"]], exits[["team", "week", "issue"]]])
    return Detected(
        table=table,
        evidence=_evidence(cat, grid.first_scored, completed, human, opened, exits),
        explain=_explain(cat, grid, table, completed, exits, members.roster_teams),
        limits={"approver_concentration": {"gate": th.concentration_gate}},
        sample=Sample(sample, span=TRAILING, completed=completed),
        cost=role_cost(cat, intervals, teams, grid, cat.statuses.has_role(Role.APPROVAL))
        if ctx.diagnose
        else None,
    )


def _evidence(
    cat: Catalogue,
    first_scored: int,
    completed: pd.DataFrame,
    human: pd.DataFrame,
    opened: pd.DataFrame,
    exits: pd.DataFrame,
) -> evidence.Evidence:
    names = cat.statuses.names
    approvers = evidence.people_sets(exits, cat)
    external = evidence.people_sets(exits.loc[~exits["member"]], cat)
    people: evidence.Items = {
        k: [{"kind": "approvers", "people": v, "external": external.get(k, [])}] for k, v in approvers.items()
    }
    scored = human.loc[human["week"] >= first_scored]
    scored = scored.assign(name=names[scored["status"].to_numpy()])
    per_status = scored.groupby([*_KEYS, "name"], as_index=False).agg(
        visits=("hours", "size"), hours=("hours", "sum")
    )
    statuses = evidence.by_hours(
        evidence.group_records(
            per_status, {"kind": "=status", "status": "name", "visits": "visits", "hours": "hours"}
        )
    )
    waited = completed.loc[completed["approval_hours"] > 0]
    opened = opened.assign(name=names[opened["status"].to_numpy()])
    issues = evidence.merge_items(
        evidence.issue_records(
            cat, waited, "completed_issue", hours="approval_hours", lead_hours="lead_hours"
        ),
        evidence.issue_records(cat, scored, "visit", status="name", hours="hours"),
        evidence.issue_records(cat, opened, "open_visit", status="name", hours="hours"),
    )
    return evidence.merge_items(people, statuses, evidence.by_hours(issues))


def _explain(
    cat: Catalogue,
    grid: WeekGrid,
    table: pd.DataFrame,
    completed: pd.DataFrame,
    exits: pd.DataFrame,
    roster_teams: frozenset[int],
) -> evidence.Items:
    def entry(
        team: int,
        week: int,
        concentration: float,
        passed: bool,
        n_open: int,
        oldest: float,
        bots: int,
        members: int,
    ) -> dict[str, Any]:
        return {
            "trailing_window": evidence.trailing_window(grid, week),
            "gate": {"approver_concentration": evidence.number(concentration), "passed": bool(passed)},
            "open_visits": {"count": int(n_open), "oldest_age_hours": evidence.number(oldest)},
            "bot_exits_excluded": int(bots),
            "members": {"source": "roster" if team in roster_teams else "inferred", "count": int(members)},
        }

    columns = [
        "approver_concentration",
        "gate_passed",
        "open_visits",
        "open_visit_oldest_hours",
        "bot_exits",
        "members",
    ]
    samples = {"completed": completed, "approval_exits": exits}
    return evidence.explain_samples(cat, grid, table, samples, entry, columns)


DETECTOR = Detector(
    symptom=SYMPTOM,
    needs=(CATALOGUE, INTERVALS, FACTS, TEAMS, MEMBERS),
    detect=detect_approval,
    sample="human exits from approval statuses in W-3..W",
    cost_counted="hours in approval statuses",
)
