"""Renders the organisation as Jira Cloud REST JSON (v2 and v3), shaped like the real payloads.

Issues are rendered lazily, per request; an issue's histories are encoded once into compact JSON
strings (kept in a small LRU cache) because search pages, the bulk changelog and the per-issue
changelog all cut slices of the same list. v2 and v3 differ only in `self` URLs and in the
description (plain text in v2, Atlassian Document Format in v3).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from orgpulse.sandbox.jira.items import render_item
from orgpulse.sandbox.org import site as cat
from orgpulse.sandbox.org.history import Entry, full_history
from orgpulse.sandbox.org.model import ExtIssue, Issue, Item, Link, Org, Person
from orgpulse.sandbox.org.weeks import SITE_TZ_NAME, jira_datetime, utc_z

Json = dict[str, Any]
_AVATAR = (
    "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{}-{}.png?size={}&s={}"
)
_CACHE_SIZE = 2048
ISSUE_EXPAND = "operations,versionedRepresentations,editmeta,changelog,renderedFields"


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def compact(value: object) -> str:
    return _ENCODER.encode(value)


class JiraRenderer:
    """JSON for one organisation served at `base` (e.g. "http://127.0.0.1:8080")."""

    def __init__(self, org: Org, base: str) -> None:
        self.org = org
        self.base = base
        self._users: dict[tuple[int, str], str] = {}
        self._histories: OrderedDict[tuple[int, str], list[str]] = OrderedDict()
        self._lock = threading.Lock()
        self._links_of: dict[int, list[Link]] = {}
        for link in org.links:
            for side in (link.outward, link.inward):
                if isinstance(side, Issue):
                    self._links_of.setdefault(side.ordinal, []).append(link)
        self._subtasks: dict[int, list[Issue]] = {}
        for issue in org.issues:
            if issue.parent is not None and issue.type_id == cat.SUBTASK.type_id:
                self._subtasks.setdefault(issue.parent.ordinal, []).append(issue)
        self.field_getters: dict[str, Callable[[Issue, str], object]] = self._field_getters()

    # -- metadata ---------------------------------------------------------------------------
    def api(self, version: str) -> str:
        return f"{self.base}/rest/api/{version}"

    def user(self, person: Person, version: str) -> Json:
        initials = "".join(part[0] for part in person.display_name.split()[:2]).upper()
        n = person.index % 5 + 1
        return {
            "self": f"{self.api(version)}/user?accountId={person.account_id}",
            "accountId": person.account_id,
            "avatarUrls": {f"{s}x{s}": _AVATAR.format(initials, n, s, s) for s in (48, 24, 16, 32)},
            "displayName": person.display_name,
            "active": True,
            "timeZone": SITE_TZ_NAME,
            "accountType": person.account_type,
        }

    def user_json(self, index: int, version: str) -> str:
        key = (index, version)
        text = self._users.get(key)
        if text is None:
            text = compact(self.user(self.org.people[index], version))
            self._users[key] = text
        return text

    def category(self, category_id: int, version: str) -> Json:
        key, name, color = cat.CATEGORIES[category_id]
        url = f"{self.api(version)}/statuscategory/{category_id}"
        return {"self": url, "id": category_id, "key": key, "colorName": color, "name": name}

    def status(self, status_id: int, version: str) -> Json:
        status = cat.STATUS_BY_ID[status_id]
        icon = "inprogress" if status.category == cat.INDETERMINATE else "generic"
        return {
            "self": f"{self.api(version)}/status/{status_id}",
            "description": status.description,
            "iconUrl": f"{self.base}/images/icons/statuses/{icon}.png",
            "name": status.name,
            "untranslatedName": status.name,
            "id": str(status_id),
            "statusCategory": self.category(status.category, version),
        }

    def link_type(self, type_id: int, version: str) -> Json:
        lt = cat.LINK_TYPE_BY_ID[type_id]
        url = f"{self.api(version)}/issueLinkType/{type_id}"
        return {"id": str(type_id), "name": lt.name, "inward": lt.inward, "outward": lt.outward, "self": url}

    def issue_type(self, type_id: int, version: str) -> Json:
        t = cat.TYPE_BY_ID[type_id]
        return {
            "self": f"{self.api(version)}/issuetype/{type_id}",
            "id": str(type_id),
            "description": t.description,
            "iconUrl": f"{self.api(version)}/universal_avatar/view/type/issuetype/avatar/{t.avatar_id}"
            "?size=medium",
            "name": t.name,
            "subtask": t.subtask,
            "avatarId": t.avatar_id,
            "hierarchyLevel": t.hierarchy,
        }

    def priority(self, priority: int, version: str) -> Json:
        name = cat.PRIORITIES[priority]
        return {
            "self": f"{self.api(version)}/priority/{priority}",
            "iconUrl": f"{self.base}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": str(priority),
        }

    def project(self, key: str, version: str) -> Json:
        team = self.org.team_by_key[key]
        avatar = f"{self.api(version)}/universal_avatar/view/type/project/avatar/{10400 + team.index}"
        return {
            "self": f"{self.api(version)}/project/{team.project_id}",
            "id": str(team.project_id),
            "key": team.key,
            "name": team.name,
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": {
                "48x48": avatar,
                "24x24": f"{avatar}?size=small",
                "16x16": f"{avatar}?size=xsmall",
                "32x32": f"{avatar}?size=medium",
            },
        }

    # -- issue fields -----------------------------------------------------------------------
    def _field_getters(self) -> dict[str, Callable[[Issue, str], object]]:
        people = self.org.people
        return {
            "summary": lambda i, v: i.summary,
            "issuetype": lambda i, v: self.issue_type(i.type_id, v),
            "project": lambda i, v: self.project(i.team, v),
            "status": lambda i, v: self.status(i.status, v),
            "priority": lambda i, v: self.priority(i.priority, v),
            "assignee": lambda i, v: self.user(people[i.assignee], v) if i.assignee >= 0 else None,
            "reporter": lambda i, v: self.user(people[i.reporter], v),
            "creator": lambda i, v: self.user(people[i.reporter], v),
            "created": lambda i, v: jira_datetime(i.created),
            "updated": lambda i, v: jira_datetime(i.updated),
            "resolution": self._resolution,
            "resolutiondate": lambda i, v: jira_datetime(i.resolved) if i.resolution >= 0 else None,
            "statuscategorychangedate": lambda i, v: jira_datetime(i.category_changed),
            "labels": lambda i, v: list(i.labels),
            "components": lambda i, v: [],
            "description": self._description,
            "issuelinks": self._issuelinks,
            "parent": lambda i, v: self.linked_issue(i.parent, v) if i.parent is not None else None,
            "subtasks": lambda i, v: [self.linked_issue(s, v) for s in self._subtasks.get(i.ordinal, [])],
            cat.SPRINT_FIELD: self._sprints,
            cat.FLAGGED_FIELD: self._flagged,
            cat.EPIC_LINK_FIELD: lambda i, v: (
                i.parent.key if i.parent is not None and i.parent.type_id == cat.EPIC.type_id else None
            ),
            cat.RANK_FIELD: lambda i, v: f"0|i{i.ordinal:05x}:",
            cat.TEAM_FIELD: self._team,
            cat.STORY_POINTS_FIELD: lambda i, v: i.story_points,
            cat.START_DATE_FIELD: lambda i, v: None,
            cat.BLOCKED_REASON_FIELD: lambda i, v: None,
        }

    def fields(self, issue: Issue, version: str, wanted: tuple[str, ...]) -> Json:
        result: Json = {}
        getters = self.field_getters
        for name in wanted:
            if name == "parent" and issue.parent is None:
                continue  # Cloud leaves `parent` out rather than sending null
            result[name] = getters[name](issue, version)
        return result

    def _resolution(self, issue: Issue, version: str) -> Json | None:
        if issue.resolution < 0:
            return None
        name, description = cat.RESOLUTIONS[issue.resolution]
        url = f"{self.api(version)}/resolution/{issue.resolution}"
        return {"self": url, "id": str(issue.resolution), "description": description, "name": name}

    def _description(self, issue: Issue, version: str) -> object:
        text = f"{issue.summary}. See the epic for the context."
        if version == "2":
            return text
        paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
        return {"type": "doc", "version": 1, "content": [paragraph]}

    def _sprints(self, issue: Issue, version: str) -> list[Json] | None:
        if not issue.sprints:
            return None
        result = []
        for sprint_id in issue.sprints:
            s = self.org.sprint_by_id[sprint_id]
            value: Json = {
                "id": s.sprint_id,
                "name": s.name,
                "state": s.state,
                "boardId": s.board_id,
                "goal": "",
            }
            if s.state != "future":
                value["startDate"], value["endDate"] = utc_z(s.start_ms), utc_z(s.end_ms)
            if s.complete_ms > 0:
                value["completeDate"] = utc_z(s.complete_ms)
            result.append(value)
        return result

    def _flagged(self, issue: Issue, version: str) -> list[Json] | None:
        if not issue.flagged:
            return None
        url = f"{self.api(version)}/customFieldOption/{cat.FLAG_OPTION_ID}"
        return [{"self": url, "value": "Impediment", "id": cat.FLAG_OPTION_ID}]

    def _team(self, issue: Issue, version: str) -> Json:
        team = self.org.team_by_key[issue.team]
        return {
            "id": team.team_uuid,
            "name": team.name,
            "avatarUrl": "",
            "isVisible": True,
            "isVerified": False,
            "title": team.name,
            "isShared": True,
        }

    def linked_issue(self, other: Issue | ExtIssue, version: str) -> Json:
        if isinstance(other, Issue):
            status, priority, type_id, summary = other.status, other.priority, other.type_id, other.summary
        else:
            status, priority, type_id, summary = other.status_id, other.priority, other.type_id, other.summary
        return {
            "id": str(other.issue_id),
            "key": other.key,
            "self": f"{self.api(version)}/issue/{other.issue_id}",
            "fields": {
                "summary": summary,
                "status": self.status(status, version),
                "priority": self.priority(priority, version),
                "issuetype": self.issue_type(type_id, version),
            },
        }

    def _issuelinks(self, issue: Issue, version: str) -> list[Json]:
        result = []
        for link in self._links_of.get(issue.ordinal, []):
            if link.removed > 0:
                continue
            entry: Json = {
                "id": str(link.link_id),
                "self": f"{self.api(version)}/issueLink/{link.link_id}",
                "type": self.link_type(link.type_id, version),
            }
            if link.outward is issue:  # this issue "blocks" the other: the other is the outward issue
                entry["outwardIssue"] = self.linked_issue(link.inward, version)
            else:
                entry["inwardIssue"] = self.linked_issue(link.outward, version)
            result.append(entry)
        return result

    # -- histories --------------------------------------------------------------------------
    def entries(self, issue: Issue) -> list[Entry]:
        return full_history(issue, self.org.team_by_key[issue.team], self.org.calendar.horizon_ms)

    def history_strings(self, issue: Issue, version: str) -> list[str]:
        """The issue's histories as compact JSON, oldest first (cached)."""
        key = (issue.ordinal, version)
        with self._lock:
            cached = self._histories.get(key)
            if cached is not None:
                self._histories.move_to_end(key)
                return cached
        rendered = [self._history_json(issue, entry, version) for entry in self.entries(issue)]
        with self._lock:
            self._histories[key] = rendered
            if len(self._histories) > _CACHE_SIZE:
                self._histories.popitem(last=False)
        return rendered

    def _history_json(self, issue: Issue, entry: Entry, version: str) -> str:
        items = compact([self.item(issue, item, version) for item in _expand(entry.items)])
        author = f'"author":{self.user_json(entry.actor, version)},' if entry.actor >= 0 else ""
        return f'{{"id":"{entry.history_id}",{author}"created":"{jira_datetime(entry.at)}","items":{items}}}'

    def history_dict(
        self, issue: Issue, entry: Entry, version: str, field_ids: set[str] | None
    ) -> Json | None:
        """One history as a dict, keeping only items of `field_ids` (None: all); None when empty."""
        items = [self.item(issue, item, version) for item in _expand(entry.items)]
        if field_ids is not None:
            items = [item for item in items if item.get("fieldId") in field_ids]
            if not items:
                return None
        result: Json = {"id": str(entry.history_id)}
        if entry.actor >= 0:
            result["author"] = self.user(self.org.people[entry.actor], version)
        result["created"] = jira_datetime(entry.at)
        result["items"] = items
        return result

    def item(self, issue: Issue, item: Item, version: str) -> Json:
        return render_item(self.org, issue, item)


def _expand(items: tuple[Item, ...]) -> list[Item]:
    """Generator items that Jira writes as several changelog items."""
    result: list[Item] = []
    for item in items:
        if item[0] == "move":
            result += [("key", 0, 0), ("project", item[1], item[2]), ("workflow", item[1], item[2])]
        elif item[0] == "fixv":
            result += [("fixversion", item[1], 0), ("fixversion", item[2], 0)]
        else:
            result.append(item)
    return result
