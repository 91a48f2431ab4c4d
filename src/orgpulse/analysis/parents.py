"""Which goal an issue was linked to at a time, through its parent chain (SYMPTOMS.md, "Linked to a goal").

A goal is a parent epic (any issue of Jira hierarchy level >= 1, or type Epic) or a parent that is
not an issue of the synced projects: a Linear project or initiative, or an epic of a project that
is not synced. A parent that is an ordinary issue (a sub-task's story) is not a goal: the chain goes
on to that issue's own parent, at the same time, up to `MAX_DEPTH` levels.

The parent of an issue over time comes from `frames.parent_changes`: before its first change the
issue had that change's from-parent (since creation); an issue never re-parented has had its
current `parent_uid` since creation. Parents are nodes: issue codes 0..n-1, then parents outside
the synced issues; `GoalLookup.labels[node]` names each (the issue key, else the key or id the
source gave).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue, flags, latest_rows, lookup
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.timeline import change_order, first_of_runs
from orgpulse.analysis.weeks import to_ns

MAX_DEPTH = 8
NO_GOAL = -1


def _references(uids: pd.Series, keys: pd.Series | None = None) -> pd.Series:
    """Parent references as text: the uid, else "key:<key>" for a parent known only by its key."""
    refs = uids.astype(object).where(uids.notna(), None)
    if keys is not None:
        by_key = ("key:" + keys.astype(object).where(keys.notna(), "").astype(str)).where(keys.notna(), None)
        refs = refs.where(refs.notna(), by_key)
    return refs.astype(object)


class GoalLookup:
    """Vectorised "goal of issue i at time t"."""

    def __init__(self, cat: Catalogue, frames: Frames) -> None:
        n = len(cat.issues.frame)
        self._n = n
        self._issue_index = cat.issues.uid_index
        known = latest_rows(frames.issues, "issue_uid")
        epic = flags(known["is_epic"], default=False)
        # Issues the catalogue left out (deleted, created after as_of): not followed; epics stay goals.
        plain = pd.Index(known.loc[~epic, "issue_uid"].astype(object))
        changes = frames.parent_changes
        code = cat.issues.codes(changes["issue_uid"])
        at = to_ns(changes["at"])
        rows = change_order(changes, code, at)
        ordered = changes.iloc[rows]
        to_ref = _references(ordered["to_parent_uid"], ordered["to_parent_key"])
        from_ref = _references(ordered["from_parent_uid"])
        # Each catalogue issue's current parent: its row of `known` (one per uid) found by code.
        row = cat.issues.codes(known["issue_uid"])
        parent: np.ndarray = np.full(n, None, dtype=object)
        parent[row[row >= 0]] = known["parent_uid"].to_numpy(dtype=object)[row >= 0]
        current = _references(pd.Series(parent, dtype=object))
        refs = pd.Series(pd.concat([current, from_ref, to_ref], ignore_index=True).dropna().unique())
        refs = refs.map(str).astype(object)
        outside = refs.loc[(lookup(self._issue_index, refs) < 0) & (lookup(plain, refs) < 0)].unique()
        self._outside = pd.Index(np.sort(np.asarray(outside, dtype=object)), dtype=object)
        named = ordered["to_parent_uid"].notna() & ordered["to_parent_key"].notna()
        key_of = dict(
            zip(
                ordered.loc[named, "to_parent_uid"].astype(str),
                ordered.loc[named, "to_parent_key"].astype(str),
                strict=True,
            )
        )
        outside_labels = [
            r[4:] if r.startswith("key:") else key_of.get(r, r.split(":", 1)[-1]) for r in self._outside
        ]
        self.labels: np.ndarray = np.concatenate([cat.issues.keys, np.array(outside_labels, dtype=object)])
        self._goal: np.ndarray = np.concatenate(
            [cat.issues.frame["is_epic"].to_numpy(dtype=bool), np.ones(len(outside_labels), dtype=bool)]
        )
        self._default = self._nodes(current)
        c_issue = code[rows]
        firsts = first_of_runs(c_issue)
        self._default[c_issue[firsts]] = self._nodes(from_ref.iloc[np.flatnonzero(firsts)])
        self._moved: np.ndarray = np.zeros(n, dtype=bool)
        self._moved[c_issue] = True
        self._changes = pd.DataFrame(
            {"issue": c_issue, "t": at[rows], "parent": self._nodes(to_ref)}
        ).sort_values("t", kind="stable")

    def _nodes(self, refs: pd.Series) -> np.ndarray:
        """Node of each reference: an issue code, an outside node, or -1 (none, or a plain left-out issue)."""
        synced = lookup(self._issue_index, refs)
        outside = lookup(self._outside, refs)
        result: np.ndarray = np.where(synced >= 0, synced, np.where(outside >= 0, outside + self._n, NO_GOAL))
        return result

    def parent_at(self, node: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Parent node of each issue node at each time (-1: none; outside nodes have no parent here)."""
        node = np.asarray(node, dtype=np.int64)
        parent: np.ndarray = np.full(len(node), NO_GOAL, dtype=np.int64)
        issue = np.flatnonzero((node >= 0) & (node < self._n))
        parent[issue] = self._default[node[issue]]
        moved = issue[self._moved[node[issue]]]
        if len(moved) == 0:
            return parent
        queries = pd.DataFrame(
            {"issue": node[moved], "t": np.asarray(t, dtype=np.int64)[moved], "pos": moved}
        ).sort_values("t", kind="stable")
        found = pd.merge_asof(queries, self._changes, on="t", by="issue", direction="backward")
        matched = found["parent"].to_numpy(dtype=np.float64)
        pos = found["pos"].to_numpy()
        parent[pos] = np.where(np.isnan(matched), parent[pos], np.nan_to_num(matched, nan=NO_GOAL)).astype(
            np.int64
        )
        return parent

    def goal_at(self, issue: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The goal node each issue was linked to at each time, through its parent chain; -1 for none."""
        t = np.asarray(t, dtype=np.int64)
        goal: np.ndarray = np.full(len(issue), NO_GOAL, dtype=np.int64)
        rows = np.arange(len(issue))
        node = np.asarray(issue, dtype=np.int64)
        for _ in range(MAX_DEPTH):
            parent = self.parent_at(node, t[rows])
            found = parent >= 0
            reached = found & self._goal[np.maximum(parent, 0)]
            goal[rows[reached]] = parent[reached]
            climb = found & ~reached & (parent < self._n)
            rows, node = rows[climb], parent[climb]
            if len(rows) == 0:
                break
        return goal
