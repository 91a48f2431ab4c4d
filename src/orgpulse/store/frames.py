"""Reads the stored history into the DataFrames of `orgpulse.analysis.frames` (columns documented there).

Whole-table reads, one per kind of record, converted once: the detectors then work vectorised.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from orgpulse.analysis.frames import (
    ASSIGNEE_CHANGE_COLUMNS,
    FLAG_CHANGE_COLUMNS,
    HISTORY_COLUMNS,
    ISSUE_COLUMNS,
    LINK_COLUMNS,
    MEMBERSHIP_COLUMNS,
    PARENT_CHANGE_COLUMNS,
    PEOPLE_COLUMNS,
    RESOLUTION_CHANGE_COLUMNS,
    STATUS_CHANGE_COLUMNS,
    STATUS_COLUMNS,
    TEAM_CHANGE_COLUMNS,
    WORKFLOW_COLUMNS,
    Frames,
)
from orgpulse.store import schema as t
from orgpulse.store.core import Store
from orgpulse.teams import TeamNamer, TeamRule


def load_frames(
    store: Store,
    *,
    as_of: datetime,
    rosters: Mapping[str, tuple[str, ...]] | None = None,
    team_rules: Mapping[str, TeamRule] | None = None,
) -> Frames:
    """Everything the detectors read, with every change after `as_of` left out."""
    with store.engine.connect() as conn:

        def read(stmt: sa.Select[tuple[object, ...]]) -> pd.DataFrame:
            return pd.read_sql(stmt, conn)

        issues = read(sa.select(t.issues).where(t.issues.c.created <= as_of))
        statuses = read(sa.select(t.statuses))
        people = read(sa.select(t.people))
        changes = {
            name: read(sa.select(table).where(table.c.at <= as_of)) for name, table in t.CHANGE_TABLES.items()
        }
        histories = read(
            sa.select(t.histories.c.source, t.histories.c.issue_id, t.histories.c.at).where(
                t.histories.c.at <= as_of
            )
        )
        links = read(sa.select(t.links))
        workflows = read(sa.select(t.workflow_statuses))
        declared = read(
            sa.select(t.team_memberships).where(
                sa.or_(t.team_memberships.c.since.is_(None), t.team_memberships.c.since <= as_of),
                sa.or_(t.team_memberships.c.until.is_(None), t.team_memberships.c.until > as_of),
            )
        )

    def uid(frame: pd.DataFrame, column: str, source: str = "source") -> pd.Series:
        values = frame[source].astype(str) + ":" + frame[column].astype(str)
        return values.where(frame[column].notna(), None)

    namer = TeamNamer(team_rules or {}, zip(issues["source"], issues["project_key"], strict=True))

    def label(source: pd.Series, key: pd.Series) -> pd.Series:
        return pd.Series(
            [namer.of_key(s, k) for s, k in zip(source, key, strict=True)], index=key.index, dtype="object"
        )

    issue_team = pd.Series(
        [
            namer.of_issue(s, p, _json_list(labels), _json_list(components), field)
            for s, p, labels, components, field in zip(
                issues["source"], issues["project_key"], issues["labels"], issues["components"],
                issues["team_field"], strict=True,
            )
        ],
        index=issues.index,
        dtype="object",
    )  # fmt: skip

    def when(series: pd.Series) -> pd.Series:
        return pd.to_datetime(series, utc=True, format="ISO8601")

    epic_uids = set(uid(issues, "issue_id")[issues["is_epic"].astype(bool)])
    issue_frame = pd.DataFrame(
        {
            "issue_uid": uid(issues, "issue_id"),
            "source": issues["source"],
            "issue_id": issues["issue_id"],
            "key": issues["key"],
            "project_key": issues["project_key"],
            "team": issue_team,
            "type_name": issues["type_name"],
            "is_epic": issues["is_epic"].astype(bool),
            "title": issues["title"],
            "labels": issues["labels"].map(lambda v: ",".join(_json_list(v))),
            "parent_uid": uid(issues, "parent_id"),
            "created": when(issues["created"]),
            "resolution": issues["resolution"],
            "resolved": when(issues["resolved"]),
            "status_uid": uid(issues, "status_id"),
            "history_complete": issues["history_complete"].astype(bool),
            "team_mapped": issue_team.notna(),
            "deleted": issues["deleted_at"].notna(),
            "assignee_uid": uid(issues, "assignee_id"),
        }
    )
    issue_frame["parent_is_epic"] = issue_frame["parent_uid"].isin(epic_uids)
    issue_frame = issue_frame[list(ISSUE_COLUMNS)]

    status_frame = statuses.assign(
        status_uid=uid(statuses, "status_id"), category_known=statuses["category_known"].astype(bool)
    )[list(STATUS_COLUMNS)]

    people_frame = people.assign(person_uid=uid(people, "person_id"), is_bot=people["is_bot"].astype(bool))
    people_frame["pseudonym"] = people_frame["person_uid"].map(store.pseudonym)
    people_frame = people_frame[list(PEOPLE_COLUMNS)]
    bots = set(people_frame.loc[people_frame["is_bot"], "person_uid"])

    def change_frame(name: str, extra: Mapping[str, Callable[[pd.DataFrame], pd.Series]]) -> pd.DataFrame:
        frame = changes[name]
        out = pd.DataFrame(
            {
                "issue_uid": uid(frame, "issue_id"),
                "history_id": frame["history_id"],
                "item_index": frame["item_index"],
                "at": when(frame["at"]),
            }
        )
        for column, build in extra.items():
            out[column] = build(frame)
        return out

    status_changes = change_frame(
        "status_changes",
        {
            "from_status_uid": lambda f: uid(f, "from_status"),
            "to_status_uid": lambda f: uid(f, "to_status"),
            "actor_uid": lambda f: uid(f, "actor_id"),
        },
    )
    status_changes["actor_is_bot"] = status_changes["actor_uid"].isna() | status_changes["actor_uid"].isin(
        bots
    )
    assignee_changes = change_frame(
        "assignee_changes",
        {
            "from_person_uid": lambda f: uid(f, "from_person"),
            "to_person_uid": lambda f: uid(f, "to_person"),
            "actor_uid": lambda f: uid(f, "actor_id"),
        },
    )
    follows_moves = {source for source in issues["source"].unique() if namer.rule(source).follows_moves}
    changes["team_changes"] = changes["team_changes"][changes["team_changes"]["source"].isin(follows_moves)]
    team_changes = change_frame(
        "team_changes",
        {
            "from_team": lambda f: label(f["source"], f["from_team"]),
            "to_team": lambda f: label(f["source"], f["to_team"]),
        },
    )
    flag_changes = change_frame("flag_changes", {"flagged": lambda f: f["flagged"].astype(bool)})
    by_key = {(s, k): i for s, k, i in zip(issues["source"], issues["key"], issues["issue_id"], strict=True)}

    def parent_uid(frame: pd.DataFrame, side: str) -> pd.Series:
        ids = [
            i if isinstance(i, str) else by_key.get((s, k)) if isinstance(k, str) else None
            for s, i, k in zip(
                frame["source"], frame[f"{side}_parent_id"], frame[f"{side}_parent_key"], strict=True
            )
        ]
        resolved = frame.assign(resolved=pd.Series(ids, index=frame.index, dtype="object"))
        return uid(resolved, "resolved")

    parent_changes = change_frame(
        "parent_changes",
        {
            "from_parent_uid": lambda f: parent_uid(f, "from"),
            "to_parent_uid": lambda f: parent_uid(f, "to"),
            "to_parent_key": lambda f: f["to_parent_key"],
        },
    )
    resolution_changes = change_frame(
        "resolution_changes",
        {
            "from_resolution": lambda f: f["from_resolution"],
            "to_resolution": lambda f: f["to_resolution"],
            "actor_uid": lambda f: uid(f, "actor_id"),
        },
    )
    history_frame = pd.DataFrame({"issue_uid": uid(histories, "issue_id"), "at": when(histories["at"])})
    workflow_frame = pd.DataFrame(
        {
            "team": label(workflows["source"], workflows["project_key"]),
            "status_uid": uid(workflows, "status_id"),
        }
    )

    link_frame = _links(links, issues.assign(team=issue_team), uid, namer.of_key, when)
    # Declared members: a roster in the config wins for its team; else the tracker's memberships (Linear).
    from_config = [
        {"team": team, "person_uid": f"{source}:{member}"}
        for team, members in (rosters or {}).items()
        for source in issues["source"].drop_duplicates()
        for member in members
    ]
    from_tracker = pd.DataFrame(
        {"team": label(declared["source"], declared["team_key"]), "person_uid": uid(declared, "person_id")}
    )
    memberships = pd.concat(
        [
            pd.DataFrame(from_config, columns=list(MEMBERSHIP_COLUMNS)),
            from_tracker[~from_tracker["team"].isin(set(rosters or {}))],
        ],
        ignore_index=True,
    )[list(MEMBERSHIP_COLUMNS)]
    return Frames(
        issues=issue_frame,
        statuses=status_frame,
        status_changes=status_changes[list(STATUS_CHANGE_COLUMNS)],
        assignee_changes=assignee_changes[list(ASSIGNEE_CHANGE_COLUMNS)],
        team_changes=team_changes[list(TEAM_CHANGE_COLUMNS)],
        flag_changes=flag_changes[list(FLAG_CHANGE_COLUMNS)],
        links=link_frame,
        people=people_frame,
        memberships=memberships,
        parent_changes=parent_changes[list(PARENT_CHANGE_COLUMNS)],
        workflows=workflow_frame[list(WORKFLOW_COLUMNS)],
        resolution_changes=resolution_changes[list(RESOLUTION_CHANGE_COLUMNS)],
        histories=history_frame[list(HISTORY_COLUMNS)],
    )


def _links(
    links: pd.DataFrame,
    issues: pd.DataFrame,
    uid: Callable[[pd.DataFrame, str], pd.Series],
    team_of_key: Callable[[str, object], str | None],
    when: Callable[[pd.Series], pd.Series],
) -> pd.DataFrame:
    """Resolve each side of a link to a synced issue (by id, else by key) or to an outside project.

    `issues["team"]` holds each synced issue's team label; an outside issue's team is its project key's.
    """
    by_key = {(s, k): i for s, k, i in zip(issues["source"], issues["key"], issues["issue_id"], strict=True)}
    known_ids = set(zip(issues["source"], issues["issue_id"], strict=True))
    team_of = {
        (s, i): k for s, i, k in zip(issues["source"], issues["issue_id"], issues["team"], strict=True)
    }
    out = pd.DataFrame({"link_uid": uid(links, "link_id"), "kind": links["kind"]})
    outside_done = pd.Series(False, index=links.index)
    for side in ("from", "to"):
        ids = []
        teams = []
        for source, issue_id, key in zip(
            links["source"], links[f"{side}_issue_id"], links[f"{side}_issue_key"], strict=True
        ):
            resolved = issue_id if (source, issue_id) in known_ids else by_key.get((source, key))
            ids.append(f"{source}:{resolved}" if resolved is not None else None)
            teams.append(
                team_of.get((source, resolved))
                if resolved is not None
                else team_of_key(source, str(key).rsplit("-", 1)[0])
            )
        out[f"{side}_uid"] = pd.Series(ids, index=links.index, dtype="object")
        out[f"{side}_key"] = links[f"{side}_issue_key"]
        out[f"{side}_team"] = pd.Series(teams, index=links.index, dtype="object")
        outside = out[f"{side}_uid"].isna()
        outside_done |= outside & links[f"{side}_done"].fillna(False).astype(bool)
    out["created_at"] = when(links["created_at"])
    out["removed_at"] = when(links["removed_at"])
    out["outside_done"] = outside_done
    return out[list(LINK_COLUMNS)]


def _json_list(value: object) -> list[str]:
    if not isinstance(value, str) or not value:
        return []
    return [str(v) for v in json.loads(value)]
