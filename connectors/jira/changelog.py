"""Pure functions over a Jira changelog: its entries gathered, counted and ordered, and its items
read as change records (status, assignee, key and team, flag, resolution, parent). No I/O.

Entries come from several fetches (the embed, the bulk changelog, the per-issue pages), newest-
or oldest-first: they are merged by history id and sorted oldest first (JIRA-NOTES.md). Status
items carry status ids, assignee items account ids (Data Center: user keys); a moved issue gets a
`Key` item, and its team (the project key) changes with it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import attrgetter, itemgetter, methodcaller
from typing import Any, NamedTuple, TypeGuard

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


class Distinct(list[Mapping[str, Any]]):
    """History entries known to be objects whose ids are all text, each id once (`merge_histories`
    made them so): merged again alone they stay as they are, and their count is their length."""


def merge_histories(*sources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Histories from several fetches, each id once (the first seen wins), in no promised order."""
    if len(sources) == 1 and type(sources[0]) is Distinct:
        return sources[0]
    listed = [source if isinstance(source, list) else list(source) for source in sources]
    merged = _merged_by_text_ids(listed)
    if merged is not None:
        return merged
    seen: dict[str, Mapping[str, Any]] = {}
    anonymous: list[Mapping[str, Any]] = []
    for source in listed:
        for entry in source:
            if type(entry) is not dict and not isinstance(entry, Mapping):
                continue
            history_id = entry.get("id")
            if history_id is None:
                anonymous.append(entry)
            else:
                seen.setdefault(history_id if type(history_id) is str else str(history_id), entry)
    return [*seen.values(), *anonymous]


_ID = itemgetter("id")


def _text_ids(entries: list[Mapping[str, Any]]) -> list[str] | None:
    """The entries' ids when every entry is an object whose id is text (the common case), else None."""
    try:
        ids = list(map(_ID, entries))
    except (KeyError, TypeError):  # an entry without an id, or one that is not an object
        return None
    return ids if not ids or set(map(type, ids)) == {str} else None


def _merged_by_text_ids(sources: list[list[Mapping[str, Any]]]) -> Distinct | None:
    """`merge_histories` of entries whose ids are all text, in the order it gives; None otherwise
    (the general path reads them one by one)."""
    merged = Distinct()
    seen: set[str] = set()
    for source in sources:
        ids = _text_ids(source)
        if ids is None:
            return None
        if not seen and len(set(ids)) == len(ids):
            merged += source  # each id once already
            seen.update(ids)
            continue
        for entry, history_id in zip(source, ids, strict=True):
            if history_id not in seen:
                seen.add(history_id)
                merged.append(entry)
    return merged


def embedded_histories(raw_issue: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    changelog = raw_issue.get("changelog")
    histories = changelog.get("histories") if isinstance(changelog, Mapping) else None
    if not isinstance(histories, list):
        return []
    if set(map(type, histories)) <= {dict}:  # the common case, told by one C-level pass
        return list(histories)
    return [h for h in histories if type(h) is dict or isinstance(h, Mapping)]


def changelog_total(raw_issue: Mapping[str, Any]) -> int | None:
    """The number of history entries Jira counts for the issue (embedded `changelog.total`)."""
    changelog = raw_issue.get("changelog")
    total = changelog.get("total") if isinstance(changelog, Mapping) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def history_ids(histories: Iterable[Mapping[str, Any]]) -> set[str]:
    listed = histories if isinstance(histories, list) else list(histories)
    ids = _text_ids(listed)
    if ids is not None:
        return set(ids)
    return {str(h["id"]) for h in listed if h.get("id") is not None}


def distinct_count(histories: Iterable[Mapping[str, Any]]) -> int:
    """How many distinct history ids the entries hold (`len(history_ids(...))`)."""
    if type(histories) is Distinct:
        return len(histories)
    return len(history_ids(histories))


class Changelog(NamedTuple):
    """An issue's readable history entries, oldest first (then by numeric id), read once, as columns.

    `marked` holds, in order, the object items that make a change record (RECORDED_KINDS) or a
    link event: (entry position, item index among the entry's object items, item, kind).
    """

    entries: list[Mapping[str, Any]]
    history_ids: list[str]
    times: list[datetime]
    item_counts: list[int]
    marked: list[tuple[int, int, Mapping[str, Any], str]]


def read_entries(
    issue_id: str, entries: Sequence[Mapping[str, Any]], fields: FieldIds, batch: Batch
) -> Changelog:
    """The entries that have an id and a readable time, oldest first (then by numeric id), each
    read once: its id as text, its time, how many object items it has, and those of its items that
    orgpulse reads (`item_kind`). An entry without an id or a time is quarantined in `batch`."""
    dated = _dated_at_once(entries)
    if dated is None:
        dated = _dated(issue_id, entries, batch)
    dated.sort()
    if not dated:
        return Changelog([], [], [], [], [])
    times, _, ids, places = map(list, zip(*dated, strict=True))
    kept = list(map(entries.__getitem__, places))
    return Changelog(kept, ids, times, *_read_items(kept, fields))


def _read_items(entries: list[Mapping[str, Any]], fields: FieldIds) -> tuple[list[int], list[MarkedItem]]:
    """How many object items each entry has, and the items orgpulse reads (`Changelog.marked`)."""
    counts: list[int] = []
    marked: list[MarkedItem] = []
    kinds = fields.kinds
    for position, entry in enumerate(entries):
        index = 0
        for item in entry.get("items") or ():
            if type(item) is not dict and not isinstance(item, Mapping):
                continue
            try:
                kind = kinds.get((item.get("fieldId"), item.get("field"))) or item_kind(item, fields)
            except TypeError:  # a value that is not hashable
                kind = item_kind(item, fields)
            if kind in _READ_KINDS:
                marked.append((position, index, item, kind))
            index += 1
        counts.append(index)
    return counts, marked


# An item orgpulse reads, as `Changelog.marked` holds it: (entry position, item index, item, kind).
MarkedItem = tuple[int, int, Mapping[str, Any], str]


_CREATED = itemgetter("created")
_TZINFO = attrgetter("tzinfo")
_IN_UTC = methodcaller("astimezone", UTC)
# An entry's sort key in `read_entries`: its time, its id as a number (0 if not digits), its id,
# its position (last: no two tie).
Dated = tuple[datetime, int, str, int]


def _dated_at_once(entries: Sequence[Mapping[str, Any]]) -> list[Dated] | None:
    """`_dated` of an issue whose every entry has a non-empty id of digits as text and a time
    `datetime.fromisoformat` reads with its offset (every Jira Cloud and Data Center entry), by
    C-level passes over the entries rather than one Python step each; None for any other issue.

    fromisoformat reads the same instant as `parse_jira_datetime` wherever it reads an offset at
    all (its inline step; the rest only rewrites `Z` and `+0800` into forms it reads alike)."""
    try:
        ids = list(map(_ID, entries))
        parsed = list(map(datetime.fromisoformat, map(_CREATED, entries)))
    except (KeyError, TypeError, ValueError):  # no id or time, not an object, a time it cannot read
        return None
    if (
        set(map(type, ids)) != {str}
        or "" in ids
        or not "".join(ids).isdigit()
        or None in map(_TZINFO, parsed)
    ):
        return None
    try:
        numbers = list(map(int, ids))
    except ValueError:  # digits int() does not read (superscripts): `_dated` says so as before
        return None
    return list(zip(map(_IN_UTC, parsed), numbers, ids, range(len(ids)), strict=True))


def _dated(issue_id: str, entries: Sequence[Mapping[str, Any]], batch: Batch) -> list[Dated]:
    """Each entry that has an id and a readable time as its sort key, unsorted; the others
    quarantined in `batch`."""
    dated: list[Dated] = []
    append = dated.append
    for position, entry in enumerate(entries):
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
        append((at, int(found) if found.isdigit() else 0, found, position))
    return dated


# An item with what it changes (`item_kind`), as `read_entries` marks them.
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
_READ_KINDS = RECORDED_KINDS | {"link"}  # and the link items (`normalise_links`)


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
