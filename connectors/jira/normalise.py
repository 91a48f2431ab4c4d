"""Pure functions from Jira REST JSON to canonical records: issues, histories, changes, people, statuses.

No I/O and no clock. What cannot be read becomes a `Quarantined` record and the rest goes on.
Links (issuelinks and `Link` changelog items) are read in `normalise_links`, the changelog's
entries and items in `changelog`.

Jira facts this module relies on (shared/api/JIRA-NOTES.md):
* times look like `2020-06-12T08:13:13.360+0800` (offset without a colon); spec examples also
  carry `Z` and integer epochs;
* the embedded changelog is newest-first on Cloud, the paged endpoints oldest-first: histories
  are re-sorted here, oldest first, and de-duplicated by history id;
* status items carry status ids in `from`/`to` (names are localized and renamed), assignee items
  carry account ids (Data Center: user keys);
* a moved issue gets `Key` and `project` items; its team (the project key) changes with the key.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from orgpulse.errors import SchemaDriftError
from orgpulse.model import (
    Batch,
    HistoryRows,
    Issue,
    Person,
    Quarantined,
)

from ..kit.records import dump
from .changelog import (
    NO_FIELDS,
    RECORDED_KINDS,
    assignee_people,
    changelog_total,
    embedded_histories,
    initial_key,
    is_object,
    merge_histories,
    read_entries,
    record_item,
    unknown_statuses,
)
from .normalise_dc import BotRules, looks_like_service_account
from .normalise_links import LinkEvent, LinkTypeBook, normalise_links
from .normalise_meta import FieldIds, normalise_status, parse_jira_datetime
from .pages import Spans, encode_raw


def person_of(user: object) -> Person | None:
    """A Jira user object as a Person (accountId on Cloud; key or name on Data Center).

    A bot is an `accountType` "app" on Cloud; Data Center has no accountType, so there a user
    named like a service account is one (`normalise_dc.looks_like_service_account`).
    """
    if type(user) is dict:
        # A site's few people author every history entry: one Person per Cloud user, read once
        # (`_PEOPLE` holds only users whose three values are text, so a hit is such a user).
        try:
            return _PEOPLE[(user.get("accountId"), user.get("displayName"), user.get("accountType"))]
        except (KeyError, TypeError):  # not read yet, or a value that is not hashable
            pass
    elif not is_object(user):
        return None
    account, name, kind = user.get("accountId"), user.get("displayName"), user.get("accountType")
    if type(account) is not str or not account or type(name) is not str or type(kind) is not str:
        return _person(user)
    memo = (account, name, kind)
    person = _PEOPLE.get(memo)
    if person is None:
        if len(_PEOPLE) >= _PEOPLE_MAX:
            _PEOPLE.clear()
        person = _PEOPLE[memo] = _person(user)
    return person


_PEOPLE: dict[tuple[Any, Any, Any], Person | None] = {}
_PEOPLE_MAX = 50_000


def _authors(entries: Sequence[Mapping[str, Any]]) -> list[Person | None]:
    """`person_of` each entry's author, the people already read looked up inline (one per entry)."""
    found: list[Person | None] = []
    append, people = found.append, _PEOPLE
    for entry in entries:
        user = entry.get("author")
        if type(user) is dict:
            try:
                append(people[(user.get("accountId"), user.get("displayName"), user.get("accountType"))])
                continue
            except (KeyError, TypeError):  # not read yet, or a value that is not hashable
                pass
        append(person_of(user))
    return found


def _person(user: Mapping[str, Any]) -> Person | None:
    person_id = user.get("accountId") or user.get("key") or user.get("name")
    if not isinstance(person_id, str) or not person_id:
        return None
    kind = user.get("accountType")
    is_bot = kind == "app" if kind is not None else looks_like_service_account(user)
    return Person(person_id, str(user.get("displayName") or ""), is_bot=is_bot)


def normalise_issue(
    raw: Mapping[str, Any],
    histories: Sequence[Mapping[str, Any]] | None = None,
    *,
    fields: FieldIds = NO_FIELDS,
    links: LinkTypeBook | None = None,
    known_statuses: Collection[str] | None = None,
    keep_raw: bool = False,
    bots: BotRules | None = None,
    spans: Spans | None = None,
) -> Batch:
    """One search-result issue and its histories (default: the embedded ones) as a Batch.

    `history_complete[issue_id]` says whether every entry Jira counts was received. An issue that
    cannot be read is quarantined whole; a history entry that cannot be read is quarantined alone.
    With `known_statuses` (the ids `/status` listed), a status id it lacks — a retired status in
    old histories, or one created since — becomes a Status: from the issue's own status with its
    category, else from the changelog's name with `category_known=False`. The raw record (keep_raw)
    holds the entries as the server sent them when `spans` has their text (`pages.encode_raw`).
    """
    batch = Batch()
    native_id = str(raw.get("id", "?")) if isinstance(raw, Mapping) else "?"
    entries = merge_histories(embedded_histories(raw) if histories is None else histories)
    try:
        issue = _issue(raw, fields)
    except SchemaDriftError as exc:
        batch.quarantined.append(Quarantined(native_id, "jira_issue", str(exc), dump(raw)))
        return batch
    batch.issues.append(issue)
    status = raw["fields"].get("status")
    if isinstance(status, Mapping) and (known_statuses is None or issue.status_id not in known_statuses):
        # A status normalise_status cannot read is still named from the changelog, if it appears there.
        with contextlib.suppress(SchemaDriftError):
            batch.statuses.append(normalise_status(status))
    assignee = person_of(raw["fields"].get("assignee"))
    named_in_items: list[Person | None] = []  # names as of the change: used only for unseen people
    read = read_entries(issue.issue_id, entries, fields, batch)
    link_events: list[LinkEvent] = []
    # The items that make change records, oldest first (most entries change nothing orgpulse records).
    marked = [(item, kind) for _, _, item, kind in read.marked if kind in RECORDED_KINDS]
    key_now = initial_key(issue.key, marked)
    # Column by column (one pass each): most entries change nothing orgpulse records but their row.
    authors = _authors(read.entries)
    actors = [author.person_id if author else None for author in authors]
    issue_id = issue.issue_id
    batch.histories = HistoryRows.of_columns(
        issue_id=[issue_id] * len(actors),
        history_id=read.history_ids,
        at=read.times,
        actor_id=actors,
        item_count=read.item_counts,
    )
    history_ids, times = read.history_ids, read.times
    for position, index, item, kind in read.marked:
        if kind == "link":
            link_events.append(LinkEvent(times[position], key_now, item))
            continue
        at, history_id, actor = times[position], history_ids[position], actors[position]
        key_now = record_item(batch, kind, issue_id, history_id, index, at, actor, item, key_now)
        if kind == "assignee":
            named_in_items += assignee_people(item)
    if known_statuses is not None:
        batch.statuses += unknown_statuses(batch, known_statuses, marked)
    total = changelog_total(raw)
    received = len(entries)  # merged: each id once, and the entries without one
    # Without a total (no embedded changelog), only a caller that fetched the history can vouch.
    batch.history_complete[issue.issue_id] = received >= total if total is not None else histories is not None
    link_doc = raw["fields"].get("issuelinks")
    found, bad = normalise_links(
        issue.issue_id,
        issue.key,
        _status_done(status),
        link_doc if isinstance(link_doc, list) else [],
        link_events,
        links or LinkTypeBook.empty(),
    )
    batch.links += found
    batch.quarantined += bad
    # An author is one Person object per account (`person_of`): each is looked at once.
    people = [assignee, *{id(a): a for a in authors if a is not None}.values()]
    seen = dedupe_people(p for p in people if p is not None)
    ids = {p.person_id for p in seen}
    everyone = seen + dedupe_people(p for p in named_in_items if p is not None and p.person_id not in ids)
    if bots is not None:
        everyone = [
            replace(p, is_bot=True) if not p.is_bot and bots.names_bot(p.person_id, p.display_name) else p
            for p in everyone
        ]
    batch.people += everyone
    if keep_raw:
        kept = read.entries
        text = encode_raw(raw, kept, spans) if spans is not None else None
        batch.raw.append(("jira_issue", issue.issue_id, text or raw_with_histories(raw, kept)))
    return batch


def raw_with_histories(raw: Mapping[str, Any], histories: Sequence[Mapping[str, Any]]) -> str:
    """The issue payload with its complete history (oldest first) in place of the capped embed."""
    doc = dict(raw)
    changelog = dict(raw.get("changelog") or {})
    changelog.update({"startAt": 0, "maxResults": len(histories), "histories": list(histories)})
    doc["changelog"] = changelog
    return dump(doc)


def dedupe_people(people: Iterable[Person]) -> list[Person]:
    """One Person per id, preferring a named one and the bot flag when any copy has it."""
    best: dict[str, Person] = {}
    for person in people:
        known = best.get(person.person_id)
        if known is None:
            best[person.person_id] = person
            continue
        if known is person:
            continue
        name, is_bot = known.display_name or person.display_name, known.is_bot or person.is_bot
        if name != known.display_name or is_bot != known.is_bot:
            best[person.person_id] = Person(person.person_id, name, is_bot=is_bot)
    return list(best.values())


def _issue(raw: Mapping[str, Any], fields: FieldIds) -> Issue:
    if not isinstance(raw, Mapping):
        raise SchemaDriftError("an issue that is not an object")
    issue_id, key, doc = raw.get("id"), raw.get("key"), raw.get("fields")
    if not isinstance(issue_id, str | int) or isinstance(issue_id, bool) or not str(issue_id):
        raise SchemaDriftError("an issue without an id")
    if not isinstance(key, str) or "-" not in key:
        raise SchemaDriftError(f"issue {issue_id}: no key")
    if not isinstance(doc, Mapping):
        raise SchemaDriftError(f"issue {issue_id}: no fields (was the field list sent?)")
    project = doc.get("project")
    project_key = project.get("key") if isinstance(project, Mapping) else None
    if not isinstance(project_key, str) or not project_key:
        project_key = key.rsplit("-", 1)[0]
    status = doc.get("status")
    status_id = status.get("id") if isinstance(status, Mapping) else None
    if status_id is None or str(status_id) == "":
        raise SchemaDriftError(f"issue {issue_id}: no status")
    issue_type = doc.get("issuetype")
    if not isinstance(issue_type, Mapping):
        issue_type = {}
    type_name = str(issue_type.get("name") or "")
    level = issue_type.get("hierarchyLevel")
    is_epic = (isinstance(level, int) and level >= 1) or type_name.lower() == "epic"
    parent_id, parent_key = _parent(doc, fields)
    resolution = doc.get("resolution")
    priority = doc.get("priority")
    assignee = person_of(doc.get("assignee"))
    labels = doc.get("labels")
    return Issue(
        issue_id=str(issue_id),
        key=key,
        project_key=project_key,
        team_key=project_key,
        type_name=type_name,
        is_epic=is_epic,
        title=str(doc.get("summary") or ""),
        created=parse_jira_datetime(doc.get("created")),
        updated=parse_jira_datetime(doc.get("updated") or doc.get("created")),
        status_id=str(status_id),
        labels=tuple(str(label) for label in labels) if isinstance(labels, list) else (),
        priority=str(priority["name"]) if isinstance(priority, Mapping) and priority.get("name") else None,
        parent_id=parent_id,
        parent_key=parent_key,
        resolved=parse_jira_datetime(doc["resolutiondate"]) if doc.get("resolutiondate") else None,
        resolution=str(resolution["name"])
        if isinstance(resolution, Mapping) and resolution.get("name")
        else None,
        assignee_id=assignee.person_id if assignee else None,
        flagged=_flagged(doc, fields),
        history_total=changelog_total(raw),
        components=_names(doc.get("components")),
        team_field=_team(doc.get(fields.team) if fields.team else None),
    )


def _names(value: object) -> tuple[str, ...]:
    """The names of a list of named objects (components)."""
    if not isinstance(value, list):
        return ()
    return tuple(str(v["name"]) for v in value if isinstance(v, Mapping) and v.get("name"))


def _team(value: object) -> str | None:
    """The Team field's value: an object with name/title on most sites, a bare UUID string on some."""
    if isinstance(value, Mapping):
        name = value.get("name") or value.get("title") or value.get("id")
        return str(name) if name else None
    return value if isinstance(value, str) and value else None


def _parent(doc: Mapping[str, Any], fields: FieldIds) -> tuple[str | None, str | None]:
    parent = doc.get("parent")
    if isinstance(parent, Mapping) and (parent.get("id") or parent.get("key")):
        pid, pkey = parent.get("id"), parent.get("key")
        return (str(pid) if pid else None), (str(pkey) if pkey else None)
    # Epic Link (deprecated on Cloud in favour of `parent`, still set on older data): the epic's key.
    epic = doc.get(fields.epic_link) if fields.epic_link else None
    if isinstance(epic, str) and epic:
        return None, epic
    if isinstance(epic, Mapping) and epic.get("key"):
        return (str(epic["id"]) if epic.get("id") else None), str(epic["key"])
    return None, None


def _flagged(doc: Mapping[str, Any], fields: FieldIds) -> bool:
    value = doc.get(fields.flagged) if fields.flagged else None
    if isinstance(value, list):
        return len(value) > 0
    if value is not None:
        return bool(value)
    # The agile endpoints expose a boolean `flagged`; the platform search does not.
    return doc.get("flagged") is True


def _status_done(status: object) -> bool | None:
    if not isinstance(status, Mapping) or not isinstance(status.get("statusCategory"), Mapping):
        return None
    return bool(status["statusCategory"].get("key") == "done")
