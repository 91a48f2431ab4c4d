"""Vectorised building blocks over the whole history: spells, status intervals, issue facts, unions.

Times are int64 ns UTC (weeks.NAT when missing); issues, statuses and people are catalogue codes.

`status_intervals` columns (sorted by issue, then start):
    issue, status, start, end, open (runs to as_of), exit_actor (person code of the change that
    ended it, -1 when none), exit_bot (that change was made by a bot or an unknown actor)
`issue_facts` columns (row = issue code):
    commitment, resolved_at (start of the final done/canceled spell, NAT if open at as_of; where
    statuses cannot place it — the issue sits in a status of undecided category — the time its
    resolution was last set), completed, canceled_at (a cleaned-up issue is canceled at its
    cleanup), progress_start, progress_end, lead, cycle
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue, flags
from orgpulse.analysis.weeks import NAT, to_ns


def change_order(changes: pd.DataFrame, issue: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Row order of `changes` by (issue, at, history id, item index); rows with issue -1 or NAT dropped.

    History ids only break ties of (issue, at), so they are parsed for the tied rows alone.
    """
    item = pd.to_numeric(changes["item_index"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    valid = np.flatnonzero((issue >= 0) & (at != NAT))
    order = valid[np.lexsort((item[valid], at[valid], issue[valid]))]
    tied: np.ndarray = np.zeros(len(order), dtype=bool)
    same = (issue[order][1:] == issue[order][:-1]) & (at[order][1:] == at[order][:-1])
    tied[1:] |= same
    tied[:-1] |= same
    if not tied.any():
        result: np.ndarray = order
        return result
    history = changes["history_id"].iloc[order[tied]]
    numeric = pd.to_numeric(history, errors="coerce")
    rank: np.ndarray = np.zeros(len(changes), dtype=np.float64)
    if numeric.isna().any():
        rank[order[tied]] = pd.factorize(history.astype(str), sort=True)[0]
    else:
        rank[order[tied]] = numeric.to_numpy(dtype=np.float64)
    result = valid[np.lexsort((item[valid], rank[valid], at[valid], issue[valid]))]
    return result


def pack(*columns: np.ndarray) -> np.ndarray:
    """One int64 per row that orders and identifies rows like the tuple of (non-negative+1) columns."""
    key: np.ndarray = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    span = 1
    for column in columns:
        values = np.asarray(column, dtype=np.int64) + 1
        size = int(values.max()) + 1 if len(values) else 1
        span *= size
        if span >= 2**62:
            raise OverflowError("row keys too wide to pack into int64")
        key = key * size + values
    return key


def unique_rows(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`frame.drop_duplicates(columns)` for integer columns, through packed keys (much faster)."""
    try:
        key = pack(*(frame[c].to_numpy() for c in columns))
    except OverflowError:
        return frame.drop_duplicates(columns)
    _, first = np.unique(key, return_index=True)
    return frame.iloc[np.sort(first)]


def first_of_runs(keys: np.ndarray) -> np.ndarray:
    """True at the first row of each run of equal keys (keys sorted)."""
    flags: np.ndarray = np.ones(len(keys), dtype=bool)
    flags[1:] = keys[1:] != keys[:-1]
    return flags


def status_intervals(cat: Catalogue, changes: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Every issue's status intervals: the initial status from creation, then one per change."""
    issues, statuses, people = cat.issues, cat.statuses, cat.people
    created = issues.created
    code = issues.codes(changes["issue_uid"])
    at = to_ns(changes["at"])
    rows = change_order(changes, code, at)
    c_issue, c_at = code[rows], at[rows]
    c_from = statuses.codes(changes["from_status_uid"])[rows]
    c_to = statuses.codes(changes["to_status_uid"])[rows]
    actor = people.codes(changes["actor_uid"])[rows]
    flagged_bot = flags(changes["actor_is_bot"], default=True)[rows]
    bot = flagged_bot | (actor < 0)
    if len(people.is_bot):
        bot |= people.is_bot[np.maximum(actor, 0)] & (actor >= 0)

    # The initial status is the first change's from-status (even when that change is after as_of).
    initial = issues.frame["status"].to_numpy(dtype=np.int64).copy()
    firsts = first_of_runs(c_issue)
    initial[c_issue[firsts]] = c_from[firsts]

    keep = c_at <= as_of
    n = len(created)
    r_issue = np.concatenate([np.arange(n), c_issue[keep]])
    r_start = np.concatenate([created, np.maximum(c_at[keep], created[c_issue[keep]])])
    r_status = np.concatenate([initial, c_to[keep]])
    r_actor = np.concatenate([np.full(n, -1), actor[keep]])
    r_bot = np.concatenate([np.ones(n, dtype=bool), bot[keep]])
    order = np.argsort(r_issue, kind="stable")
    r_issue, r_start, r_status, r_actor, r_bot = (
        a[order] for a in (r_issue, r_start, r_status, r_actor, r_bot)
    )

    # A change into the status the issue is already in opens no new interval.
    repeat = ~first_of_runs(r_issue) & (r_status == np.roll(r_status, 1))
    r_issue, r_start, r_status, r_actor, r_bot = (
        a[~repeat] for a in (r_issue, r_start, r_status, r_actor, r_bot)
    )
    last: np.ndarray = np.ones(len(r_issue), dtype=bool)
    last[:-1] = r_issue[1:] != r_issue[:-1]
    end = np.where(last, as_of, np.roll(r_start, -1))
    frame = pd.DataFrame(
        {
            "issue": r_issue,
            "status": r_status,
            "start": r_start,
            "end": end,
            "open": last,
            "exit_actor": np.where(last, -1, np.roll(r_actor, -1)),
            "exit_bot": np.where(last, True, np.roll(r_bot, -1)),
        }
    )
    empty_unknown = (frame["status"] == statuses.unknown) & (frame["end"] <= frame["start"])
    return frame.loc[~empty_unknown].reset_index(drop=True)


def issue_facts(
    cat: Catalogue, intervals: pd.DataFrame, as_of: int, cleaned_at: np.ndarray | None = None
) -> pd.DataFrame:
    """Commitment, resolution, completion and the in-progress window of every issue.

    `cleaned_at` (per issue code, NAT when none: cleanups.cleanup_times) turns an issue whose final
    resolution is a bulk cleanup into a canceled one.
    """
    statuses, frame = cat.statuses, cat.issues.frame
    n = len(frame)
    issue = intervals["issue"].to_numpy()
    status = intervals["status"].to_numpy()
    start = intervals["start"].to_numpy()
    commitment: np.ndarray = np.full(n, NAT, dtype=np.int64)
    resolved_at: np.ndarray = np.full(n, NAT, dtype=np.int64)
    final_canceled: np.ndarray = np.zeros(n, dtype=bool)
    if len(issue):
        positions = np.arange(len(issue))
        resolved = statuses.done[status]
        latest_open = np.maximum.accumulate(np.where(resolved, -1, positions))
        firsts = np.flatnonzero(first_of_runs(issue))
        lasts = np.r_[firsts[1:] - 1, len(issue) - 1]
        owners = issue[firsts]
        spell = np.where(latest_open[lasts] >= firsts, latest_open[lasts] + 1, firsts)
        now_resolved = resolved[lasts]
        resolved_at[owners[now_resolved]] = start[spell[now_resolved]]
        final_status = status[lasts]
        resolution_canceled = frame["resolution_canceled"].to_numpy()[owners]
        final_canceled[owners] = now_resolved & (statuses.canceled[final_status] | resolution_canceled)
        # Statuses cannot place the completion of an issue resting in a status of undecided category.
        unplaced = ~statuses.decided[final_status] & ~now_resolved
        by_resolution = frame["resolution_at"].to_numpy()[owners]
        placed = unplaced & (by_resolution != NAT)
        resolved_at[owners[placed]] = by_resolution[placed]
        final_canceled[owners[placed]] = resolution_canceled[placed]
        commit_rows = np.flatnonzero(statuses.commits[status])
        committed, first_commit = np.unique(issue[commit_rows], return_index=True)
        commitment[committed] = start[commit_rows[first_commit]]
    if cleaned_at is not None:
        final_canceled |= (resolved_at != NAT) & (resolved_at == cleaned_at)
    is_epic = frame["is_epic"].to_numpy(dtype=bool)
    resolved_now = resolved_at != NAT
    completed = np.where(resolved_now & ~final_canceled & ~is_epic, resolved_at, NAT)
    canceled_at = np.where(resolved_now & final_canceled, resolved_at, NAT)
    progress_end = np.where(resolved_now, resolved_at, as_of)
    in_progress = (commitment != NAT) & ~is_epic & (progress_end > commitment)
    created = cat.issues.created
    return pd.DataFrame(
        {
            "commitment": commitment,
            "resolved_at": resolved_at,
            "completed": completed,
            "canceled_at": canceled_at,
            "progress_start": np.where(in_progress, commitment, NAT),
            "progress_end": np.where(in_progress, progress_end, NAT),
            "lead": np.where(completed != NAT, completed - created, NAT),
            "cycle": np.where((completed != NAT) & (commitment != NAT), completed - commitment, NAT),
        }
    )


def value_spells(
    issue: np.ndarray, at: np.ndarray, before: np.ndarray, after: np.ndarray, created: np.ndarray, as_of: int
) -> pd.DataFrame:
    """Spells [start, end) of a value that changes over time, from changes sorted by (issue, at).

    The value before an issue's first change is that change's `before`, from the issue's creation;
    each change starts a spell of its `after`; the last spell runs to `as_of`. Changes after `as_of`
    only inform the initial value. Columns: issue, start, end, value.
    """
    firsts = first_of_runs(issue)
    keep = at <= as_of
    f_issue = issue[firsts]
    r_issue = np.concatenate([f_issue, issue[keep]])
    r_start = np.concatenate([created[f_issue], np.maximum(at[keep], created[issue[keep]])])
    r_value = np.concatenate([before[firsts], after[keep]])
    order = np.argsort(r_issue, kind="stable")
    r_issue, r_start, r_value = r_issue[order], r_start[order], r_value[order]
    last: np.ndarray = np.ones(len(r_issue), dtype=bool)
    last[:-1] = r_issue[1:] != r_issue[:-1]
    end = np.where(last, as_of, np.roll(r_start, -1))
    frame = pd.DataFrame({"issue": r_issue, "start": r_start, "end": end, "value": r_value})
    return frame.loc[frame["end"] > frame["start"]].reset_index(drop=True)


def union_intervals(key: np.ndarray, start: np.ndarray, end: np.ndarray) -> pd.DataFrame:
    """Merge overlapping or touching intervals per key. Columns: key, start, end."""
    if len(key) == 0:
        return pd.DataFrame({"key": key, "start": start, "end": end})
    order = np.lexsort((start, key))
    k, s, e = key[order], start[order], end[order]
    reach = pd.Series(e).groupby(k).cummax().to_numpy()
    fresh = first_of_runs(k)
    fresh[1:] |= s[1:] > reach[:-1]
    heads = np.flatnonzero(fresh)
    return pd.DataFrame({"key": k[heads], "start": s[heads], "end": np.maximum.reduceat(e, heads)})


def intersect(
    a_start: np.ndarray, a_end: np.ndarray, b_start: np.ndarray, b_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise intersection of two interval arrays: (start, end, non-empty)."""
    start = np.maximum(a_start, b_start)
    end = np.minimum(a_end, b_end)
    return start, end, (end > start) & (a_start != NAT) & (b_start != NAT)
