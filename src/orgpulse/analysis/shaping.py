"""From the stored tables to the analysis frames: the policy the store does not apply.

`store.frames.read_tables` hands over the tables as stored (one per kind of record, in primary-key
order); here they become `analysis.frames.Frames` (columns documented there): every native id
prefixed with its source (a uid), each issue, link side, team move and workflow given its team
by the sources' team rules (`orgpulse.teams`), a declared roster preferred to the tracker's own
memberships for its team, parents resolved, bots marked, people pseudonymised. Pure: column
operations only, team labels and label lists worked out once per distinct value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from orgpulse.analysis.frames import (
    MEMBERSHIP_COLUMNS,
    Frames,
)
from orgpulse.analysis.retired import ITEM_COLUMNS, Entries
from orgpulse.teams import TeamNamer, TeamRule

if TYPE_CHECKING:
    from orgpulse.store.frames import StoredTables


def shape_frames(
    stored: StoredTables,
    *,
    pseudonym: Callable[[str], str],
    rosters: Mapping[str, tuple[str, ...]] | None = None,
    team_rules: Mapping[str, TeamRule] | None = None,
) -> Frames:
    """The frames the detectors read, from the stored tables; `pseudonym` names a person's uid."""
    issues, pairs, statuses, people = stored.issues, stored.project_pairs, stored.statuses, stored.people
    changes, links, workflows, declared = (
        dict(stored.changes),
        stored.links,
        stored.workflows,
        stored.memberships,
    )
    namer = TeamNamer(team_rules or {}, zip(pairs["source"], pairs["project_key"], strict=True))
    issue_team = _issue_teams(issues, namer)
    epic_uids = _uid(issues, "issue_id")[issues["is_epic"]]
    issue_frame = pd.DataFrame(
        {
            "issue_uid": _uid(issues, "issue_id"),
            "source": issues["source"],
            "issue_id": issues["issue_id"],
            "key": issues["key"],
            "project_key": issues["project_key"],
            "team": issue_team,
            "type_name": issues["type_name"],
            "is_epic": issues["is_epic"],
            "title": issues["title"],
            "labels": _per_distinct(issues["labels"], lambda v: ",".join(_json_list(v))),
            "parent_uid": _uid(issues, "parent_id"),
            "created": issues["created"],
            "resolution": issues["resolution"],
            "resolved": issues["resolved"],
            "status_uid": _uid(issues, "status_id"),
            "history_complete": issues["history_complete"],
            "team_mapped": issue_team.notna(),
            "deleted": issues["deleted_at"].notna(),
            "assignee_uid": _uid(issues, "assignee_id"),
        }
    )
    issue_frame["parent_is_epic"] = _isin(issue_frame["parent_uid"], epic_uids)

    status_frame = statuses.assign(status_uid=_uid(statuses, "status_id"))

    people_frame = people.assign(person_uid=_uid(people, "person_id"))
    people_frame["pseudonym"] = _per_distinct(people_frame["person_uid"], pseudonym)
    bots = people_frame.loc[people_frame["is_bot"], "person_uid"]

    def change_frame(name: str, extra: Mapping[str, Callable[[pd.DataFrame], pd.Series]]) -> pd.DataFrame:
        frame = changes[name]
        out = pd.DataFrame(
            {
                "issue_uid": _uid(frame, "issue_id"),
                "history_id": frame["history_id"],
                "item_index": frame["item_index"],
                "at": frame["at"],
            }
        )
        for column, build in extra.items():
            out[column] = build(frame)
        return out

    status_changes = change_frame(
        "status_changes",
        {
            "from_status_uid": lambda f: _uid(f, "from_status"),
            "to_status_uid": lambda f: _uid(f, "to_status"),
            "actor_uid": lambda f: _uid(f, "actor_id"),
        },
    )
    status_changes["actor_is_bot"] = status_changes["actor_uid"].isna() | _isin(
        status_changes["actor_uid"], bots
    )
    assignee_changes = change_frame(
        "assignee_changes",
        {
            "from_person_uid": lambda f: _uid(f, "from_person"),
            "to_person_uid": lambda f: _uid(f, "to_person"),
            "actor_uid": lambda f: _uid(f, "actor_id"),
        },
    )
    follows_moves = [source for source in pairs["source"].unique() if namer.rule(source).follows_moves]
    moves = changes["team_changes"]
    changes["team_changes"] = moves[moves["source"].isin(follows_moves)].reset_index(drop=True)
    team_changes = change_frame(
        "team_changes",
        {
            "from_team": lambda f: _key_teams(f["source"], f["from_team"], namer),
            "to_team": lambda f: _key_teams(f["source"], f["to_team"], namer),
        },
    )
    flag_changes = change_frame("flag_changes", {"flagged": lambda f: f["flagged"]})
    parent_changes = change_frame(
        "parent_changes",
        {
            "from_parent_uid": lambda f: _uid(f, "from_parent"),
            "to_parent_uid": lambda f: _uid(f, "to_parent"),
            "to_parent_key": lambda f: f["to_parent_key"],
        },
    )
    resolution_changes = change_frame(
        "resolution_changes",
        {
            "from_resolution": lambda f: f["from_resolution"],
            "to_resolution": lambda f: f["to_resolution"],
            "actor_uid": lambda f: _uid(f, "actor_id"),
        },
    )
    # The history entries a bulk close looks back to: each status change's previous one (store.window).
    looked_back = changes["status_changes"]
    history_frame = pd.DataFrame(
        {"issue_uid": status_changes["issue_uid"], "at": looked_back["previous_entry"]}
    ).loc[looked_back["previous_entry"].notna()]
    workflow_frame = pd.DataFrame(
        {
            "team": _key_teams(workflows["source"], workflows["project_key"], namer),
            "status_uid": _uid(workflows, "status_id"),
        }
    )
    link_frame = _links(links, namer)
    # Declared members: a roster in the config wins for its team; else the tracker's memberships (Linear).
    from_config = [
        {"team": team, "person_uid": f"{source}:{member}"}
        for team, members in (rosters or {}).items()
        for source in pairs["source"].drop_duplicates()
        for member in members
    ]
    from_tracker = pd.DataFrame(
        {
            "team": _key_teams(declared["source"], declared["team_key"], namer),
            "person_uid": _uid(declared, "person_id"),
        }
    )
    memberships = pd.concat(
        [
            pd.DataFrame(from_config, columns=list(MEMBERSHIP_COLUMNS)),
            from_tracker[~from_tracker["team"].isin(list(rosters or {}))],
        ],
        ignore_index=True,
    )
    return Frames.cut(
        issues=issue_frame,
        statuses=status_frame,
        status_changes=status_changes,
        assignee_changes=assignee_changes,
        team_changes=team_changes,
        flag_changes=flag_changes,
        links=link_frame,
        people=people_frame,
        memberships=memberships,
        parent_changes=parent_changes,
        workflows=workflow_frame,
        resolution_changes=resolution_changes,
        histories=history_frame,
        retired_entries=None if stored.retired_entries is None else _retired_entries(*stored.retired_entries),
    )


def _retired_entries(issues: pd.DataFrame, items: pd.DataFrame) -> Entries:
    """`store.window`'s counts of the entries into retired statuses, by status uid."""
    counted = pd.Series(issues["issues"].to_numpy(dtype=int), index=_uid(issues, "status_id").astype(object))
    by_uid = pd.DataFrame(
        {
            "status_uid": _uid(items, "status_id").astype(object),
            "from_resolution": items["from_resolution"],
            "to_resolution": items["to_resolution"],
            "entries": items["entries"],
        }
    )
    return Entries(counted, by_uid[list(ITEM_COLUMNS)])


def _links(links: pd.DataFrame, namer: TeamNamer) -> pd.DataFrame:
    """Each side of a link resolved to a synced issue (`store.window` did it, by id, else by key) or
    to an outside project: an outside side's team is its key's project key's."""
    out = pd.DataFrame({"link_uid": _uid(links, "link_id"), "kind": links["kind"]})
    outside_done = pd.Series(False, index=links.index)
    for side in ("from", "to"):
        resolved = links[f"{side}_resolved"]
        side_uid = _uid(links, f"{side}_resolved").astype(object)
        out[f"{side}_uid"] = side_uid.where(side_uid.notna(), None)
        out[f"{side}_key"] = links[f"{side}_issue_key"]
        synced = _issue_teams(
            pd.DataFrame(
                {
                    "source": links["source"],
                    "project_key": links[f"{side}_project_key"],
                    "labels": links[f"{side}_labels"],
                    "components": links[f"{side}_components"],
                    "team_field": links[f"{side}_team_field"],
                }
            ),
            namer,
        )
        outside_project = links[f"{side}_issue_key"].str.replace(r"-[^-]*$", "", regex=True)
        outside = _key_teams(links["source"], outside_project, namer)
        out[f"{side}_team"] = synced.where(resolved.notna(), outside)
        outside_done |= resolved.isna() & links[f"{side}_done"].fillna(False).astype(bool)
    out["created_at"] = links["created_at"]
    out["removed_at"] = links["removed_at"]
    out["outside_done"] = outside_done
    return out


_STR = pd.StringDtype(storage="pyarrow", na_value=np.nan)  # pandas' default "str" dtype


def _uid(frame: pd.DataFrame, column: str, source: str = "source") -> pd.Series:
    """ "<source>:<native id>", None where the id is missing."""
    sources, ids = frame[source].array, frame[column].array
    if sources.dtype == ids.dtype == _STR and isinstance(sources, ArrowStringArray):
        # One Arrow join (null where the id is): pandas' `+` made "<source>:" of every row first.
        pieces = sources._pa_array, ids._pa_array  # pandas' Arrow arrays, held as they are
        if pieces[0].type == pieces[1].type:
            joined = pc.binary_join_element_wise(*pieces, pa.scalar(":", pieces[0].type))
            return pd.Series(ArrowStringArray(joined, dtype=_STR), index=frame.index)
    values = frame[source].astype("str") + ":" + frame[column].astype("str")
    return values.where(frame[column].notna())


def _isin(values: pd.Series, known: pd.Series) -> pd.Series:
    """`values.isin(known)` (a missing value never in) by Arrow's hash set of the known strings: pandas'
    Arrow strings test a large set per value, numpy's way makes a Python string of every value."""
    strings = pa.array(values)
    if pa.types.is_null(strings.type):  # every value missing
        return pd.Series(np.zeros(len(values), dtype=bool), index=values.index)
    found = pc.is_in(strings, value_set=pa.array(known.dropna().unique(), type=strings.type))
    return pd.Series(found.to_numpy(zero_copy_only=False).astype(bool), index=values.index)


def _per_distinct(values: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """`function` of each value, computed once per distinct value (None stays None)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([function(v) for v in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _issue_teams(issues: pd.DataFrame, namer: TeamNamer) -> pd.Series:
    """The team of each issue row (columns source, project_key, labels, components, team_field)."""
    # A project rule reads the project key alone (`TeamNamer.of_issue`): with no other rule, the
    # issues are grouped by project, not by every distinct label and component list (~25k at ~430 teams).
    if all(namer.rule(str(source)).team_from == "project" for source in issues["source"].unique()):
        return _key_teams(issues["source"], issues["project_key"], namer)
    columns = ["source", "project_key", "labels", "components", "team_field"]
    return _per_group(issues[columns], lambda row: namer.of_issue(
        str(row[0]), row[1], _json_list(row[2]), _json_list(row[3]), row[4]
    ))  # fmt: skip


def _key_teams(source: pd.Series, key: pd.Series, namer: TeamNamer) -> pd.Series:
    """The team of each (source, project or team key) pair."""
    pairs = pd.DataFrame({"source": source, "key": key})
    return _per_group(pairs, lambda row: namer.of_key(str(row[0]), row[1]))


def _per_group(frame: pd.DataFrame, function: Callable[[tuple[object, ...]], object]) -> pd.Series:
    """`function` of each row's values (None for a missing one), computed once per distinct row."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object)
    group = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(frame))).groupby(group).first().to_numpy()
    distinct = frame.iloc[first].astype(object)
    distinct = distinct.where(distinct.notna(), None)
    values = np.array([function(row) for row in distinct.itertuples(index=False, name=None)], dtype=object)
    return pd.Series(values[group], index=frame.index, dtype=object)


def _json_list(value: object) -> list[str]:
    if not isinstance(value, str) or not value:
        return []
    return [str(v) for v in json.loads(value)]
