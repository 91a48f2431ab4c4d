"""cross_team_blocking: teams cannot move in parallel (SYMPTOMS.md).

Issue X is blocked by Y during the overlap of the link's life (an unknown creation time is the
later creation time of the two issues; removal ends it), X in progress, and Y not done or
canceled. A blocker outside the synced projects counts as unresolved while the link lives,
owned by its project key. "Another team" compares Y's team at that time with X's team in the week.

Per team T and week W (sample: T's issues in progress during W):
* cross_team_blocked_share: sample issues with > 0 s of cross-team blocking in W / sample size.
* blocked_hours_p50: per issue, the union of blocked-status time, flagged time and cross-team
  blocker time (all within X's in-progress window), over episodes that ended in W; episodes
  still open at the end of W are reported apart (open_blocked_issues, open_blocked_oldest_hours).
The dependency matrix (blocked team × blocking team: distinct blocked issues, blocked hours
clipped to the week) comes out as `DependencyRow`s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis import evidence
from orgpulse.analysis.assemble import row_grid
from orgpulse.analysis.catalogue import Catalogue, flags
from orgpulse.analysis.derived import CATALOGUE, FACTS, IN_PROGRESS, INTERVALS, TEAMS
from orgpulse.analysis.detectors.base import Detected, Detector, Sample
from orgpulse.analysis.detectors.blockers import blocked_time, blocker_segments, cross_team_pieces
from orgpulse.analysis.detectors.blocking import SYMPTOM
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.result import DependencyRow
from orgpulse.analysis.timeline import union_intervals
from orgpulse.analysis.weeks import HOUR_NS, WeekGrid, open_at_week_end, split_by_weeks

_KEYS = ["team", "week"]


def cross_team_cost(pieces: pd.DataFrame) -> pd.DataFrame:
    """Per (team, week, blocked issue): the hours it had at least one open cross-team blocker."""
    group = pieces.groupby(["blocked", "team", "week"], sort=False).ngroup().to_numpy()
    merged = union_intervals(group, pieces["start"].to_numpy(), pieces["end"].to_numpy())
    heads = pieces.assign(group=group).drop_duplicates("group").set_index("group")
    rows = heads.loc[merged["key"].to_numpy(), ["team", "week", "blocked"]].reset_index(drop=True)
    rows = rows.rename(columns={"blocked": "issue"})
    rows["hours"] = (merged["end"].to_numpy() - merged["start"].to_numpy()) / HOUR_NS
    return rows.groupby(["team", "week", "issue"], as_index=False)["hours"].sum()


def detect_blocking(inputs: Inputs) -> Detected:
    ctx = inputs.context
    grid = ctx.grid
    cat, facts, teams = inputs[CATALOGUE], inputs[FACTS], inputs[TEAMS]
    in_progress = inputs[IN_PROGRESS]
    sample = in_progress.loc[(in_progress["week"] >= grid.first_scored) & (in_progress["team"] >= 0)]
    segments = blocker_segments(cat, ctx.frames.links, inputs[INTERVALS], facts, ctx.as_of)
    pieces = cross_team_pieces(cat, teams, grid, ctx.as_of, segments, in_progress)
    scored = pieces.loc[(pieces["week"] >= grid.first_scored) & (pieces["week"] < grid.count)]

    # Union per (blocked issue, blocking team, week) so two blockers of one team never count twice.
    group = scored.groupby(["blocked", "blocking_team", "week"], sort=False).ngroup().to_numpy()
    merged = union_intervals(group, scored["start"].to_numpy(), scored["end"].to_numpy())
    heads = scored.assign(group=group).drop_duplicates("group").set_index("group")
    pairs = heads.loc[merged["key"].to_numpy(), ["blocked", "team", "week", "blocking_team"]].reset_index(
        drop=True
    )
    pairs["hours"] = (merged["end"].to_numpy() - merged["start"].to_numpy()) / HOUR_NS
    matrix = pairs.groupby([*_KEYS, "blocking_team"], as_index=False).agg(
        issues=("blocked", "nunique"), hours=("hours", "sum")
    )

    held = blocked_time(cat, inputs[INTERVALS], ctx.frames.flag_changes, facts, ctx.as_of)
    episodes = union_intervals(
        np.concatenate([held["issue"].to_numpy(), pieces["blocked"].to_numpy()]),
        np.concatenate([held["start"].to_numpy(), pieces["start"].to_numpy()]),
        np.concatenate([held["end"].to_numpy(), pieces["end"].to_numpy()]),
    )
    e_issue, e_start, e_end = (episodes[c].to_numpy() for c in ("key", "start", "end"))
    e_week = grid.week_of(e_end)
    ended = pd.DataFrame(
        {
            "issue": e_issue,
            "week": e_week,
            "team": teams.at(e_issue, e_end - 1),
            "hours": (e_end - e_start) / HOUR_NS,
        }
    ).loc[(e_week >= grid.first_scored) & (e_end < ctx.as_of)]
    per_issue = ended.groupby([*_KEYS, "issue"], as_index=False)["hours"].sum()
    o_row, o_week, o_age = open_at_week_end(e_start, e_end, e_end >= ctx.as_of, grid)
    opened = pd.DataFrame(
        {
            "issue": e_issue[o_row],
            "week": o_week,
            "team": teams.at(e_issue[o_row], grid.bounds[o_week + 1] - 1),
            "hours": o_age,
        }
    )

    table = row_grid(cat, grid)
    blocked_issues = scored[["blocked", "week"]].drop_duplicates().rename(columns={"blocked": "issue"})
    flagged = sample.merge(blocked_issues.assign(hit=True), on=["issue", "week"], how="left")
    flagged["hit"] = flags(flagged["hit"], default=False)
    parts = [
        flagged.groupby(_KEYS).agg(sample_size=("issue", "nunique"), blocked=("hit", "sum")),
        per_issue.groupby(_KEYS)["hours"].median().rename("blocked_hours_p50"),
        opened.groupby(_KEYS)["issue"].nunique().rename("open_blocked_issues"),
        opened.groupby(_KEYS)["hours"].max().rename("open_blocked_oldest_hours"),
    ]
    table = table.merge(pd.concat(parts, axis=1), left_on=_KEYS, right_index=True, how="left")
    for column in ("sample_size", "blocked", "open_blocked_issues"):
        table[column] = table[column].fillna(0).astype(np.int64)
    size = table["sample_size"].to_numpy()
    share = np.where(size > 0, table["blocked"].to_numpy() / np.maximum(size, 1), np.nan)
    table["cross_team_blocked_share"] = share

    dependencies = [
        DependencyRow(
            week_start=grid.starts[int(w)],
            blocked_team=str(cat.teams.labels[int(t)]),
            blocking_team=str(b),
            blocked_issues=int(n),
            blocked_hours=round(float(h), 4),
        )
        for t, w, b, n, h in zip(
            *(matrix[c].tolist() for c in (*_KEYS, "blocking_team", "issues", "hours")), strict=True
        )
    ]
    return Detected(
        table=table,
        evidence=_evidence(cat, grid, matrix, pairs, scored, held, ended, opened, sample),
        explain=_explain(cat, grid, table, sample, blocked_issues),
        cost=cross_team_cost(scored) if ctx.diagnose else None,
        sample=Sample(sample, span=1),
        dependencies=dependencies,
    )


def _evidence(
    cat: Catalogue,
    grid: WeekGrid,
    matrix: pd.DataFrame,
    pairs: pd.DataFrame,
    scored: pd.DataFrame,
    held: pd.DataFrame,
    ended: pd.DataFrame,
    opened: pd.DataFrame,
    sample: pd.DataFrame,
) -> evidence.Evidence:
    keys = cat.issues.keys
    labels = cat.teams.labels
    team_pairs = evidence.by_hours(
        evidence.group_records(
            matrix.assign(label=labels[matrix["team"].to_numpy()]),
            {
                "kind": "=team_pair",
                "blocked_team": "label",
                "blocking_team": "blocking_team",
                "issues": "issues",
                "hours": "hours",
            },
        )
    )
    hours = pairs.groupby([*_KEYS, "blocked"], as_index=False)["hours"].sum()
    detail: dict[tuple[int, int, int], tuple[set[str], set[str], set[str]]] = {}
    for team, week, issue, blocker, blocking, done in zip(
        *(
            scored[c].tolist()
            for c in ("team", "week", "blocked", "blocker_key", "blocking_team", "outside_done")
        ),
        strict=True,
    ):
        by, teams_, done_now = detail.setdefault((team, week, issue), (set(), set(), set()))
        by.add(str(blocker))
        teams_.add(str(blocking))
        if done:
            done_now.add(str(blocker))
    blocked_items: evidence.Items = {}
    for team, week, issue, h in zip(*(hours[c].tolist() for c in (*_KEYS, "blocked", "hours")), strict=True):
        by, teams_, done_now = detail[(team, week, issue)]
        item: dict[str, Any] = {
            "kind": "blocked_issue",
            "issue": str(keys[issue]),
            "hours": evidence.number(h),
            "blocked_by": sorted(by),
            "blocking_teams": sorted(teams_),
        }
        if done_now:
            item["blocker_done_now"] = sorted(done_now)
        blocked_items.setdefault((int(team), int(week)), []).append(item)
    row, week, start, end = split_by_weeks(
        held["start"].to_numpy(), held["end"].to_numpy(), grid, int(grid.bounds[-1])
    )
    pieces = pd.DataFrame(
        {
            "issue": held["issue"].to_numpy()[row],
            "status": held["status"].to_numpy()[row],
            "week": week,
            "hours": (end - start) / HOUR_NS,
        }
    ).merge(sample[["issue", "week", "team"]], on=["issue", "week"])
    pieces = (
        pieces.assign(
            name=np.where(
                pieces["status"] >= 0, cat.statuses.names[pieces["status"].clip(lower=0)], "(flagged)"
            )
        )
        .groupby([*_KEYS, "name"], as_index=False)["hours"]
        .sum()
    )
    statuses = evidence.by_hours(
        evidence.group_records(pieces, {"kind": "=status", "status": "name", "hours": "hours"})
    )
    issues = evidence.merge_items(
        blocked_items,
        evidence.issue_records(cat, ended, "blocked_episode", hours="hours"),
        evidence.issue_records(cat, opened, "open_episode", hours="hours"),
    )
    return evidence.merge_items(team_pairs, statuses, evidence.by_hours(issues))


def _explain(
    cat: Catalogue, grid: WeekGrid, table: pd.DataFrame, sample: pd.DataFrame, blocked: pd.DataFrame
) -> evidence.Items:
    def entry(team: int, week: int, n_open: int, oldest: float) -> dict[str, Any]:
        return {"open_episodes": {"count": int(n_open), "oldest_age_hours": evidence.number(oldest)}}

    samples = {"in_progress": sample, "blocked": sample.merge(blocked, on=["issue", "week"])}
    return evidence.explain_samples(
        cat, grid, table, samples, entry, ["open_blocked_issues", "open_blocked_oldest_hours"]
    )


DETECTOR = Detector(
    symptom=SYMPTOM,
    needs=(CATALOGUE, INTERVALS, FACTS, TEAMS, IN_PROGRESS),
    detect=detect_blocking,
    sample="issues in progress during W (more than 0 s after commitment, before completion)",
    notes={
        "outside_blockers": "a blocker outside the synced projects counts as unresolved while the "
        "link lives, owned by its project key (blocker_done_now lists those done today)",
    },
    cost_counted="hours with an open blocker owned by another team (union over blockers)",
)
