"""Integer codes for issues, statuses, people and teams, so the timeline works on numpy arrays.

Built once per analysis from `Frames`. Columns of `IssueTable.frame` (row position = issue code):
    uid, key, source, team (team code, current), created (ns), is_epic, history_complete,
    team_mapped, status (current status code), resolution_canceled (bool: the resolution as of
    `as_of` names a cancellation), resolution_at (ns: when the resolution in effect at `as_of` was
    last set — the changelog item, else the `resolutiondate` field; NAT when unresolved), key_rank
    (the key's position in sorted order, to sort keys fast)
Deleted issues, issues without a creation time and issues created after `as_of` are left out.

`StatusTable` arrays are indexed by status code; the last code (`unknown`) stands for a status
missing from the catalogue: role none, role unknown, neither committed nor done. A status that
changes refer to but the catalogue lacks gets its own code first, and every status of unknown
category (retired: missing from `/status`, or `undefined`) takes the category `retired.py`
decides; `StatusTable.retired` keeps those decisions for `orgpulse doctor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orgpulse.analysis.frames import Frames
from orgpulse.analysis.retired import count_entries, decide_retired, missing_statuses, retired_uids
from orgpulse.analysis.roles import assign_roles, canceled_by_name, matches_canceled
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.analysis.weeks import NAT, to_ns
from orgpulse.model import Category, Role


def flags(values: pd.Series, *, default: bool) -> np.ndarray:
    """A boolean column as a numpy bool array, `default` where missing."""
    if values.dtype == np.bool_:  # nothing missing: as it is, not through Python objects
        plain: np.ndarray = values.to_numpy(dtype=bool, copy=True)
        return plain
    data = values.to_numpy(dtype=object)
    result: np.ndarray = np.where(pd.isna(data), default, data).astype(bool)
    return result


def latest_rows(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`frame.drop_duplicates(column, keep="last")`: the values factorised (by Arrow for Arrow
    text), each one's last row kept; the frame itself when no value repeats (copy on write)."""
    codes, _ = pd.factorize(frame[column], use_na_sentinel=False)
    _, first_from_end = np.unique(codes[::-1], return_index=True)
    if len(first_from_end) == len(frame):
        return frame
    return frame.iloc[np.sort(len(frame) - 1 - first_from_end)]


FEW = 8  # values fewer than an eighth of the index: looked up in its hash table (`lookup`)


def lookup(index: pd.Index, values: pd.Series, known: pa.Array | None = None) -> np.ndarray:
    """Position of each value in `index`; -1 where missing.

    Arrow-backed text (what the store reads) is hashed by Arrow, without a Python string per value;
    `known`: `index` as Arrow text (`arrow_text`), when the caller keeps it for many lookups. A few
    values against a large index are looked up in the index's own hash table instead (pandas keeps
    it with the index): Arrow would hash the whole index again for them.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if hashed_by_arrow(index, values) and len(values) * FEW < len(index):
        hashed: np.ndarray = np.asarray(index.get_indexer(values.astype(object)), dtype=np.int64)
        return hashed
    if hashed_by_arrow(index, values):
        known = arrow_text(index) if known is None else known
        found = pc.index_in(pa.array(values), value_set=known, skip_nulls=True)
        positions: np.ndarray = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return positions
    result: np.ndarray = np.asarray(index.get_indexer(values.astype(object)), dtype=np.int64)
    return result


def arrow_text(index: pd.Index) -> pa.Array:
    return pa.array(index.to_numpy(dtype=object), type=pa.string())


def hashed_by_arrow(index: pd.Index, values: pd.Series) -> bool:
    """Whether `lookup` hashes these values by Arrow: Arrow-backed text against distinct text."""
    dtype = values.dtype
    arrow = isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    return arrow and index.is_unique and index.inferred_type in ("string", "empty")


@dataclass(frozen=True)
class StatusTable:
    frame: pd.DataFrame  # assign_roles output, one row per status code (the unknown row last)
    names: np.ndarray
    role: np.ndarray  # Role values as str
    known: np.ndarray
    done: np.ndarray  # done or canceled category: the work is resolved
    canceled: np.ndarray  # canceled category, or done-category named like a cancellation
    commits: np.ndarray  # entering it is a commitment point
    uid_index: pd.Index
    retired: pd.DataFrame  # retired.decide_retired: the statuses of unknown category, decided
    decided: np.ndarray  # False for a status whose category is neither known nor decided

    @property
    def unknown(self) -> int:
        return len(self.names) - 1

    def codes(self, uids: pd.Series) -> np.ndarray:
        code = lookup(self.uid_index, uids)
        result: np.ndarray = np.where(code < 0, self.unknown, code)
        return result

    def has_role(self, *roles: Role) -> np.ndarray:
        result: np.ndarray = np.isin(self.role, [r.value for r in roles])
        return result


@dataclass(frozen=True)
class IssueTable:
    frame: pd.DataFrame
    uid_index: pd.Index

    def codes(self, uids: pd.Series) -> np.ndarray:
        return lookup(self.uid_index, uids, self._uid_text if hashed_by_arrow(self.uid_index, uids) else None)

    @cached_property
    def keys(self) -> np.ndarray:
        """The issue keys as Python strings, by issue code (made once: the evidence of every detector
        names issues by key; never written to)."""
        keys: np.ndarray = self.frame["key"].to_numpy(dtype=object)
        return keys

    @cached_property
    def _uid_text(self) -> pa.Array:
        return arrow_text(self.uid_index)

    @property
    def created(self) -> np.ndarray:
        result: np.ndarray = np.asarray(self.frame["created"].to_numpy(), dtype=np.int64)
        return result

    @property
    def team(self) -> np.ndarray:
        result: np.ndarray = np.asarray(self.frame["team"].to_numpy(), dtype=np.int64)
        return result


@dataclass(frozen=True)
class PersonTable:
    uid_index: pd.Index
    pseudonyms: np.ndarray
    is_bot: np.ndarray

    def codes(self, uids: pd.Series) -> np.ndarray:
        return lookup(self.uid_index, uids)

    def pseudonym_set(self, codes: np.ndarray) -> list[str]:
        """Sorted, distinct pseudonyms: an unordered set that ranks nobody."""
        known = np.unique(codes[codes >= 0])
        return sorted({str(p) for p in self.pseudonyms[known]})


@dataclass(frozen=True)
class TeamTable:
    labels: np.ndarray  # team code -> label
    reported: np.ndarray  # codes of the teams that have issues, which get findings
    sources: pd.DataFrame  # team (code), source: the sources a team's issues come from

    def codes(self, labels: pd.Series) -> np.ndarray:
        return lookup(pd.Index(self.labels), labels)


@dataclass(frozen=True)
class Catalogue:
    issues: IssueTable
    statuses: StatusTable
    people: PersonTable
    teams: TeamTable


def build_catalogue(frames: Frames, settings: AnalysisSettings, as_of_ns: int) -> Catalogue:
    statuses = _status_table(frames, settings)
    raw = latest_rows(frames.issues, "issue_uid")
    created = to_ns(raw["created"])
    deleted = flags(raw["deleted"], default=False)
    keep = (~deleted) & (created != NAT) & (created <= as_of_ns)
    chosen = raw.loc[keep].reset_index(drop=True)
    moved = frames.team_changes
    labels = (
        pd.concat(
            [
                chosen["team"],
                moved["from_team"],
                moved["to_team"],
                frames.links["from_team"],
                frames.links["to_team"],
                frames.memberships["team"],
            ],
            ignore_index=True,
        )
        .dropna()
        .astype(str)
    )
    team_labels = np.array(sorted(labels.unique()), dtype=object)
    team_index = pd.Index(team_labels)
    issue_team = lookup(team_index, chosen["team"].astype(object))
    in_issues = set(chosen["team"].dropna().astype(str).unique())
    # One index of the issues' ids, its hash table made once for every lookup of them below and after.
    uid_index = pd.Index(chosen["issue_uid"].astype(object))
    moved_issues = lookup(uid_index, moved["issue_uid"]) >= 0
    moved_teams = pd.concat([moved.loc[moved_issues, "from_team"], moved.loc[moved_issues, "to_team"]])
    in_issues |= set(moved_teams.dropna().unique())
    reported = np.flatnonzero(np.isin(team_labels, sorted(in_issues)))
    frame = pd.DataFrame(
        {
            "uid": uid_index.to_numpy(),
            "key": chosen["key"].astype(object),
            "source": chosen["source"].astype(object),
            "team": issue_team,
            "created": created[keep],
            "is_epic": flags(chosen["is_epic"], default=False),
            "history_complete": flags(chosen["history_complete"], default=False),
            "team_mapped": flags(chosen["team_mapped"], default=False),
            "status": statuses.codes(chosen["status_uid"]),
        }
    )
    resolution, resolution_at = _resolution_as_of(chosen, uid_index, frames.resolution_changes, as_of_ns)
    frame["resolution_canceled"] = matches_canceled(resolution, settings).to_numpy()
    frame["resolution_at"] = resolution_at
    people = _person_table(frames.people)
    assignee = chosen["assignee_uid"] if "assignee_uid" in chosen else pd.Series(None, index=chosen.index)
    frame["assignee"] = people.codes(assignee.astype(object))
    frame["key_rank"] = np.argsort(np.argsort(frame["key"].to_numpy(dtype=object).astype(str), kind="stable"))
    team_sources = frame[["team", "source"]].drop_duplicates().reset_index(drop=True)
    return Catalogue(
        issues=IssueTable(frame=frame, uid_index=uid_index),
        statuses=statuses,
        people=people,
        teams=TeamTable(labels=team_labels, reported=reported, sources=team_sources),
    )


def _status_table(frames: Frames, settings: AnalysisSettings) -> StatusTable:
    listed = frames.statuses.drop_duplicates("status_uid", keep="last")
    missing = missing_statuses(listed, frames.status_changes)
    raw = pd.concat([listed, missing], ignore_index=True) if len(missing) else listed.reset_index(drop=True)
    entries = frames.retired_entries
    if entries is None:  # the changes read are the whole history
        entries = count_entries(frames.status_changes, frames.resolution_changes, retired_uids(raw))
    retired = decide_retired(raw, entries, settings)
    retired["in_catalogue"] = ~retired["status_uid"].isin(set(missing["status_uid"]))
    decided = dict(zip(retired["status_uid"], retired["category"], strict=True))
    raw = raw.assign(
        category=[decided.get(u, c) for u, c in zip(raw["status_uid"], raw["category"], strict=True)]
    )
    roles = assign_roles(raw, settings)
    roles["canceled"] = canceled_by_name(roles, settings).to_numpy()
    undecided = set(retired.loc[retired["category_source"] == "unknown", "status_uid"])
    unknown = {
        "status_uid": None,
        "source": None,
        "status_id": None,
        "name": "(status missing from the catalogue)",
        "category": None,
        "category_known": False,
        "role": Role.NONE.value,
        "role_source": "unknown",
        "role_known": False,
        "role_pattern": None,
        "canceled": False,
    }
    frame = pd.concat([roles.astype(object), pd.DataFrame([unknown], dtype=object)], ignore_index=True)
    category = frame["category"].to_numpy(dtype=object)
    role = frame["role"].to_numpy(dtype=object)
    done = np.isin(category, [Category.DONE.value, Category.CANCELED.value])
    todo = category == Category.TODO.value
    waiting = np.isin(role, [Role.QUEUE.value, Role.NONE.value])
    commits = ~done & ~(todo & waiting) & np.isin(category, [Category.TODO.value, Category.IN_PROGRESS.value])
    return StatusTable(
        frame=frame,
        names=frame["name"].to_numpy(dtype=object),
        role=role,
        known=frame["role_known"].to_numpy(dtype=bool),
        done=done,
        canceled=frame["canceled"].to_numpy(dtype=bool),
        commits=commits,
        uid_index=pd.Index(roles["status_uid"].astype(object)),
        retired=retired,
        decided=~frame["status_uid"].isin(undecided).to_numpy() & frame["category"].notna().to_numpy(),
    )


def _resolution_as_of(
    issues: pd.DataFrame, index: pd.Index, changes: pd.DataFrame, as_of: int
) -> tuple[pd.Series, np.ndarray]:
    """Per issue row (`index`: their ids), its resolution at `as_of` and when that resolution was
    last set (NAT: none).

    An issue with resolution items is read from them (the latest one up to `as_of`); one without
    keeps its current resolution, dated by the `resolutiondate` field.
    """
    name = issues["resolution"].astype(object).reset_index(drop=True)
    resolved = issues["resolved"] if "resolved" in issues else pd.Series(pd.NaT, index=issues.index)
    at = to_ns(resolved.reset_index(drop=True))
    at = np.where((at != NAT) & (at <= as_of) & name.notna().to_numpy(), at, NAT)
    if len(changes):
        code = lookup(index, changes["issue_uid"])
        when = to_ns(changes["at"])
        item = pd.to_numeric(changes["item_index"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        keep = np.flatnonzero((code >= 0) & (when != NAT) & (when <= as_of))
        order = keep[np.lexsort((item[keep], when[keep], code[keep]))]
        lasts = order[np.r_[code[order][1:] != code[order][:-1], True]] if len(order) else order
        after = changes["to_resolution"].to_numpy(dtype=object)[lasts]
        filled = np.array([isinstance(v, str) and v.strip() != "" for v in after], dtype=bool)
        rows = code[lasts]
        name.iloc[rows] = np.where(filled, after, None)
        at[rows] = np.where(filled, when[lasts], NAT)
    return name, np.asarray(at, dtype=np.int64)


def _person_table(raw: pd.DataFrame) -> PersonTable:
    people = raw.drop_duplicates("person_uid", keep="last")
    return PersonTable(
        uid_index=pd.Index(people["person_uid"].astype(object)),
        pseudonyms=people["pseudonym"].astype(object).fillna("(no pseudonym)").to_numpy(dtype=object),
        is_bot=flags(people["is_bot"], default=True),
    )
