"""The generated organisation seen as one Linear workspace: ids and reference records. Pure: no I/O.

How the dialect-neutral organisation becomes Linear (the shapes follow shared/api/LINEAR-NOTES.md):
* a Jira project is a team with the same key (its `team_uuid` is the team id);
* a status is a workflow state *of one team* (Linear states are per team, so two teams sharing
  "Backlog" have two states): the first to-do status of a workflow is `backlog`, the others
  `unstarted`; in-progress ones are `started`; done ones `completed`, or `canceled` for the
  abandon statuses. No team has a triage or duplicate state (the workflows have none);
* an epic is a project (Linear projects are not issues): its issues carry it in `project`; a
  sub-task's story is its `parent`; a sprint is a cycle of its team;
* a link is one relation: blocks (Blocks and Dependency, from the issue that holds the other up),
  duplicate (from the duplicate), related (Relates and Cloners). A removed link is an archived
  relation (its `archivedAt` is the removal time);
* people are users; the two integration accounts are not users but the `botActor` of what they
  did (`github`, `workflow`); the API key belongs to an extra admin, "Sandbox Reader". Someone
  last seen in history more than six weeks before its end has left: a disabled user, hidden by
  `users` unless `includeDisabled: true` (LINEAR-NOTES §2.5) but still named by history;
* the outside project EXT is a private team the sandbox user is not a member of: it is listed
  nowhere and its issues cannot be fetched, but relations still show them, as the Jira dialect
  shows links to EXT issues it does not serve.
Ids are UUIDs derived from the org's seed, stable across runs.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass

from orgpulse.sandbox.org import site as cat
from orgpulse.sandbox.org.model import ExtIssue, Issue, Link, Org, Person

URL_KEY = "orgpulse-sandbox"
ORGANIZATION_NAME = "orgpulse sandbox"
EXT_KEY = cat.OUTSIDE_PROJECT.key
VIEWER = -2  # the person index of the API key's owner
GONE_DAYS = 42
DAY_MS = 86_400_000
PRIORITY_OF_JIRA = {1: 1, 2: 2, 3: 3, 4: 4, 5: 4}  # Jira Highest..Lowest -> Linear Urgent..Low
PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}
STATE_COLORS = {
    "backlog": "#bec2c8",
    "unstarted": "#e2e2e2",
    "started": "#f2c94c",
    "completed": "#5e6ad2",
    "canceled": "#95a2b3",
}
BOT_KINDS = {"GitHub for Jira": ("github", "GitHub"), "Automation for Jira": ("workflow", "Workflow")}
RELATION_TYPES = {
    cat.BLOCKS.type_id: "blocks",
    cat.DEPENDENCY.type_id: "blocks",
    cat.DUPLICATE.type_id: "duplicate",
    cat.RELATES.type_id: "related",
    cat.CLONERS.type_id: "related",
}


def linear_id(seed: int, *parts: object) -> str:
    """A UUID (version 4 layout) for one entity, stable for the org's seed."""
    digest = hashlib.blake2b(":".join(map(str, (seed, *parts))).encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


@dataclass(frozen=True, slots=True)
class State:
    state_id: str
    team_key: str
    status_id: int
    name: str
    type: str
    position: float
    description: str


@dataclass(frozen=True, slots=True)
class TeamInfo:
    team_id: str
    key: str
    name: str
    index: int  # -1 for EXT
    private: bool
    states: tuple[State, ...]


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    person: int  # org person index, VIEWER for the key's owner
    name: str
    display_name: str
    email: str
    admin: bool


@dataclass(frozen=True, slots=True)
class Bot:
    """An integration acting in history (`botActor`): not a user."""

    bot_id: str
    type: str
    name: str


@dataclass(frozen=True, slots=True)
class Relation:
    relation_id: str
    link: Link
    type: str
    source: Issue | ExtIssue  # `issue`: where the relation starts (the blocker, the duplicate)
    target: Issue | ExtIssue  # `relatedIssue`


def state_types(status_ids: tuple[int, ...]) -> dict[int, str]:
    """Linear state types for one team's statuses (the first to-do status is the backlog)."""
    types: dict[int, str] = {}
    todo_seen = False
    for status_id in status_ids:
        status = cat.STATUS_BY_ID[status_id]
        if status.category == cat.DONE_CATEGORY:
            types[status_id] = "canceled" if status.kind == "canceled" else "completed"
        elif status.category == cat.INDETERMINATE:
            types[status_id] = "started"
        else:
            types[status_id] = "unstarted" if todo_seen else "backlog"
            todo_seen = True
    return types


def _handle(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return ".".join(part for part in plain.replace("-", " ").split() if part.isalnum()) or "user"


class Workspace:
    """Every Linear id and reference record of one organisation, built once per app."""

    def __init__(self, org: Org) -> None:
        self.org = org
        seed = org.seed
        self.created_ms = org.calendar.start_ms - 30 * DAY_MS
        migration = org.traps.migration_week
        self.migration_ms = org.calendar.week_start_ms[migration] if migration >= 0 else self.created_ms
        self.organization_id = linear_id(seed, "organization")
        self.teams: list[TeamInfo] = [
            self._team(t.key, t.name, t.index, t.workflow.status_ids() + self._retired(t.key))
            for t in org.teams
        ]
        self.team_by_key = {t.key: t for t in self.teams}
        ext_statuses = tuple(sorted({e.status_id for e in org.ext_issues}, key=self._status_order))
        self.ext_team = self._team(EXT_KEY, cat.OUTSIDE_PROJECT.name, -1, ext_statuses, private=True)
        self.team_by_key[EXT_KEY] = self.ext_team
        self.team_by_id = {t.team_id: t for t in (*self.teams, self.ext_team)}
        self.state_by_key = {(s.team_key, s.status_id): s for t in self.team_by_id.values() for s in t.states}
        self.state_by_id = {s.state_id: s for s in self.state_by_key.values()}
        self.users: list[User] = [self._user(p) for p in org.people if p.account_type != "app"]
        viewer_id = linear_id(seed, "user", "viewer")
        self.users.append(
            User(viewer_id, VIEWER, "Sandbox Reader", "sandbox", "sandbox@orgpulse.invalid", True)
        )
        self.viewer = self.users[-1]
        self.user_by_person = {u.person: u for u in self.users}
        self.user_by_id = {u.user_id: u for u in self.users}
        self.bots = {p.index: self._bot(p) for p in org.people if p.account_type == "app"}
        self.disabled = self._gone(org)
        names = sorted({label for issue in org.issues for label in issue.labels})
        self.label_ids = {name: linear_id(seed, "label", name) for name in names}
        self.label_by_id = {v: k for k, v in self.label_ids.items()}
        epic = cat.EPIC.type_id
        self.issues = [i for i in org.issues if i.type_id != epic]  # ascending creation
        self.epics = [i for i in org.issues if i.type_id == epic]
        self.issue_ids = {i.ordinal: linear_id(seed, "issue", i.issue_id) for i in self.issues}
        self.project_ids = {i.ordinal: linear_id(seed, "project", i.issue_id) for i in self.epics}
        self.ext_ids = {e.issue_id: linear_id(seed, "ext", e.issue_id) for e in org.ext_issues}
        self.by_id: dict[str, Issue] = {self.issue_ids[i.ordinal]: i for i in self.issues}
        self.by_identifier = {k: i for i in self.issues for k in (*i.old_keys, i.key)}
        self.project_by_id = {self.project_ids[e.ordinal]: e for e in self.epics}
        self.children: dict[int, list[Issue]] = {}
        self.project_issues: dict[int, list[Issue]] = {}
        for issue in self.issues:
            parent = issue.parent
            if parent is not None and parent.type_id == epic:
                self.project_issues.setdefault(parent.ordinal, []).append(issue)
            elif parent is not None:
                self.children.setdefault(parent.ordinal, []).append(issue)
        self.cycle_ids = {s.sprint_id: linear_id(seed, "cycle", s.sprint_id) for s in org.sprints}
        self.cycle_by_id = {v: org.sprint_by_id[k] for k, v in self.cycle_ids.items()}
        self.relations = [self._relation(link) for link in org.links if self._servable(link)]
        self.relation_by_id = {r.relation_id: r for r in self.relations}
        self.outgoing: dict[int, list[Relation]] = {}
        self.incoming: dict[int, list[Relation]] = {}
        for relation in self.relations:
            if isinstance(relation.source, Issue):
                self.outgoing.setdefault(relation.source.ordinal, []).append(relation)
            if isinstance(relation.target, Issue):
                self.incoming.setdefault(relation.target.ordinal, []).append(relation)
        self.ext_links: dict[int, list[Link]] = {}
        for link in org.links:
            for side in (link.outward, link.inward):
                if isinstance(side, ExtIssue):
                    self.ext_links.setdefault(side.issue_id, []).append(link)

    # -- construction ------------------------------------------------------------------------
    @staticmethod
    def _gone(org: Org) -> dict[int, int]:
        """People who left (and when they were last seen): humans last seen in history more than
        `GONE_DAYS` before its end."""
        last: dict[int, int] = {}
        for issue in org.issues:
            for at, actor, items in issue.events:
                for person in (actor, *(b for kind, _, b in items if kind == "assignee")):
                    if person >= 0:
                        last[person] = max(last.get(person, 0), at)
        horizon = org.calendar.horizon_ms - GONE_DAYS * DAY_MS
        humans = {p.index for p in org.people if p.account_type != "app"}
        return {p: at for p, at in last.items() if at < horizon and p in humans}

    def _retired(self, team: str) -> tuple[int, ...]:
        """The retired statuses a team's history holds (archived states, still read with includeArchived)."""
        return (cat.RETIRED_DONE,) if self.org.traps.migrated_team == team else ()

    @staticmethod
    def _status_order(status_id: int) -> tuple[int, int]:
        order = {cat.NEW: 0, cat.INDETERMINATE: 1, cat.DONE_CATEGORY: 2}
        return order.get(cat.STATUS_BY_ID[status_id].category, 0), status_id

    def _team(
        self, key: str, name: str, index: int, status_ids: tuple[int, ...], *, private: bool = False
    ) -> TeamInfo:
        seed = self.org.seed
        team_id = (
            self.org.team_by_key[key].team_uuid
            if key in self.org.team_by_key
            else linear_id(seed, "team", key)
        )
        types = state_types(status_ids)
        states = tuple(
            State(
                linear_id(seed, "state", key, status_id),
                key,
                status_id,
                cat.STATUS_BY_ID[status_id].name,
                types[status_id],
                float(position),
                cat.STATUS_BY_ID[status_id].description,
            )
            for position, status_id in enumerate(status_ids)
        )
        return TeamInfo(team_id, key, name, index, private, states)

    def _user(self, person: Person) -> User:
        handle = _handle(person.display_name)
        email = person.email or f"{handle}@{URL_KEY}.invalid"
        return User(
            linear_id(self.org.seed, "user", person.account_id),
            person.index,
            person.display_name,
            handle.split(".")[0],
            email,
            person.role == "director",
        )

    def _bot(self, person: Person) -> Bot:
        kind, name = BOT_KINDS.get(person.display_name, ("workflow", person.display_name))
        return Bot(linear_id(self.org.seed, "bot", person.account_id), kind, name)

    @staticmethod
    def _servable(link: Link) -> bool:
        """Projects have no issue relations: a link touching an epic has no Linear counterpart."""
        return not any(
            isinstance(s, Issue) and s.type_id == cat.EPIC.type_id for s in (link.outward, link.inward)
        )

    def _relation(self, link: Link) -> Relation:
        return Relation(
            linear_id(self.org.seed, "relation", link.link_id),
            link,
            RELATION_TYPES.get(link.type_id, "related"),
            link.outward,
            link.inward,
        )

    # -- lookups -----------------------------------------------------------------------------
    def team_key_at_creation(self, issue: Issue) -> str:
        return issue.origin_team or issue.team

    def state(self, team_key: str, status_id: int) -> State:
        return self.state_by_key[(team_key, status_id)]

    def user_id(self, person: int) -> str | None:
        """The user of a person index (None: nobody, or an integration, which is no user)."""
        user = self.user_by_person.get(person)
        return user.user_id if user is not None else None

    def find_issue(self, id_or_identifier: str) -> Issue | None:
        """An issue by UUID or identifier, former identifiers of moved issues included."""
        return self.by_id.get(id_or_identifier) or self.by_identifier.get(id_or_identifier.upper())

    def project_of(self, issue: Issue) -> Issue | None:
        parent = issue.parent
        return parent if parent is not None and parent.type_id == cat.EPIC.type_id else None

    def parent_of(self, issue: Issue) -> Issue | None:
        parent = issue.parent
        return parent if parent is not None and parent.type_id != cat.EPIC.type_id else None

    def ext_times(self, ext: ExtIssue) -> tuple[int, int]:
        """An outside issue's creation and (when done) completion: around the links that name it."""
        links = self.ext_links.get(ext.issue_id, [])
        first = min((link.created for link in links), default=self.org.calendar.start_ms)
        last = max((max(link.created, link.removed) for link in links), default=first)
        done = cat.STATUS_BY_ID[ext.status_id].category == cat.DONE_CATEGORY
        return first - 7 * DAY_MS, min(last + 3_600_000, self.org.calendar.horizon_ms) if done else -1
