"""Pure functions from Linear issue payloads to canonical records: issues, history, relations.

No I/O, no clock. What cannot be read becomes a `Quarantined` record and the rest goes on.
Linear facts relied on (shared/api/LINEAR-NOTES.md, SYMPTOMS.md):
* state types map to categories (`normalise_meta`): triage, backlog, unstarted -> todo;
  started -> in_progress; completed -> done; canceled, duplicate -> canceled;
* an issue's key is its `identifier` (ENG-123, changes when it moves), its team and project key
  the team's key; ids are UUIDs and never change;
* a history node groups several property changes of one actor: it becomes one `History` and one
  change per property read, at a fixed item index (status 0, assignee 1, team 2, goal 3). Its
  actor is `actorId`, else the integration in `botActor` (a bot person), else nobody;
* a Linear project is a goal, not an issue: the goal parent of an issue is its project
  (`project:<id>`, never clashing with an issue id), else its parent issue. History project and
  parent changes are walked in time order into changes of that one goal parent;
* `A blocks B` is stored once, as a relation of A (`relations`) and an inverse relation of B
  (`inverseRelations`), with one id: both sides give the same `Link` (from = the blocker), deduped
  by that id. `duplicate` reads "issue duplicates relatedIssue"; related and similar relate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from orgpulse.errors import SchemaDriftError
from orgpulse.model import (
    AssigneeChange,
    Batch,
    Category,
    History,
    Issue,
    Link,
    LinkKind,
    ParentChange,
    Person,
    Quarantined,
    Status,
    StatusChange,
    TeamChange,
)

from ..kit.records import Raw, dump
from .normalise_meta import native_id, nodes, normalise_state, optional_time, parse_linear_datetime

RELATION_KINDS: Mapping[str, LinkKind] = {
    "blocks": LinkKind.BLOCKS,
    "duplicate": LinkKind.DUPLICATES,
    "related": LinkKind.RELATES,
    "similar": LinkKind.RELATES,
}
PROJECT_PREFIX = "project:"
ISSUE_TYPE = "Issue"  # Linear has no issue types; nothing is an epic (projects are goals)
STATUS_ITEM, ASSIGNEE_ITEM, TEAM_ITEM, GOAL_ITEM = 0, 1, 2, 3


def bot_person(bot: object) -> Person | None:
    """The integration or automation of a history node's `botActor`, as a bot person."""
    if not isinstance(bot, Mapping) or not (bot.get("id") or bot.get("type")):
        return None
    person_id = bot.get("id") or f"bot:{bot.get('type')}:{bot.get('name') or ''}"
    return Person(str(person_id), str(bot.get("name") or bot.get("type") or ""), is_bot=True)


def normalise_issue(
    raw: Raw,
    *,
    team_keys: Mapping[str, str] | None = None,
    label_names: Mapping[str, str] | None = None,
    keep_raw: bool = False,
) -> Batch:
    """One issue, its whole history and its relations as a Batch.

    `history_complete` is true when the payload's history connection says it has no next page
    (the connector merges every page it fetched into the payload). `team_keys` names the teams of
    history rows by id; an unknown id is kept as is.
    """
    batch = Batch()
    try:
        issue, state = _issue(raw, label_names or {})
    except SchemaDriftError as exc:
        batch.quarantined.append(Quarantined(native_id(raw), "linear_issue", str(exc), dump(raw)))
        return batch
    batch.issues.append(issue)
    batch.statuses.append(state)
    history = raw.get("history")
    entries = _dated(issue.issue_id, nodes(history), batch)
    _changes(batch, issue, raw, entries, team_keys or {})
    info = history.get("pageInfo") if isinstance(history, Mapping) else None
    batch.history_complete[issue.issue_id] = isinstance(info, Mapping) and info.get("hasNextPage") is False
    done = state.category in (Category.DONE, Category.CANCELED)
    for field, outward in (("relations", True), ("inverseRelations", False)):
        for relation in nodes(raw.get(field)):
            try:
                batch.links.append(relation_link(relation, issue, done, outward=outward))
            except SchemaDriftError as exc:
                native = f"{issue.issue_id}:{relation.get('id') or '?'}"
                batch.quarantined.append(Quarantined(native, "linear_relation", str(exc), dump(relation)))
    if keep_raw:
        batch.raw.append(("linear_issue", issue.issue_id, dump(raw)))
    return batch


def relation_link(relation: Raw, host: Issue, host_done: bool, *, outward: bool) -> Link:
    """A relation seen from `host`: its source is `host` when `outward`, else the far `issue`."""
    link_id, kind_name = relation.get("id"), relation.get("type")
    if not isinstance(link_id, str) or not link_id:
        raise SchemaDriftError("a relation without an id")
    other = relation.get("relatedIssue" if outward else "issue")
    other_id = other.get("id") if isinstance(other, Mapping) else None
    other_key = other.get("identifier") if isinstance(other, Mapping) else None
    if not isinstance(other, Mapping) or not isinstance(other_key, str) or not other_key:
        raise SchemaDriftError(f"relation {link_id}: the far issue has no identifier")
    other_done = other.get("completedAt") is not None or other.get("canceledAt") is not None
    kind = RELATION_KINDS.get(str(kind_name), LinkKind.RELATES)
    near = (host.key, host.issue_id, host_done)
    far = (other_key, str(other_id) if other_id else None, other_done)
    source, target = (near, far) if outward else (far, near)
    return Link(
        link_id=link_id,
        kind=kind,
        from_issue_key=source[0],
        to_issue_key=target[0],
        from_issue_id=source[1],
        to_issue_id=target[1],
        type_id=str(kind_name) if kind_name else None,
        created_at=optional_time(relation.get("createdAt")),
        removed_at=optional_time(relation.get("archivedAt")),
        from_done=source[2],
        to_done=target[2],
    )


def goal_ref(project_id: object, parent_id: object) -> str | None:
    """The goal parent: the project (namespaced), else the parent issue."""
    if isinstance(project_id, str) and project_id:
        return PROJECT_PREFIX + project_id
    return parent_id if isinstance(parent_id, str) and parent_id else None


def _issue(raw: Raw, label_names: Mapping[str, str]) -> tuple[Issue, Status]:
    if not isinstance(raw, Mapping):
        raise SchemaDriftError("an issue that is not an object")
    issue_id, key = raw.get("id"), raw.get("identifier")
    if not isinstance(issue_id, str) or not issue_id:
        raise SchemaDriftError("an issue without an id")
    if not isinstance(key, str) or "-" not in key:
        raise SchemaDriftError(f"issue {issue_id}: no identifier")
    team = raw.get("team")
    team_key = team.get("key") if isinstance(team, Mapping) else None
    if not isinstance(team_key, str) or not team_key:
        raise SchemaDriftError(f"issue {issue_id}: no team key")
    state_doc = raw.get("state")
    if not isinstance(state_doc, Mapping):
        raise SchemaDriftError(f"issue {issue_id}: no state")
    state = normalise_state(state_doc)
    project, parent = raw.get("project"), raw.get("parent")
    project = project if isinstance(project, Mapping) else {}
    parent = parent if isinstance(parent, Mapping) else {}
    parent_ref = goal_ref(project.get("id"), parent.get("id"))
    parent_key = project.get("name") if project.get("id") else parent.get("identifier")
    assignee = raw.get("assignee")
    labels = raw.get("labelIds")
    created = parse_linear_datetime(raw.get("createdAt"))
    resolved = raw.get("completedAt") or raw.get("canceledAt")
    return (
        Issue(
            issue_id=issue_id,
            key=key,
            project_key=team_key,
            team_key=team_key,
            type_name=ISSUE_TYPE,
            is_epic=False,
            title=str(raw.get("title") or ""),
            created=created,
            updated=parse_linear_datetime(raw.get("updatedAt") or raw.get("createdAt")),
            status_id=state.status_id,
            labels=tuple(label_names.get(str(i), str(i)) for i in labels) if isinstance(labels, list) else (),
            priority=str(raw["priorityLabel"]) if raw.get("priorityLabel") else None,
            parent_id=parent_ref,
            parent_key=str(parent_key) if parent_ref and parent_key else None,
            resolved=parse_linear_datetime(resolved) if resolved else None,
            assignee_id=str(assignee["id"]) if isinstance(assignee, Mapping) and assignee.get("id") else None,
            url=str(raw["url"]) if isinstance(raw.get("url"), str) and raw["url"] else None,
        ),
        state,
    )


def _dated(issue_id: str, entries: Sequence[Raw], batch: Batch) -> list[tuple[datetime, Raw]]:
    """History nodes with a readable id and time, each id once, oldest first; the rest quarantined."""
    seen: dict[str, tuple[datetime, Raw]] = {}
    for entry in entries:
        history_id = entry.get("id")
        try:
            if not isinstance(history_id, str) or not history_id:
                raise SchemaDriftError("a history entry without an id")
            if history_id not in seen:
                seen[history_id] = (parse_linear_datetime(entry.get("createdAt")), entry)
        except SchemaDriftError as exc:
            native = f"{issue_id}:{history_id if history_id else '?'}"
            batch.quarantined.append(Quarantined(native, "linear_history", str(exc), dump(entry)))
    return sorted(seen.values(), key=lambda pair: (pair[0], str(pair[1]["id"])))


def _changes(
    batch: Batch,
    issue: Issue,
    raw: Raw,
    entries: Sequence[tuple[datetime, Raw]],
    team_keys: Mapping[str, str],
) -> None:
    project_now = _initial(entries, "Project", raw.get("project"))
    parent_now = _initial(entries, "Parent", raw.get("parent"))
    names = _goal_names(raw)
    people: dict[str, Person] = {}
    for at, entry in entries:
        history_id = str(entry["id"])
        bot = bot_person(entry.get("botActor"))
        actor_id = entry.get("actorId")
        actor = str(actor_id) if actor_id else (bot.person_id if bot else None)
        if bot is not None and not actor_id:
            people[bot.person_id] = bot
        common = (issue.issue_id, history_id)
        items = 0
        if _changed(entry, "State"):
            batch.status_changes.append(
                StatusChange(
                    *common, STATUS_ITEM, at, actor, _id(entry, "fromStateId"), _id(entry, "toStateId")
                )
            )
            items += 1
        if _changed(entry, "Assignee"):
            batch.assignee_changes.append(
                AssigneeChange(
                    *common,
                    ASSIGNEE_ITEM,
                    at,
                    actor,
                    _id(entry, "fromAssigneeId"),
                    _id(entry, "toAssigneeId"),
                )
            )
            items += 1
        if _changed(entry, "Team"):
            from_team, to_team = (_team(entry.get(f"{side}TeamId"), team_keys) for side in ("from", "to"))
            batch.team_changes.append(TeamChange(*common, TEAM_ITEM, at, actor, from_team, to_team))
            items += 1
        before = goal_ref(project_now, parent_now)
        if _changed(entry, "Project"):
            project_now = _id(entry, "toProjectId")
            items += 1
        if _changed(entry, "Parent"):
            parent_now = _id(entry, "toParentId")
            items += 1
        after = goal_ref(project_now, parent_now)
        if before != after:
            batch.parent_changes.append(
                ParentChange(
                    *common,
                    GOAL_ITEM,
                    at,
                    actor,
                    before,
                    names.get(before or ""),
                    after,
                    names.get(after or ""),
                )
            )
        batch.histories.append(History(issue.issue_id, history_id, at, actor, items))
    batch.people += people.values()


def _changed(entry: Raw, what: str) -> bool:
    """Linear leaves both ids null in an entry that did not change this property."""
    return bool(entry.get(f"from{what}Id") or entry.get(f"to{what}Id"))


def _initial(entries: Sequence[tuple[datetime, Raw]], what: str, current: object) -> str | None:
    """The property's value before the history: the first change's `from`, else the current one."""
    for _, entry in entries:
        if _changed(entry, what):
            before = entry.get(f"from{what}Id")
            return str(before) if before else None
    now = current.get("id") if isinstance(current, Mapping) else None
    return str(now) if now else None


def _goal_names(raw: Raw) -> dict[str, str]:
    """Labels for the goal parents the payload names: the project's name, the parent's identifier."""
    names: dict[str, str] = {}
    project, parent = raw.get("project"), raw.get("parent")
    if isinstance(project, Mapping) and project.get("id") and project.get("name"):
        names[PROJECT_PREFIX + str(project["id"])] = str(project["name"])
    if isinstance(parent, Mapping) and parent.get("id") and parent.get("identifier"):
        names[str(parent["id"])] = str(parent["identifier"])
    return names


def _id(entry: Raw, field: str) -> str | None:
    value = entry.get(field)
    return str(value) if value else None


def _team(team_id: object, team_keys: Mapping[str, str]) -> str | None:
    if not team_id:
        return None
    return team_keys.get(str(team_id), str(team_id))
