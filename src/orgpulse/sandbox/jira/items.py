"""Jira changelog items (`ChangeDetails`) for the generator's history items, as Cloud writes them.

Status items carry status ids in from/to and names in fromString/toString; assignee items carry
accountIds; `Link`, `Key`, `Workflow`, `RemoteIssueLink` and `WorklogId` items have no `fieldId`
(so a bulk changelog `fieldIds` filter drops them, as on the real service).
"""

from __future__ import annotations

from typing import Any

from orgpulse.sandbox.org import site as cat
from orgpulse.sandbox.org.model import Issue, Item, Link, Org

Json = dict[str, Any]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _item(
    field: str, fieldtype: str, field_id: str | None, change: tuple[object, object, object, object]
) -> Json:
    result: Json = {"field": field, "fieldtype": fieldtype}
    if field_id is not None:
        result["fieldId"] = field_id
    result["from"], result["fromString"], result["to"], result["toString"] = change
    return result


def _link_text(link: Link, issue: Issue) -> tuple[str, str]:
    link_type = cat.LINK_TYPE_BY_ID[link.type_id]
    if link.outward is issue:
        return link.inward.key, f"This issue {link_type.outward} {link.inward.key}"
    return link.outward.key, f"This issue {link_type.inward} {link.outward.key}"


def _sprint_values(org: Org, issue: Issue, count: int) -> tuple[str, str]:
    sprints = [org.sprint_by_id[s] for s in issue.sprints[:count]]
    return ", ".join(str(s.sprint_id) for s in sprints), ", ".join(s.name for s in sprints)


def render_item(org: Org, issue: Issue, item: Item) -> Json:
    kind, a, b = item
    if kind == "status":
        names = cat.STATUS_BY_ID[a].name, cat.STATUS_BY_ID[b].name
        return _item("status", "jira", "status", (str(a), names[0], str(b), names[1]))
    if kind == "assignee":
        people = org.people
        before = (people[a].account_id, people[a].display_name) if a >= 0 else (None, None)
        after = (people[b].account_id, people[b].display_name) if b >= 0 else (None, None)
        return _item("assignee", "jira", "assignee", (*before, *after))
    if kind == "resolution":
        # Set from empty, changed, or cleared (a reopened issue): ids in from/to, names in the strings.
        before = (str(a), cat.RESOLUTIONS[a][0]) if a >= 0 else (None, None)
        after = (str(b), cat.RESOLUTIONS[b][0]) if b >= 0 else (None, None)
        return _item("resolution", "jira", "resolution", (*before, *after))
    if kind == "flag":
        on = (cat.FLAG_OPTION_ID, "Impediment")
        off = (None, None)
        return _item("Flagged", "custom", cat.FLAGGED_FIELD, (*(on if a else off), *(on if b else off)))
    if kind == "link":
        other, text = _link_text(org.links[a], issue)
        change = (None, None, other, text) if b else (other, text, None, None)
        return _item("Link", "jira", None, change)
    if kind == "key":
        return _item("Key", "jira", None, (None, issue.old_keys[0], None, issue.key))
    if kind == "project":
        origin, target = org.teams[a], org.teams[b]
        moved = (str(origin.project_id), origin.name, str(target.project_id), target.name)
        return _item("project", "jira", "project", moved)
    if kind == "workflow":
        origin, target = org.teams[a], org.teams[b]
        moved = (str(12000 + a), origin.workflow.name, str(12000 + b), target.workflow.name)
        return _item("Workflow", "jira", None, moved)
    if kind == "sprint":
        return _item(
            "Sprint",
            "custom",
            cat.SPRINT_FIELD,
            (*_sprint_values(org, issue, a), *_sprint_values(org, issue, b)),
        )
    return _filler_item(issue, kind, a, b)


def _filler_item(issue: Issue, kind: str, a: int, b: int) -> Json:
    if kind == "rank":
        return _item("Rank", "custom", cat.RANK_FIELD, ("", "", "", "Ranked higher" if a else "Ranked lower"))
    if kind == "label":
        return _item(
            "labels",
            "jira",
            "labels",
            (None, " ".join(issue.labels[:a]), None, " ".join(issue.labels[: a + 1])),
        )
    if kind == "priority":
        names = cat.PRIORITIES[a], cat.PRIORITIES[b]
        return _item("priority", "jira", "priority", (str(a), names[0], str(b), names[1]))
    if kind == "desc":
        ref = f'{{"id":"ari:cloud:jira:sandbox:issuefieldvalue/{issue.issue_id}","version":"{b + 1}"}}'
        return _item("description", "jira", "description", (None, None, ref, f"{issue.summary} (v{b + 1})"))
    if kind == "worklog":
        spent = str(a) if a else None
        return _item("timespent", "jira", "timespent", (spent, spent, str(b), str(b)))
    if kind == "worklogid":
        return _item("WorklogId", "jira", None, (None, None, str(a), str(a)))
    if kind == "estimate":
        estimate = str(a) if a else None
        return _item("timeestimate", "jira", "timeestimate", (estimate, estimate, str(b), str(b)))
    if kind == "remote":
        text = f'This issue links to "Pull request #{100 + b} (Web Link)"'
        return _item("RemoteIssueLink", "jira", None, (None, None, str(10000 + b), text))
    if kind == "attach":
        return _item("Attachment", "jira", "attachment", (None, None, str(20000 + b), f"screenshot-{b}.png"))
    if kind == "fixversion":
        return _item("Fix Version", "jira", "fixVersions", (None, None, str(a), f"v1.{a - 10000}"))
    if kind == "startdate":
        day = f"2026-{1 + b % 12:02d}-{1 + b % 28:02d}"
        shown = f"{1 + b % 28}/{_MONTHS[b % 12]}/26"
        return _item("Start date", "custom", cat.START_DATE_FIELD, (None, None, day, shown))
    raise ValueError(f"unknown history item kind {kind!r}")
