"""Pure functions over a Jira changelog: its entries gathered, counted and ordered, and its items
read as change records (status, assignee, key and team, flag, resolution, parent). No I/O.

Entries come from several fetches (the embed, the bulk changelog, the per-issue pages), newest-
or oldest-first: they are merged by history id and sorted oldest first (JIRA-NOTES.md). Status
items carry status ids, assignee items account ids (Data Center: user keys); a moved issue gets a
`Key` item, and its team (the project key) changes with it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, TypeGuard

from orgpulse.errors import SchemaDriftError
from orgpulse.model import (
    AssigneeChange,
    Batch,
    Category,
    FlagChange,
    ParentChange,
    Person,
    Quarantined,
    ResolutionChange,
    Status,
    StatusChange,
    TeamChange,
)

from ..kit.records import dump
from .normalise_meta import FieldIds, parse_jira_datetime

NO_FIELDS = FieldIds()


def is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether a decoded JSON value is an object (a dict, checked first: the ABC check is slow)."""
    return type(value) is dict or isinstance(value, Mapping)


def merge_histories(*sources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Histories from several fetches, each id once (the first seen wins), in no promised order."""
    seen: dict[str, Mapping[str, Any]] = {}
    anonymous: list[Mapping[str, Any]] = []
    for source in sources:
        for entry in source:
            if type(entry) is not dict and not isinstance(entry, Mapping):
                continue
            history_id = entry.get("id")
            if history_id is None:
                anonymous.append(entry)
            else:
                seen.setdefault(history_id if type(history_id) is str else str(history_id), entry)
    return [*seen.values(), *anonymous]


def embedded_histories(raw_issue: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    changelog = raw_issue.get("changelog")
    histories = changelog.get("histories") if isinstance(changelog, Mapping) else None
    return [h for h in histories if is_object(h)] if isinstance(histories, list) else []


def changelog_total(raw_issue: Mapping[str, Any]) -> int | None:
    """The number of history entries Jira counts for the issue (embedded `changelog.total`)."""
    changelog = raw_issue.get("changelog")
    total = changelog.get("total") if isinstance(changelog, Mapping) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def history_ids(histories: Iterable[Mapping[str, Any]]) -> set[str]:
    return {str(h["id"]) for h in histories if h.get("id") is not None}


# One readable history entry: its time, its id as text, the entry, and its object items with what
# each one changes (`item_kind`).
Entry = tuple[datetime, str, Mapping[str, Any], list[tuple[Mapping[str, Any], str]]]


def read_entries(
    issue_id: str, entries: Sequence[Mapping[str, Any]], fields: FieldIds, batch: Batch
) -> list[Entry]:
    """The entries that have an id and a readable time, oldest first (then by numeric id), each
    read once: its id as text, its time, its object items and what each one changes. An entry
    without them is quarantined in `batch`."""
    dated: list[tuple[datetime, int, str, Mapping[str, Any]]] = []
    for entry in entries:
        history_id = entry.get("id")
        found = history_id if type(history_id) is str else str(history_id) if history_id is not None else ""
        try:
            if not found:
                raise SchemaDriftError("a history entry without an id")
            at = parse_jira_datetime(entry.get("created"))
        except SchemaDriftError as exc:
            native = f"{issue_id}:{history_id if history_id is not None else '?'}"
            batch.quarantined.append(Quarantined(native, "jira_history", str(exc), dump(entry)))
            continue
        dated.append((at, int(found) if found.isdigit() else 0, found, entry))
    dated.sort(key=_TIME_THEN_ID)
    kinds = fields.kinds  # the site's memo of `item_kind`, read inline: an entry has a few items
    try:
        return [
            (at, found, entry, [(i, kinds.get((i.get("fieldId"), i.get("field"))) or item_kind(i, fields))
                                for i in _objects(entry.get("items"))])
            for at, _, found, entry in dated
        ]  # fmt: skip
    except TypeError:  # a value that is not hashable: each item read alone
        return [
            (at, found, entry, [(i, item_kind(i, fields)) for i in _objects(entry.get("items"))])
            for at, _, found, entry in dated
        ]


def _objects(items: Any) -> list[Mapping[str, Any]]:
    """The object items of an entry's `items` (its `items or ()`, objects only)."""
    return [i for i in items or () if type(i) is dict or isinstance(i, Mapping)]


_TIME_THEN_ID = itemgetter(0, 1, 2)


# An item with what it changes (`item_kind`), as `read_entries` gives them.
Marked = tuple[Mapping[str, Any], str]


def initial_key(current: str, marked: Iterable[Marked]) -> str:
    """The issue's key before its first move (the first `Key` item's old value), else its key."""
    for item, kind in marked:
        if kind == "key":
            old = item.get("fromString") or item.get("from")
            if isinstance(old, str) and old:
                return old
    return current


# Changelog items (by field name) that set or change an issue's parent: the Epic Link custom field
# is also found by the site's field id; "Parent" and "IssueParentAssociation" carry no fieldId.
PARENT_ITEMS = frozenset({"parent", "issueparentassociation", "epic link", "parent link"})


def item_kind(item: Mapping[str, Any], fields: FieldIds) -> str:
    """What a changelog item changes: status, assignee, key, flagged, link, or its field id/name.

    System fields are told by `fieldId`; items without one (Link, Key, project, Workflow...) by
    `field`; Flagged by the site's field id or, when unknown, by its name. A site has few distinct
    (fieldId, field) pairs: each is read once per site's field ids (`FieldIds.kinds`).
    """
    memo = (item.get("fieldId"), item.get("field"))
    try:
        return fields.kinds[memo]
    except KeyError:
        kind = fields.kinds[memo] = _item_kind(item, fields)
        return kind
    except TypeError:  # a value that is not hashable
        return _item_kind(item, fields)


def _item_kind(item: Mapping[str, Any], fields: FieldIds) -> str:
    field_id = str(item.get("fieldId") or "")
    name = str(item.get("field") or "").lower()
    if fields.flagged is not None and field_id == fields.flagged:
        return "flagged"
    if (fields.epic_link is not None and field_id == fields.epic_link) or name in PARENT_ITEMS:
        return "parent"
    if field_id:
        return field_id.lower() if not field_id.startswith("customfield_") or name != "flagged" else "flagged"
    return name


def text(value: object) -> str | None:
    return str(value) if value is not None and str(value) != "" else None


# The kinds `record_item` makes a change record of (every other item only counts in its entry).
RECORDED_KINDS = frozenset({"status", "assignee", "key", "flagged", "resolution", "parent"})


def record_item(
    batch: Batch,
    name: str,
    issue_id: str,
    history_id: str,
    index: int,
    at: datetime,
    actor: str | None,
    item: Mapping[str, Any],
    key_now: str,
) -> str:
    """Record one changelog item's change, if it is one orgpulse reads; return the issue's key after it."""
    common = (issue_id, history_id, index, at, actor)
    if name == "status":
        batch.status_changes.append(StatusChange(*common, text(item.get("from")), text(item.get("to"))))
    elif name == "assignee":
        batch.assignee_changes.append(AssigneeChange(*common, text(item.get("from")), text(item.get("to"))))
    elif name == "key":
        old = text(item.get("fromString")) or text(item.get("from"))
        new = text(item.get("toString")) or text(item.get("to"))
        old_team, new_team = _project_of(old), _project_of(new)
        if old_team != new_team:
            batch.team_changes.append(TeamChange(*common, old_team, new_team))
        return new or key_now
    elif name == "flagged":
        batch.flag_changes.append(
            FlagChange(*common, flagged=bool((text(item.get("toString")) or "").strip()))
        )
    elif name == "resolution":
        # Names, not ids: the canceled patterns match names, and a retired resolution keeps its name here.
        batch.resolution_changes.append(
            ResolutionChange(
                *common,
                text(item.get("fromString")) or text(item.get("from")),
                text(item.get("toString")) or text(item.get("to")),
            )
        )
    elif name == "parent":
        batch.parent_changes.append(
            ParentChange(*common, *_parent_side(item, "from"), *_parent_side(item, "to"))
        )
    return key_now


def _parent_side(item: Mapping[str, Any], side: str) -> tuple[str | None, str | None]:
    """(issue id, issue key) of one side of a parent item: ids in from/to, keys in the strings."""
    raw_id = text(item.get(side))
    key = text(item.get(f"{side}String"))
    issue_id = raw_id if raw_id is not None and raw_id.isdigit() else None
    if key is None and raw_id is not None and issue_id is None:
        key = raw_id  # some sites put the key itself in from/to
    return issue_id, key


def unknown_statuses(batch: Batch, known: Collection[str], marked: Iterable[Marked]) -> list[Status]:
    """The statuses the changelog's status items name that neither `known` nor the batch holds."""
    names: dict[str, str] = {}
    for item, kind in marked:
        if kind == "status":
            for id_key, name_key in (("from", "fromString"), ("to", "toString")):
                status_id = text(item.get(id_key))
                if status_id and status_id not in known:
                    names[status_id] = text(item.get(name_key)) or status_id
    if not names:
        return []
    have = {s.status_id for s in batch.statuses}
    return [
        Status(status_id, name, Category.TODO, category_known=False)
        for status_id, name in names.items()
        if status_id not in have
    ]


def _project_of(key: str | None) -> str | None:
    return key.rsplit("-", 1)[0] if key and "-" in key else None


def assignee_people(item: Mapping[str, Any]) -> list[Person | None]:
    people: list[Person | None] = []
    for id_key, name_key in (("from", "fromString"), ("to", "toString")):
        person_id = text(item.get(id_key))
        if person_id:
            people.append(Person(person_id, text(item.get(name_key)) or ""))
    return people
