"""Finds bulk closes and tells cleaned-up issues from finished ones (SYMPTOMS.md, "Bulk cleanups").

A bulk close is one actor (human or bot; an unknown actor counts as one) moving at least
`bulk_close_issues` issues from a not-done status into done or canceled statuses within
`bulk_close_minutes`; moves that chain inside any such window belong to it. Each move of a bulk
close gets an outcome:
    exit        it leaves an approval or meeting status: a decision released, never a cleanup;
    cleaned_up  the issue's previous change (any history entry, else its creation) is at least
                `cleanup_idle_days` older: it was not finished then, it counts as canceled;
    completed   it was active in those days: a release closing the work it shipped counts.

`bulk_closes` columns (one row per move of a bulk close, sorted by bulk, then time):
    bulk (id, from 0), issue, at (ns), actor (person code, -1 unknown), from_status, to_status,
    previous (ns: the issue's previous change), outcome
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.analysis.timeline import first_of_runs
from orgpulse.analysis.weeks import NAT, to_ns
from orgpulse.model import Role

BULK_COLUMNS = ("bulk", "issue", "at", "actor", "from_status", "to_status", "previous", "outcome")
_NS_PER_MINUTE = 60 * 10**9
_NS_PER_DAY = 86_400 * 10**9


def bulk_closes(
    cat: Catalogue, intervals: pd.DataFrame, frames: Frames, settings: AnalysisSettings
) -> pd.DataFrame:
    """Every move of every bulk close and its outcome, from the history (`frames`) of its issues."""
    issue = intervals["issue"].to_numpy()
    status = intervals["status"].to_numpy()
    start = intervals["start"].to_numpy()
    actor = intervals["exit_actor"].to_numpy()
    done = cat.statuses.done
    nxt: np.ndarray = np.flatnonzero(~first_of_runs(issue))  # row i+1 of each move from row i
    prev: np.ndarray = nxt - 1
    closing = ~done[status[prev]] & done[status[nxt]]
    moves = pd.DataFrame(
        {
            "issue": issue[nxt[closing]],
            "at": start[nxt[closing]],
            "actor": actor[prev[closing]],
            "from_status": status[prev[closing]],
            "to_status": status[nxt[closing]],
        }
    ).sort_values(["actor", "at"], kind="stable", ignore_index=True)
    bulk = _bulk_ids(
        moves["actor"].to_numpy(),
        moves["at"].to_numpy(),
        settings.bulk_close_issues,
        int(settings.bulk_close_minutes * _NS_PER_MINUTE),
    )
    found = moves.loc[bulk >= 0].assign(bulk=bulk[bulk >= 0]).reset_index(drop=True)
    touches = history_touches(cat, frames, found["issue"].to_numpy())
    previous = _previous_change(cat, touches, found["issue"].to_numpy(), found["at"].to_numpy())
    idle = found["at"].to_numpy() - previous >= int(settings.cleanup_idle_days * _NS_PER_DAY)
    exits = cat.statuses.has_role(Role.APPROVAL, Role.MEETING)[found["from_status"].to_numpy()]
    outcome = np.where(exits, "exit", np.where(idle, "cleaned_up", "completed"))
    found = found.assign(previous=previous, outcome=outcome)
    return found.sort_values(["bulk", "at"], kind="stable", ignore_index=True)[list(BULK_COLUMNS)]


def cleanup_times(cat: Catalogue, bulk: pd.DataFrame) -> np.ndarray:
    """Per issue code, the time of its latest cleanup (NAT when never cleaned up)."""
    out: np.ndarray = np.full(len(cat.issues.frame), NAT, dtype=np.int64)
    cleaned = bulk.loc[bulk["outcome"] == "cleaned_up"]
    np.maximum.at(out, cleaned["issue"].to_numpy(dtype=np.int64), cleaned["at"].to_numpy(dtype=np.int64))
    return out


def history_touches(cat: Catalogue, frames: Frames, issues: np.ndarray) -> pd.DataFrame:
    """(issue, at) of every stored history entry and change of the catalogue's `issues` (codes),
    sorted: the rows of those issues picked by uid first (bulk closes move a few issues among all)."""
    uids = cat.issues.frame["uid"].to_numpy(dtype=object)[np.unique(issues)].tolist()
    parts = [
        frames.histories,
        frames.status_changes,
        frames.assignee_changes,
        frames.team_changes,
        frames.flag_changes,
        frames.parent_changes,
        frames.resolution_changes,
    ]
    parts = [p.loc[p["issue_uid"].isin(uids).to_numpy(dtype=bool), ["issue_uid", "at"]] for p in parts]
    issue = np.concatenate([cat.issues.codes(p["issue_uid"]) for p in parts])
    at = np.concatenate([to_ns(p["at"]) for p in parts])
    keep = (issue >= 0) & (at != NAT)
    order = np.lexsort((at[keep], issue[keep]))
    return pd.DataFrame({"issue": issue[keep][order], "at": at[keep][order]})


def _bulk_ids(actor: np.ndarray, at: np.ndarray, least: int, window: int) -> np.ndarray:
    """Bulk id of each move (sorted by actor, then time), -1 for moves in no bulk close."""
    n = len(at)
    ids: np.ndarray = np.full(n, -1, dtype=np.int64)
    if n < least or least <= 0:
        return ids
    # Moves are sorted by (actor, at): a window [at_i, at_i + window] of one actor ends at the
    # first move of a later actor or a later time.
    ends: np.ndarray = np.asarray(
        np.searchsorted(_pair(actor, at), _pair(actor, at + window), side="right"), dtype=np.int64
    )
    starts: np.ndarray = np.flatnonzero(ends - np.arange(n) >= least)
    if len(starts) == 0:
        return ids
    cover: np.ndarray = np.zeros(n + 1, dtype=np.int64)
    np.add.at(cover, starts, 1)
    np.add.at(cover, ends[starts], -1)
    inside = np.cumsum(cover[:n]) > 0
    # Covered moves of one actor chain into one bulk close while each is within a window of the last.
    fresh = inside.copy()
    fresh[1:] &= ~(inside[:-1] & (actor[1:] == actor[:-1]) & (at[1:] - at[:-1] <= window))
    run = np.cumsum(fresh) - 1
    ids[inside] = run[inside]
    return ids


def _previous_change(cat: Catalogue, touches: pd.DataFrame, issue: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Per move, the latest history time of its issue strictly before it, else the issue's creation."""
    created: np.ndarray = cat.issues.created[issue]
    if touches.empty or len(issue) == 0:
        return created
    t_issue = touches["issue"].to_numpy(dtype=np.int64)
    t_at = touches["at"].to_numpy(dtype=np.int64)
    position: np.ndarray = (
        np.asarray(np.searchsorted(_pair(t_issue, t_at), _pair(issue, at), side="left")) - 1
    )
    valid = position >= 0
    same: np.ndarray = np.zeros(len(issue), dtype=bool)
    same[valid] = t_issue[position[valid]] == issue[valid]
    before = np.where(same, t_at[np.maximum(position, 0)], NAT)
    result: np.ndarray = np.where(same, np.maximum(before, created), created)
    return result


def _pair(issue: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Records of (issue or actor, at) that sort and search as the pair, for searchsorted."""
    out: np.ndarray = np.empty(len(issue), dtype=[("issue", np.int64), ("at", np.int64)])
    out["issue"] = issue
    out["at"] = at
    return out


def cleanup_notes(
    cat: Catalogue, bulk: pd.DataFrame, team_at: np.ndarray, week: np.ndarray, span: int = 4
) -> dict[tuple[int, int], list[dict[str, object]]]:
    """Per (team code, week index), the bulk closes that touched the team in weeks W-span+1..W.

    `team_at` and `week` give each row of `bulk` its issue's team at the move and the move's week
    (-1 outside the grid). Each note: bulk close start (ISO UTC), its week index, the actor as a
    pseudonym set, and the team's issue keys per outcome. `explain` shows them apart from evidence.
    """
    notes: dict[tuple[int, int], list[dict[str, object]]] = {}
    if bulk.empty:
        return notes
    keys = cat.issues.keys
    frame = bulk.assign(team=team_at, week=week)
    frame = frame.loc[(frame["week"] >= 0) & (frame["team"] >= 0)]
    for (bulk_id, team), moves in frame.groupby(["bulk", "team"], sort=True):
        first = int(moves["at"].min())
        note: dict[str, object] = {
            "bulk_close": int(bulk_id),
            "started": pd.Timestamp(first, tz="UTC").isoformat(),
            "actor": cat.people.pseudonym_set(moves["actor"].to_numpy(dtype=np.int64)) or ["(unknown)"],
            "moves": len(moves),
        }
        for outcome in ("cleaned_up", "completed", "exit"):
            mine = moves.loc[moves["outcome"] == outcome, "issue"].to_numpy(dtype=np.int64)
            note[outcome] = sorted(str(k) for k in keys[mine])
        at_week = int(moves["week"].min())
        for offset in range(span):
            notes.setdefault((int(team), at_week + offset), []).append(note)
    return notes
