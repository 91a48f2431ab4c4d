"""diluted_ownership: nobody owns the result end to end (SYMPTOMS.md).

Per team T and week W, over the issues completed in W (team at completion) unless said otherwise:
* handoffs_per_issue: mean number of changes between two different people in the sequence of
  human assignees before completion, unassigned spells and bots ignored (A -> unassigned -> B is
  one hand-off; A -> bot -> A is none).
* multi_owner_share: issues that had 3 or more distinct human assignees.
* ping_pong_share: issues that went A -> B -> A, between people (that sequence) or between teams
  (the sequence of the issue's teams, unmapped spells ignored).
* unowned_wip_share: over T's issues in progress during W, the in-progress hours (clipped to W)
  with no human assignee / all their in-progress hours.
* team_crossings_per_issue: team changes (to a different team) before completion, per issue.
* sample_size: issues completed in W; below min_sample the row is insufficient_data. Only
  hand-offs are thresholded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis import evidence
from orgpulse.analysis.assemble import grid_table
from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.derived import ASSIGNEES, CATALOGUE, COMPLETED, FACTS, IN_PROGRESS
from orgpulse.analysis.detectors.base import Detected, Detector, Sample
from orgpulse.analysis.detectors.ownership import SYMPTOM
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.people import assigned_in_progress, is_human
from orgpulse.analysis.samples import scored
from orgpulse.analysis.timeline import change_order, first_of_runs
from orgpulse.analysis.weeks import NAT, WeekGrid, to_ns

_KEYS = ["team", "week"]
MULTI_OWNERS = 3


def collapsed(issue: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop repeats of the same value in a row within each issue (rows sorted by issue, then time)."""
    keep = first_of_runs(issue)
    keep[1:] |= value[1:] != value[:-1]
    return issue[keep], value[keep]


def ping_pongs(issue: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Issues whose collapsed sequence holds some A -> B -> A."""
    hit = (issue[2:] == issue[:-2]) & (value[2:] == value[:-2])
    result: np.ndarray = np.unique(issue[2:][hit])
    return result


def owner_sequences(cat: Catalogue, spells: pd.DataFrame, done_at: np.ndarray) -> pd.DataFrame:
    """Per sampled issue: handoffs, owners, people_ping_pong (over human assignees before completion)."""
    issue, start, person = (spells[c].to_numpy() for c in ("issue", "start", "person"))
    keep = (done_at[issue] != NAT) & (start < done_at[issue]) & is_human(cat, person)
    issue, start, person = issue[keep], start[keep], person[keep]
    order = np.lexsort((start, issue))
    issue, person = collapsed(issue[order], person[order])
    counts = pd.Series(1, index=issue).groupby(level=0).size()
    owners = pd.Series(person, index=issue).groupby(level=0).nunique()
    return pd.DataFrame(
        {
            "handoffs": counts - 1,
            "owners": owners,
            "people_ping_pong": counts.index.isin(ping_pongs(issue, person)),
        }
    )


def team_moves(cat: Catalogue, changes: pd.DataFrame, done_at: np.ndarray) -> pd.DataFrame:
    """Team changes of sampled issues before completion: issue, from_team, to_team (codes), in order."""
    code = cat.issues.codes(changes["issue_uid"])
    at = to_ns(changes["at"])
    rows = change_order(changes, code, at)
    issue, at = code[rows], at[rows]
    moves = pd.DataFrame(
        {
            "issue": issue,
            "from_team": cat.teams.codes(changes["from_team"])[rows],
            "to_team": cat.teams.codes(changes["to_team"])[rows],
        }
    )
    return moves.loc[(done_at[issue] != NAT) & (at <= done_at[issue])].reset_index(drop=True)


def team_ping_pongs(moves: pd.DataFrame) -> np.ndarray:
    """Issues whose sequence of (mapped) teams holds some T1 -> T2 -> T1."""
    issue = moves["issue"].to_numpy()
    firsts = first_of_runs(issue)
    seq_issue = np.concatenate([issue[firsts], issue])
    seq_team = np.concatenate([moves["from_team"].to_numpy()[firsts], moves["to_team"].to_numpy()])
    position = np.concatenate([np.flatnonzero(firsts) - 0.5, np.arange(len(issue))])
    order = np.lexsort((position, seq_issue))
    seq_issue, seq_team = seq_issue[order], seq_team[order]
    mapped = seq_team >= 0
    return ping_pongs(*collapsed(seq_issue[mapped], seq_team[mapped]))


def unowned_hours(
    cat: Catalogue, spells: pd.DataFrame, facts: pd.DataFrame, sample: pd.DataFrame, grid: WeekGrid
) -> pd.DataFrame:
    """`sample` (in-progress issue weeks) with owned and unowned seconds, clipped to the week."""
    pieces = assigned_in_progress(cat, spells, facts, grid)
    pieces["owned"] = (pieces["end"] - pieces["start"]) / 1e9
    owned = pieces.groupby(["issue", "week"], as_index=False)["owned"].sum()
    merged = sample.merge(owned, on=["issue", "week"], how="left")
    merged["owned"] = merged["owned"].fillna(0.0)
    merged["unowned"] = np.clip(merged["seconds"] - merged["owned"], 0, None)
    return merged


def detect_ownership(inputs: Inputs) -> Detected:
    ctx = inputs.context
    grid = ctx.grid
    cat, spells = inputs[CATALOGUE], inputs[ASSIGNEES]
    completed = scored(inputs[COMPLETED], grid)
    done_at: np.ndarray = np.full(len(cat.issues.frame), NAT, dtype=np.int64)
    done_at[completed["issue"].to_numpy()] = completed["completed"].to_numpy()
    owners = owner_sequences(cat, spells, done_at)
    moves = team_moves(cat, ctx.frames.team_changes, done_at)
    crossings = moves.loc[moves["from_team"] != moves["to_team"]]
    completed = completed.join(owners, on="issue")
    completed = completed.join(crossings.groupby("issue").size().rename("crossings"), on="issue")
    completed[["handoffs", "owners", "crossings"]] = completed[["handoffs", "owners", "crossings"]].fillna(0)
    team_pp = np.isin(completed["issue"].to_numpy(), team_ping_pongs(moves))
    completed["ping_pong"] = completed["people_ping_pong"].fillna(False).astype(bool).to_numpy() | team_pp
    completed["multi"] = completed["owners"] >= MULTI_OWNERS
    in_progress = inputs[IN_PROGRESS]
    wip = in_progress.loc[(in_progress["week"] >= grid.first_scored) & (in_progress["team"] >= 0)]
    wip = unowned_hours(cat, spells, inputs[FACTS], wip, grid)

    per_row = completed.groupby(_KEYS).agg(
        sample_size=("issue", "size"),
        handoffs_per_issue=("handoffs", "mean"),
        multi_owner_share=("multi", "mean"),
        ping_pong_share=("ping_pong", "mean"),
        team_crossings_per_issue=("crossings", "mean"),
    )
    hours = wip.groupby(_KEYS)[["unowned", "seconds"]].sum()
    share = (hours["unowned"] / hours["seconds"].where(hours["seconds"] > 0)).rename("unowned_wip_share")
    table = grid_table(cat, grid, pd.concat([per_row, share], axis=1))
    sample = pd.concat([completed[["team", "week", "issue"]], wip[["team", "week", "issue"]]])
    return Detected(
        table=table,
        evidence=_evidence(cat, completed, crossings, wip),
        explain=evidence.explain_samples(
            cat, grid, table, {"completed": completed, "ping_pong": completed.loc[completed["ping_pong"]]}
        ),
        sample=Sample(sample, span=1, completed=completed),
        cost=wip.loc[wip["unowned"] > 0, ["team", "week", "issue"]].assign(
            hours=wip.loc[wip["unowned"] > 0, "unowned"].to_numpy() / 3600.0
        )
        if ctx.diagnose
        else None,
        per_issue={"handoffs_per_issue": completed[["team", "week"]].assign(value=completed["handoffs"])},
    )


def _evidence(
    cat: Catalogue, completed: pd.DataFrame, crossings: pd.DataFrame, wip: pd.DataFrame
) -> evidence.Evidence:
    labels = cat.teams.labels
    telling = completed.loc[
        (completed["handoffs"] > 0) | completed["ping_pong"] | (completed["crossings"] > 0)
    ]
    telling = telling.assign(rank=cat.issues.frame["key_rank"].to_numpy()[telling["issue"]]).sort_values(
        [*_KEYS, "handoffs", "owners", "rank"], ascending=[True, True, False, False, True]
    )
    for column in ("handoffs", "owners", "crossings"):
        telling[column] = telling[column].astype(np.int64)
    issues = evidence.issue_records(
        cat,
        telling,
        "completed_issue",
        handoffs="handoffs",
        owners="owners",
        ping_pong="ping_pong",
        team_crossings="crossings",
    )
    moved = crossings.merge(completed[["issue", "team", "week"]], on="issue")
    pairs = moved.assign(
        source=labels[moved["from_team"].clip(lower=0)], target=labels[moved["to_team"].clip(lower=0)]
    )
    pairs.loc[moved["from_team"].to_numpy() < 0, "source"] = None
    pairs.loc[moved["to_team"].to_numpy() < 0, "target"] = None
    pairs = (
        pairs.groupby([*_KEYS, "source", "target"], as_index=False, dropna=False)["issue"]
        .nunique()
        .sort_values([*_KEYS, "issue", "source", "target"], ascending=[True, True, False, True, True])
    )
    team_pairs = evidence.group_records(
        pairs, {"kind": "=team_pair", "from_team": "source", "to_team": "target", "issues": "issue"}
    )
    unowned = wip.loc[wip["unowned"] > 0]
    idle = evidence.by_hours(
        evidence.issue_records(
            cat, unowned.assign(hours=unowned["unowned"] / 3600.0), "unowned_wip", hours="hours"
        )
    )
    return evidence.merge_items(issues, team_pairs, idle)


DETECTOR = Detector(
    symptom=SYMPTOM,
    needs=(CATALOGUE, FACTS, ASSIGNEES, COMPLETED, IN_PROGRESS),
    detect=detect_ownership,
    sample="issues completed in W (team at completion)",
    notes={
        "handoffs": "changes between two different human assignees; unassigned spells and bots are ignored",
    },
    cost_counted="in-progress issue-hours with no assignee",
)
