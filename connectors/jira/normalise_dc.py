"""Pure helpers for what Jira Data Center / Server writes differently from Jira Cloud. No I/O.

Everything else is read by the Cloud normalisers (`normalise`, `normalise_links`,
`normalise_meta`), which already accept DC payloads. The differences (JIRA-NOTES §2, §5 and the
real DC payloads under shared/api/jira/samples/ and in tests/test_jira_dc_normalise.py):

* users carry `name` and `key` and no `accountId`; the person id is the user **key**, which
  stays put when a user is renamed (`JIRAUSER12345` for users created since Jira 8), and
  assignee changelog items carry user keys in `from`/`to` — `normalise.person_of` reads both;
* no `accountType`, so bots are told by their names (`looks_like_service_account`): a user
  whose name, key or display name has a word such as `bot`, `automation`, `svc`, `integration`
  or the name of a common integration (`jira-bot`, `svc_deploy`, "Automation for Jira",
  "GitHub for Jira", "SonarQube"), or whose user name is one such as `jenkins` or `ci`, is a
  bot; a source's `bot_accounts` and `bot_patterns` add to these (`BotRules`, Cloud too);
* changelog items have no `fieldId`: they are told by `field` (status, assignee, Flagged,
  Sprint, Epic Link, Link, Key...), which `normalise.item_kind` already falls back to;
* the Sprint field holds legacy Java strings,
  `com.atlassian.greenhopper.service.sprint.Sprint@1fdd4900[id=5820,rapidViewId=3504,state=CLOSED,
  name=IR301 - Monorail!,startDate=...,endDate=...,completeDate=<null>,sequence=5820]`, read by
  `sprints_of` (which reads Cloud's objects too);
* an issue's epic is the Epic Link custom field (`gh-epic-link`), whose value is the epic's
  **key**; `parent` is only set on sub-tasks. `epic_keys`/`with_parent_ids` let the connector
  give such issues the epic's id, as Cloud's `parent` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from orgpulse.errors import SchemaDriftError
from orgpulse.model import Issue

from .normalise_meta import parse_jira_datetime

# Words that name a service account rather than a person, matched whole and case-insensitively
# in the name, key or display name; and whole user names that do (a person may be called Jenkins).
BOT_WORDS = frozenset(
    {
        "bot", "robot", "automation", "svc", "serviceaccount", "jirabot", "jenkinsbot",
        "integration", "integrations", "github", "gitlab", "bitbucket", "sonar", "sonarqube",
        "sonarcloud", "deploy", "deployer", "deployment", "webhook", "webhooks", "pipeline",
        "pipelines", "scriptrunner", "zapier", "opsgenie", "statuspage", "dependabot", "renovate",
    }
)  # fmt: skip
BOT_NAMES = frozenset(
    {
        "jenkins",
        "ci",
        "cd",
        "service",
        "system",
        "automation",
        "jira-bot",
        "jirabot",
        "build",
        "teamcity",
        "bamboo",
    }
)
_WORD = re.compile(r"[a-z0-9]+")
_LEGACY_SPRINT = re.compile(r"^[\w.$]*Sprint@[0-9a-fA-F]+\[(?P<body>.*)\]\s*$", re.DOTALL)
# Every attribute the legacy string has carried (Jira 6 to 9); a comma starts a new attribute only
# before one of these, so a name or goal holding commas stays whole.
_SPRINT_KEYS = (
    "id",
    "rapidViewId",
    "state",
    "name",
    "goal",
    "startDate",
    "endDate",
    "completeDate",
    "activatedDate",
    "sequence",
    "autoStartStop",
    "synced",
    "incompleteIssuesDestinationId",
)
_SPRINT_SPLIT = re.compile(r",(?=(?:" + "|".join(_SPRINT_KEYS) + r")=)")


def looks_like_service_account(user: Mapping[str, object]) -> bool:
    """A DC user (no `accountType`) named like a service account (see BOT_WORDS, BOT_NAMES)."""
    for attribute in ("name", "key", "displayName"):
        value = user.get(attribute)
        if not isinstance(value, str):
            continue
        text = value.strip().lower()
        if BOT_WORDS.intersection(_WORD.findall(text)) or (attribute != "displayName" and text in BOT_NAMES):
            return True
    return False


@dataclass(frozen=True)
class BotRules:
    """A source's own bot accounts: ids (Cloud account ids, DC user keys) and name patterns."""

    accounts: frozenset[str] = frozenset()
    patterns: tuple[str, ...] = ()  # lowercase words or phrases, matched on word boundaries
    _named: dict[tuple[str, ...], bool] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )

    @classmethod
    def of(cls, accounts: Iterable[str], patterns: Iterable[str]) -> BotRules:
        return cls(
            frozenset(accounts), tuple(" ".join(_WORD.findall(p.lower())) for p in patterns if p.strip())
        )

    def names_bot(self, person_id: str, *names: str) -> bool:
        """Whether the configured accounts or patterns name this person a bot (read once per name)."""
        memo = (person_id, *names)
        found = self._named.get(memo)
        if found is None:
            found = self._named[memo] = self._names_bot(person_id, names)
        return found

    def _names_bot(self, person_id: str, names: tuple[str, ...]) -> bool:
        if person_id in self.accounts:
            return True
        for name in names:
            padded = f" {' '.join(_WORD.findall(name.lower()))} "
            if any(p and f" {p} " in padded for p in self.patterns):
                return True
        return False


@dataclass(frozen=True)
class SprintRef:
    """One sprint as an issue's Sprint field names it (DC legacy string or Cloud object)."""

    sprint_id: int | None
    name: str
    state: str | None = None
    board_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    complete: datetime | None = None
    goal: str | None = None


def parse_legacy_sprint(text: str) -> SprintRef:
    """A `com.atlassian.greenhopper.service.sprint.Sprint@...[k=v,...]` string; SchemaDriftError else."""
    match = _LEGACY_SPRINT.match(text.strip())
    if match is None:
        raise SchemaDriftError(f"not a legacy Sprint value: {text[:80]!r}")
    attributes: dict[str, str | None] = {}
    for part in _SPRINT_SPLIT.split(match.group("body")):
        key, sep, value = part.partition("=")
        if sep:
            attributes[key.strip()] = None if value == "<null>" else value
    name = attributes.get("name")
    if not name:
        raise SchemaDriftError(f"a legacy Sprint value without a name: {text[:80]!r}")
    return SprintRef(
        sprint_id=_int(attributes.get("id")),
        name=name,
        state=(attributes.get("state") or "").lower() or None,
        board_id=_int(attributes.get("rapidViewId")),
        start=_moment(attributes.get("startDate")),
        end=_moment(attributes.get("endDate")),
        complete=_moment(attributes.get("completeDate")),
        goal=attributes.get("goal") or None,
    )


def sprints_of(value: object) -> list[SprintRef]:
    """An issue's Sprint field, DC strings or Cloud objects; unreadable entries raise SchemaDriftError."""
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    found: list[SprintRef] = []
    for entry in entries:
        if isinstance(entry, str):
            found.append(parse_legacy_sprint(entry))
        elif isinstance(entry, Mapping) and entry.get("name"):
            board = entry.get("boardId", entry.get("originBoardId"))
            found.append(
                SprintRef(
                    sprint_id=_int(entry.get("id")),
                    name=str(entry["name"]),
                    state=str(entry["state"]).lower() if entry.get("state") else None,
                    board_id=_int(board),
                    start=_moment(entry.get("startDate")),
                    end=_moment(entry.get("endDate")),
                    complete=_moment(entry.get("completeDate")),
                    goal=str(entry["goal"]) if entry.get("goal") else None,
                )
            )
        else:
            raise SchemaDriftError(f"not a Sprint value: {entry!r:.80}")
    return found


def epic_keys(issues: Iterable[Issue]) -> set[str]:
    """Keys of the parents known only by key (DC Epic Link values)."""
    return {i.parent_key for i in issues if i.parent_id is None and i.parent_key}


def with_parent_ids(issues: Iterable[Issue], ids_by_key: Mapping[str, str]) -> list[Issue]:
    """The issues, each parent known only by key given its id when `ids_by_key` knows it."""
    resolved: list[Issue] = []
    for issue in issues:
        parent_id = ids_by_key.get(issue.parent_key) if issue.parent_key and issue.parent_id is None else None
        resolved.append(replace(issue, parent_id=parent_id) if parent_id else issue)
    return resolved


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _moment(value: object) -> datetime | None:
    if value in (None, "", "<null>"):
        return None
    try:
        return parse_jira_datetime(value)
    except SchemaDriftError:
        return None
