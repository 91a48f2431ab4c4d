"""Served reference objects: Team, WorkflowState, User, TeamMembership, IssueLabel, Project (with
its ProjectStatus), Cycle and Organization. Field names are the schema's (hence camelCase).

Teams, users and labels exist since the workspace was created (30 days before the history); team
members are the team's people, its product owner the owner. A project is one epic: its lead is
the team's product owner and its status follows the epic's status category.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgpulse.sandbox.linear.filters import FieldValue, FilterUnsupported
from orgpulse.sandbox.linear.history import AUTO_ARCHIVE_MONTHS
from orgpulse.sandbox.linear.model import (
    DAY_MS,
    ORGANIZATION_NAME,
    STATE_COLORS,
    URL_KEY,
    State,
    TeamInfo,
    User,
    linear_id,
)
from orgpulse.sandbox.linear.paging import Connection, page
from orgpulse.sandbox.org import site as cat
from orgpulse.sandbox.org.model import Issue, Sprint
from orgpulse.sandbox.org.weeks import SITE_TZ_NAME, utc_z

if TYPE_CHECKING:
    from orgpulse.sandbox.linear.graph import Graph

# Workspace-level project statuses: (type, name, colour).
PROJECT_STATUSES = (
    ("backlog", "Backlog", "#bec2c8"),
    ("planned", "Planned", "#e2e2e2"),
    ("started", "In Progress", "#f2c94c"),
    ("paused", "Paused", "#0f783c"),
    ("completed", "Completed", "#5e6ad2"),
    ("canceled", "Canceled", "#95a2b3"),
)


class TeamNode:
    def __init__(self, graph: Graph, team: TeamInfo) -> None:
        self._g, self._t = graph, team
        self.id, self.key, self.name, self.displayName = team.team_id, team.key, team.name, team.name
        self.createdAt = self.updatedAt = utc_z(graph.ws.created_ms)
        self.archivedAt = self.retiredAt = self.parent = None
        self.is_archived = False
        self.private = team.private
        self.visibility = "private" if team.private else "public"
        self.timezone = SITE_TZ_NAME
        self.cyclesEnabled, self.cycleDuration, self.cycleStartDay = True, 2.0, 1.0
        self.triageEnabled, self.groupIssueHistory = False, True
        self.issueEstimationType, self.defaultIssueEstimate = "fibonacci", 1.0
        self.autoArchivePeriod, self.autoClosePeriod = AUTO_ARCHIVE_MONTHS, None
        self.color = "#5e6ad2"
        self.description = None

    def memberships(self, **args: Any) -> Connection:
        return page(self._g.memberships_of(self._t.key), args, self._g.cap)

    def members(self, **args: Any) -> Connection:
        return page([m.user for m in self._g.memberships_of(self._t.key)], args, self._g.cap)

    def states(self, **args: Any) -> Connection:
        found = [self._g.state(s.team_key, s.status_id) for s in self._t.states]
        return self._g.filtered_page(found, args)

    def issues(self, **args: Any) -> Connection:
        return self._g.issue_page(self._g.issues_of_team(self._t.key), args)

    def issueCount(self, includeArchived: bool = False) -> int:
        return sum(1 for i in self._g.issues_of_team(self._t.key) if includeArchived or not i.is_archived)

    def cycles(self, **args: Any) -> Connection:
        sprints = [s for s in self._g.ws.org.sprints if s.team == self._t.key]
        return self._g.filtered_page([self._g.cycle(s.sprint_id) for s in reversed(sprints)], args)

    def projects(self, **args: Any) -> Connection:
        epics = [e for e in self._g.ws.epics if e.team == self._t.key]
        return self._g.filtered_page([self._g.project(e) for e in reversed(epics)], args)

    @property
    def defaultIssueState(self) -> StateNode | None:
        first = self._t.states[0] if self._t.states else None
        return self._g.state(first.team_key, first.status_id) if first else None

    @property
    def activeCycle(self) -> CycleNode | None:
        active = [s for s in self._g.ws.org.sprints if s.team == self._t.key and s.state == "active"]
        return self._g.cycle(active[0].sprint_id) if active else None

    @property
    def organization(self) -> OrganizationNode:
        return self._g.organization

    def filter_field(self, name: str) -> FieldValue:
        if name in ("id", "key", "name", "private", "description"):
            return "value", getattr(self, name)
        if name in ("createdAt", "updatedAt"):
            return "date", self._g.ws.created_ms
        if name == "retiredAt":
            return "date", None
        raise FilterUnsupported(f"the sandbox does not filter teams by {name!r}")


class StateNode:
    def __init__(self, graph: Graph, state: State) -> None:
        self._g, self._s = graph, state
        self.id, self.name, self.type = state.state_id, state.name, state.type
        self.position, self.description = state.position, state.description
        self.color = STATE_COLORS[state.type]
        self.createdAt = self.updatedAt = utc_z(graph.ws.created_ms)
        self.archivedAt = self.inheritedFrom = None
        # A state of an old workflow: archived at the migration, still read with includeArchived.
        self.is_archived = state.status_id in cat.STATUS_RETIRED
        if self.is_archived:
            self.archivedAt = self.updatedAt = utc_z(graph.ws.migration_ms)

    @property
    def team(self) -> TeamNode:
        return self._g.team(self._s.team_key)

    def issues(self, **args: Any) -> Connection:
        return self._g.issue_page(
            (i for i in self._g.issues_of_team(self._s.team_key) if i.state.id == self.id), args
        )

    def filter_field(self, name: str) -> FieldValue:
        if name in ("id", "name", "type", "position", "description"):
            return "value", getattr(self, name)
        if name in ("createdAt", "updatedAt"):
            return "date", self._g.ws.created_ms
        if name == "team":
            return "one", self.team
        raise FilterUnsupported(f"the sandbox does not filter workflow states by {name!r}")


class UserNode:
    def __init__(self, graph: Graph, user: User) -> None:
        self._g, self._u = graph, user
        self.id, self.name, self.displayName, self.email = (
            user.user_id,
            user.name,
            user.display_name,
            user.email,
        )
        self.active = user.person not in graph.ws.disabled
        self.admin, self.guest, self.app = user.admin, False, False
        self.owner = user.admin
        self.isMentionable = True
        self.isMe = user is graph.ws.viewer
        self.createdAt = self.updatedAt = utc_z(graph.ws.created_ms)
        if not self.active:  # suspended the day after they were last seen
            self.updatedAt = utc_z(graph.ws.disabled[user.person] + DAY_MS)
        self.archivedAt = self.avatarUrl = None
        self.disableReason = None if self.active else "Suspended by an admin"
        self.isAssignable = self.active
        self.is_archived = False
        self.timezone = SITE_TZ_NAME
        self.url = f"https://linear.app/{URL_KEY}/profiles/{user.display_name}"
        self.initials = "".join(part[:1] for part in user.name.split()[:2]).upper()

    def teamMemberships(self, **args: Any) -> Connection:
        return page(self._g.memberships_of_user(self._u.person), args, self._g.cap)

    def teams(self, **args: Any) -> Connection:
        return self._g.filtered_page([m.team for m in self._g.memberships_of_user(self._u.person)], args)

    def assignedIssues(self, **args: Any) -> Connection:
        return self._g.issue_page((i for i in self._g.all_issues() if i.assignee is self), args)

    def createdIssues(self, **args: Any) -> Connection:
        return self._g.issue_page((i for i in self._g.all_issues() if i.creator is self), args)

    @property
    def organization(self) -> OrganizationNode:
        return self._g.organization

    def filter_field(self, name: str) -> FieldValue:
        if name in ("id", "name", "displayName", "email", "active", "admin", "app", "owner", "isMe"):
            return "value", getattr(self, name)
        if name in ("createdAt", "updatedAt"):
            return "date", self._g.ws.created_ms
        raise FilterUnsupported(f"the sandbox does not filter users by {name!r}")


class MembershipNode:
    def __init__(self, graph: Graph, team_key: str, person: int, owner: bool) -> None:
        self._g, self._team_key, self._person = graph, team_key, person
        self.id = linear_id(graph.ws.org.seed, "membership", team_key, person)
        self.owner = owner
        self.sortOrder = float(person)
        self.createdAt = self.updatedAt = utc_z(graph.ws.created_ms)
        self.archivedAt = None
        self.is_archived = False

    @property
    def team(self) -> TeamNode:
        return self._g.team(self._team_key)

    @property
    def user(self) -> UserNode:
        found = self._g.user(self._person)
        if found is None:
            raise LookupError(f"person {self._person} is no user")
        return found


class LabelNode:
    def __init__(self, graph: Graph, name: str) -> None:
        self._g = graph
        self.id, self.name = graph.ws.label_ids[name], name
        self.color, self.description, self.isGroup = "#bec2c8", None, False
        self.parent = self.team = self.creator = self.archivedAt = self.retiredAt = None
        self.createdAt = self.updatedAt = utc_z(graph.ws.created_ms)
        self.is_archived = False

    def issues(self, **args: Any) -> Connection:
        return self._g.issue_page((i for i in self._g.all_issues() if self.id in i.labelIds), args)

    def filter_field(self, name: str) -> FieldValue:
        if name in ("id", "name", "isGroup"):
            return "value", getattr(self, name)
        if name in ("createdAt", "updatedAt"):
            return "date", self._g.ws.created_ms
        if name == "team":
            return "one", None
        raise FilterUnsupported(f"the sandbox does not filter labels by {name!r}")


def project_status_type(epic: Issue) -> str:
    status = cat.STATUS_BY_ID[epic.status]
    if status.category == cat.DONE_CATEGORY:
        return "canceled" if status.kind == "canceled" else "completed"
    return "started" if status.category == cat.INDETERMINATE else "backlog"


class ProjectStatusNode:
    def __init__(self, graph: Graph, kind: str) -> None:
        position, (_, name, color) = next((n, s) for n, s in enumerate(PROJECT_STATUSES) if s[0] == kind)
        self.id = linear_id(graph.ws.org.seed, "project-status", kind)
        self.type, self.name, self.color, self.position = kind, name, color, float(position)
        self.indefinite = kind in ("backlog", "paused")
        self.createdAt = self.updatedAt = utc_z(graph.ws.created_ms)
        self.archivedAt = self.description = None
        self.is_archived = False


class ProjectNode:
    """One epic, as the Linear project its issues belong to."""

    def __init__(self, graph: Graph, epic: Issue) -> None:
        self._g, self._epic = graph, epic
        self.id = graph.ws.project_ids[epic.ordinal]
        self.name = epic.summary
        self.slugId = self.id.replace("-", "")[:12]
        self.url = f"https://linear.app/{URL_KEY}/project/{self.slugId}"
        self.description, self.content, self.icon, self.color = "", None, None, "#5e6ad2"
        self.createdAt = utc_z(epic.created)
        self.updatedAt = utc_z(epic.updated)
        self.archivedAt = self.targetDate = self.startDate = self.health = None
        self.is_archived = False
        self.priority, self.priorityLabel = 0, "No priority"
        kind = project_status_type(epic)
        self.state = kind
        self.status = graph.project_status(kind)
        events = [at for at, _, items in epic.events if any(k == "status" for k, _, _ in items)]
        self.startedAt = utc_z(events[0]) if events and kind != "backlog" else None
        self.completedAt = utc_z(events[-1]) if events and kind == "completed" else None
        self.canceledAt = utc_z(events[-1]) if events and kind == "canceled" else None
        self.labelIds: list[str] = []

    @property
    def lead(self) -> UserNode | None:
        return self._g.user(self._g.ws.org.team_by_key[self._epic.team].po)

    @property
    def creator(self) -> UserNode | None:
        return self._g.user(self._epic.reporter)

    def teams(self, **args: Any) -> Connection:
        return self._g.filtered_page([self._g.team(self._epic.team)], args)

    def issues(self, **args: Any) -> Connection:
        found = self._g.ws.project_issues.get(self._epic.ordinal, [])
        return self._g.issue_page(reversed(found), args)

    def filter_field(self, name: str) -> FieldValue:
        if name in ("id", "name", "slugId", "state"):
            return "value", getattr(self, name)
        if name == "createdAt":
            return "date", self._epic.created
        if name == "updatedAt":
            return "date", self._epic.updated
        if name == "accessibleTeams":
            return "many", [self._g.team(self._epic.team)]
        raise FilterUnsupported(f"the sandbox does not filter projects by {name!r}")


class CycleNode:
    def __init__(self, graph: Graph, sprint: Sprint, number: int) -> None:
        self._g, self._s = graph, sprint
        horizon = graph.ws.org.calendar.horizon_ms
        self.id = graph.ws.cycle_ids[sprint.sprint_id]
        self.number, self.name = float(number), sprint.name
        self.startsAt, self.endsAt = utc_z(sprint.start_ms), utc_z(sprint.end_ms)
        self.completedAt = utc_z(sprint.complete_ms) if sprint.complete_ms >= 0 else None
        self.createdAt = self.updatedAt = utc_z(min(sprint.start_ms, horizon))
        self.archivedAt = None
        self.is_archived = False
        self.isActive, self.isPast, self.isFuture = (
            sprint.state == s for s in ("active", "closed", "future")
        )
        self.isNext = self.isPrevious = False

    @property
    def team(self) -> TeamNode:
        return self._g.team(self._s.team)

    def issues(self, **args: Any) -> Connection:
        found = (
            i for i in self._g.issues_of_team(self._s.team) if i.cycle is not None and i.cycle.id == self.id
        )
        return self._g.issue_page(found, args)

    def filter_field(self, name: str) -> FieldValue:
        if name in ("id", "number", "name", "isActive", "isPast", "isFuture"):
            return "value", getattr(self, name)
        if name == "team":
            return "one", self.team
        if name in ("startsAt", "endsAt", "createdAt", "updatedAt"):
            return "date", self._s.start_ms if name != "endsAt" else self._s.end_ms
        raise FilterUnsupported(f"the sandbox does not filter cycles by {name!r}")


class OrganizationNode:
    def __init__(self, graph: Graph) -> None:
        self._g = graph
        self.id, self.name, self.urlKey = graph.ws.organization_id, ORGANIZATION_NAME, URL_KEY
        self.createdAt = self.updatedAt = utc_z(graph.ws.created_ms)
        self.userCount = len(graph.ws.users)
        self.createdIssueCount = len(graph.ws.issues)
        self.archivedAt = self.logoUrl = None
        self.workingDays = [1.0, 2.0, 3.0, 4.0, 5.0]

    @property
    def projectStatuses(self) -> list[ProjectStatusNode]:
        return [self._g.project_status(kind) for kind, _, _ in PROJECT_STATUSES]

    def teams(self, **args: Any) -> Connection:
        return self._g.root.teams(**args)

    def users(self, **args: Any) -> Connection:
        return self._g.root.users(**args)

    def labels(self, **args: Any) -> Connection:
        return self._g.root.issueLabels(**args)
