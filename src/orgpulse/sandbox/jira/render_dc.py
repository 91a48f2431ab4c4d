"""Renders the organisation as Jira Data Center 9 REST v2 JSON: the Cloud renderer, DC-shaped.

Differences from Cloud, as the real DC payloads show them (shared/api/jira/samples/devlake
server rows, the DC changelog sample in tests/test_jira_dc_normalise.py, JIRA-NOTES §2):
* users have `name`, `key`, `emailAddress`, `displayName`, `active`, `timeZone` and no
  `accountId` or `accountType`; a third of the people have a `JIRAUSER<n>` key (users created
  since Jira 8), the others a key equal to their name; apps are service accounts named `*-bot`;
* changelog items have no `fieldId`; assignee items carry user keys in `from`/`to`; a Flagged
  item carries `[<option id>]`; a description item carries the texts, not an ADF reference;
* the Sprint field holds legacy `com.atlassian.greenhopper.service.sprint.Sprint@...[...]`
  strings; an epic is named by key in the Epic Link field and `parent` is set on sub-tasks only;
* no Team field, no `statuscategorychangedate`; issue types have no `hierarchyLevel`, statuses no
  `untranslatedName`, projects in issues no `projectTypeKey`/`simplified`; `/field` entries have
  no `key`, Sprint is `{"type": "array", "items": "string"}` and story points a float "Story Points".
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Callable

from orgpulse.sandbox.jira.fields import field_list
from orgpulse.sandbox.jira.render import JiraRenderer, Json
from orgpulse.sandbox.org import site as cat
from orgpulse.sandbox.org.model import Issue, Item, Org, Person
from orgpulse.sandbox.org.weeks import SITE_TZ_NAME, utc_z

EMAIL_DOMAIN = "sandbox.orgpulse.invalid"
JIRAUSER_BASE = 10100
FLOAT_TYPE = "com.atlassian.jira.plugin.system.customfieldtypes:float"
SPRINT_CLASS = "com.atlassian.greenhopper.service.sprint.Sprint"
AVATAR_SIZES = (("48x48", ""), ("24x24", "size=small&"), ("16x16", "size=xsmall&"), ("32x32", "size=medium&"))


def user_names(people: tuple[Person, ...]) -> list[tuple[str, str]]:
    """(name, key) of every person: ASCII `first.last` names, `<tool>-bot` for apps, some JIRAUSER keys."""
    found: list[tuple[str, str]] = []
    taken: set[str] = set()
    for person in people:
        ascii_name = unicodedata.normalize("NFKD", person.display_name).encode("ascii", "ignore").decode()
        words = [w for w in "".join(c if c.isalnum() else " " for c in ascii_name.lower()).split() if w]
        if person.account_type == "app":
            base = f"{words[0] if words else 'app'}-bot"
        else:
            base = ".".join(words) or f"user{person.index}"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}{n}"
        taken.add(name)
        renamed = person.account_type != "app" and person.index % 3 == 1
        found.append((name, f"JIRAUSER{JIRAUSER_BASE + person.index}" if renamed else name))
    return found


def dc_field_list() -> list[Json]:
    """GET /rest/api/2/field as DC answers it (see the module docstring)."""
    result: list[Json] = []
    for entry in field_list():
        if entry["id"] in (cat.TEAM_FIELD, "statuscategorychangedate"):
            continue
        entry = {k: v for k, v in entry.items() if k != "key"}
        schema = entry.get("schema")
        if entry["id"] == cat.SPRINT_FIELD and isinstance(schema, dict):
            schema["items"] = "string"
        elif entry["id"] == cat.STORY_POINTS_FIELD and isinstance(schema, dict):
            number = schema.get("customId")
            entry["name"] = "Story Points"
            entry["clauseNames"] = [f"cf[{number}]", "Story Points"]
            entry["schema"] = {"type": "number", "custom": FLOAT_TYPE, "customId": number}
        result.append(entry)
    return result


class DcRenderer(JiraRenderer):
    """JSON for one organisation served at `base` in the Data Center dialect (REST v2 only)."""

    def __init__(self, org: Org, base: str) -> None:
        self.logins = user_names(org.people)
        super().__init__(org, base)

    def login(self, index: int) -> tuple[str, str]:
        """(name, key) of person `index`."""
        return self.logins[index]

    def user(self, person: Person, version: str) -> Json:
        name, key = self.logins[person.index]
        avatar = f"{self.base}/secure/useravatar?{{}}avatarId={10300 + person.index % 40}"
        sizes = AVATAR_SIZES
        return {
            "self": f"{self.api(version)}/user?username={name}",
            "name": name,
            "key": key,
            "emailAddress": f"{name}@{EMAIL_DOMAIN}",
            "avatarUrls": {size: avatar.format(query) for size, query in sizes},
            "displayName": person.display_name,
            "active": True,
            "timeZone": SITE_TZ_NAME,
        }

    def status(self, status_id: int, version: str) -> Json:
        found = super().status(status_id, version)
        found.pop("untranslatedName", None)
        return found

    def issue_type(self, type_id: int, version: str) -> Json:
        found = super().issue_type(type_id, version)
        found.pop("hierarchyLevel", None)
        avatar = found["avatarId"]
        found["iconUrl"] = f"{self.base}/secure/viewavatar?size=xsmall&avatarId={avatar}&avatarType=issuetype"
        return found

    def project(self, key: str, version: str) -> Json:
        found = super().project(key, version)
        found.pop("projectTypeKey", None)
        found.pop("simplified", None)
        team = self.org.team_by_key[key]
        avatar = f"{self.base}/secure/projectavatar?{{}}avatarId={10400 + team.index}"
        sizes = AVATAR_SIZES
        found["avatarUrls"] = {size: avatar.format(query) for size, query in sizes}
        return found

    def _field_getters(self) -> dict[str, Callable[[Issue, str], object]]:
        getters = super()._field_getters()
        del getters[cat.TEAM_FIELD]
        del getters["statuscategorychangedate"]
        getters[cat.SPRINT_FIELD] = self._legacy_sprints
        getters["parent"] = lambda i, v: (
            self.linked_issue(i.parent, v)
            if i.parent is not None and i.parent.type_id != cat.EPIC.type_id
            else None
        )
        return getters

    def fields(self, issue: Issue, version: str, wanted: tuple[str, ...]) -> Json:
        result = super().fields(issue, version, wanted)
        if result.get("parent", 0) is None:
            del result["parent"]  # only sub-tasks have one on DC; the epic is in Epic Link
        return result

    def _legacy_sprints(self, issue: Issue, version: str) -> list[str] | None:
        if not issue.sprints:
            return None
        return [self.sprint_string(sprint_id) for sprint_id in issue.sprints]

    def sprint_string(self, sprint_id: int) -> str:
        """The legacy `Sprint@hash[...]` string Jira Server / DC writes for one sprint."""
        s = self.org.sprint_by_id[sprint_id]
        started = s.state != "future"
        # Jira 9 writes the attributes in alphabetical order (Jira 8 began with id, rapidViewId).
        attributes = (
            ("activatedDate", utc_z(s.start_ms) if started else "<null>"),
            ("autoStartStop", "false"),
            ("completeDate", utc_z(s.complete_ms) if s.complete_ms > 0 else "<null>"),
            ("endDate", utc_z(s.end_ms) if started else "<null>"),
            ("goal", ""),
            ("id", str(s.sprint_id)),
            ("incompleteIssuesDestinationId", "<null>"),
            ("name", s.name),
            ("rapidViewId", str(s.board_id)),
            ("sequence", str(s.sprint_id)),
            ("startDate", utc_z(s.start_ms) if started else "<null>"),
            ("state", s.state.upper()),
            ("synced", "false"),
        )
        digest = zlib.crc32(f"{self.org.seed}:{s.sprint_id}".encode())
        return f"{SPRINT_CLASS}@{digest:x}[" + ",".join(f"{k}={v}" for k, v in attributes) + "]"

    def item(self, issue: Issue, item: Item, version: str) -> Json:
        found = super().item(issue, item, version)
        found.pop("fieldId", None)
        kind, a, b = item
        if kind == "assignee":
            found["from"] = self.logins[a][1] if a >= 0 else None
            found["to"] = self.logins[b][1] if b >= 0 else None
        elif kind == "flag":
            found["from"] = f"[{cat.FLAG_OPTION_ID}]" if a else None
            found["to"] = f"[{cat.FLAG_OPTION_ID}]" if b else ""
            found["toString"] = found["toString"] or ""
        elif kind == "desc":
            found["to"] = None
            found["fromString"] = f"{issue.summary} (v{b})" if b else None
        return found
