"""The object graph a Linear query walks: the workspace's served objects and the root `Query`.

`Graph` is built once per app: it derives every issue's archive time and last update (from its
skeleton story), keeps one node per team, state, user, label, project and cycle, and the last
few thousand issue stories (their filler is drawn again when evicted). `Root` answers the root
fields of one request; it carries that request's rate-limit status for `rateLimitStatus`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from orgpulse.sandbox.linear.errors import not_found, unsupported
from orgpulse.sandbox.linear.filters import FilterUnsupported, matches
from orgpulse.sandbox.linear.history import Change, Story, skeleton_story, story_of
from orgpulse.sandbox.linear.model import Relation, Workspace, linear_id
from orgpulse.sandbox.linear.nodes import ExtIssueNode, IssueNode, RelationNode
from orgpulse.sandbox.linear.nodes_meta import (
    CycleNode,
    LabelNode,
    MembershipNode,
    OrganizationNode,
    ProjectNode,
    ProjectStatusNode,
    StateNode,
    TeamNode,
    UserNode,
)
from orgpulse.sandbox.linear.paging import Connection, page
from orgpulse.sandbox.org.model import ExtIssue, Issue

T = TypeVar("T")
_STORIES = 4096
_SELECTIONS = 4


class Graph:
    """Every served object of one workspace, built lazily and shared by all requests."""

    def __init__(self, ws: Workspace, cap: int | None, now_ms: int) -> None:
        self.ws, self.cap, self.now_ms = ws, cap, now_ms
        self._lock = threading.Lock()
        self._stories: OrderedDict[int, Story] = OrderedDict()
        self._archived: dict[int, int] = {}
        self._updated: dict[int, int] = {}
        for issue in ws.issues:
            archived = skeleton_story(ws, issue).archived_ms
            self._archived[issue.ordinal] = archived
            self._updated[issue.ordinal] = max(issue.updated, archived)
        self._nodes: dict[tuple[str, object], Any] = {}
        self._selections: OrderedDict[str, list[IssueNode]] = OrderedDict()
        self._cycle_numbers: dict[int, int] = {}
        for team in ws.org.teams:
            for number, sprint in enumerate((s for s in ws.org.sprints if s.team == team.key), start=1):
                self._cycle_numbers[sprint.sprint_id] = number
        self._by_updated = sorted(
            ws.issues, key=lambda i: (self._updated[i.ordinal], i.ordinal), reverse=True
        )
        self.organization = OrganizationNode(self)
        self.root = Root(self, None)

    # -- derived facts -------------------------------------------------------------------------
    def story(self, issue: Issue) -> Story:
        with self._lock:
            found = self._stories.get(issue.ordinal)
            if found is not None:
                self._stories.move_to_end(issue.ordinal)
                return found
        story = story_of(self.ws, issue)
        with self._lock:
            self._stories[issue.ordinal] = story
            while len(self._stories) > _STORIES:
                self._stories.popitem(last=False)
        return story

    def archived_ms(self, issue: Issue) -> int:
        return self._archived[issue.ordinal]

    def updated_ms(self, issue: Issue) -> int:
        return self._updated[issue.ordinal]

    def attachment_id(self, issue: Issue, change: Change) -> str:
        return linear_id(self.ws.org.seed, "attachment", issue.issue_id, change.seq)

    # -- shared nodes ----------------------------------------------------------------------------
    def _node(self, kind: str, key: object, make: Callable[[], T]) -> T:
        found = self._nodes.get((kind, key))
        if found is None:
            found = self._nodes.setdefault((kind, key), make())
        return found  # type: ignore[no-any-return]

    def team(self, key: str) -> TeamNode:
        return self._node("team", key, lambda: TeamNode(self, self.ws.team_by_key[key]))

    def state(self, team_key: str, status_id: int) -> StateNode:
        return self._node(
            "state", (team_key, status_id), lambda: StateNode(self, self.ws.state(team_key, status_id))
        )

    def user(self, person: int) -> UserNode | None:
        user = self.ws.user_by_person.get(person)
        return self._node("user", person, lambda: UserNode(self, user)) if user is not None else None

    def bot(self, person: int) -> dict[str, Any] | None:
        bot = self.ws.bots.get(person)
        if bot is None:
            return None
        return {"id": bot.bot_id, "type": bot.type, "name": bot.name, "subType": None, "avatarUrl": None}

    def label(self, name: str) -> LabelNode:
        return self._node("label", name, lambda: LabelNode(self, name))

    def project(self, epic: Issue) -> ProjectNode:
        return self._node("project", epic.ordinal, lambda: ProjectNode(self, epic))

    def project_status(self, kind: str) -> ProjectStatusNode:
        return self._node("project-status", kind, lambda: ProjectStatusNode(self, kind))

    def cycle(self, sprint_id: int) -> CycleNode | None:
        sprint = self.ws.org.sprint_by_id.get(sprint_id)
        if sprint is None:
            return None
        return self._node("cycle", sprint_id, lambda: CycleNode(self, sprint, self._cycle_numbers[sprint_id]))

    def memberships_of(self, team_key: str) -> list[MembershipNode]:
        def make() -> list[MembershipNode]:
            team = self.ws.org.team_by_key.get(team_key)
            members = team.members if team is not None else ()
            return [
                MembershipNode(self, team_key, p, team is not None and p == team.po)
                for p in reversed(members)
            ]

        return self._node("memberships", team_key, make)

    def memberships_of_user(self, person: int) -> list[MembershipNode]:
        return [
            m
            for t in self.ws.teams
            for m in self.memberships_of(t.key)
            if m.user.id == self.ws.user_id(person)
        ]

    # -- issues --------------------------------------------------------------------------------
    def issue(self, issue: Issue) -> IssueNode:
        return IssueNode(self, issue)

    def any_issue(self, issue: Issue | ExtIssue) -> IssueNode | ExtIssueNode:
        if isinstance(issue, ExtIssue):
            return self._node("ext", issue.issue_id, lambda: ExtIssueNode(self, issue))
        return IssueNode(self, issue)

    def all_issues(self) -> list[IssueNode]:
        return [IssueNode(self, i) for i in reversed(self.ws.issues)]

    def issues_of_team(self, key: str) -> list[IssueNode]:
        return [IssueNode(self, i) for i in reversed(self.ws.issues) if i.team == key]

    def issue_page(self, found: Iterable[Issue | IssueNode], args: Mapping[str, Any]) -> Connection:
        """Issues (newest first) filtered, ordered (`orderBy: updatedAt`: last updated first) and paged."""
        nodes = [IssueNode(self, i) if isinstance(i, Issue) else i for i in found]
        if args.get("orderBy") == "updatedAt":
            nodes.sort(key=lambda n: (self._updated[n.record.ordinal], n.record.ordinal), reverse=True)
        return self.filtered_page(nodes, args)

    def root_issues(self, args: Mapping[str, Any]) -> list[IssueNode]:
        """The root `issues` selection for these arguments (paging aside), kept for the next pages:
        a sync pages one selection to its end, and filtering every issue once per page would cost
        O(issues) per request."""
        wanted = {k: args.get(k) for k in ("filter", "orderBy", "includeArchived")}
        key = json.dumps(wanted, sort_keys=True, default=str)
        with self._lock:
            found = self._selections.get(key)
            if found is not None:
                self._selections.move_to_end(key)
                return found
        ordered = self._by_updated if args.get("orderBy") == "updatedAt" else self.ws.issues[::-1]
        rows = [IssueNode(self, i) for i in ordered]
        if not args.get("includeArchived"):
            rows = [r for r in rows if not r.is_archived]
        spec = args.get("filter")
        if spec:
            rows = self._matching(rows, spec)
        with self._lock:
            self._selections[key] = rows
            while len(self._selections) > _SELECTIONS:
                self._selections.popitem(last=False)
        return rows

    def _matching(self, rows: Sequence[Any], spec: Mapping[str, Any]) -> list[Any]:
        try:
            return [r for r in rows if matches(r, spec, self.now_ms)]
        except FilterUnsupported as exc:
            raise unsupported(str(exc)) from exc

    def relation_page(self, found: Sequence[Relation], args: Mapping[str, Any]) -> Connection:
        rows = sorted((RelationNode(self, r) for r in found), key=lambda r: r.created_ms, reverse=True)
        return page(rows, args, self.cap)

    def filtered_page(self, rows: Sequence[Any], args: Mapping[str, Any]) -> Connection:
        spec = args.get("filter")
        if spec:
            if not args.get("includeArchived"):
                rows = [r for r in rows if not r.is_archived]
            rows = self._matching(rows, spec)
        return page(rows, args, self.cap)


def _one(found: T | None, entity: str) -> T:
    if found is None:
        raise not_found(entity)
    return found


class Root:
    """The root `Query` fields of one request."""

    def __init__(self, graph: Graph, rate_limit: dict[str, Any] | None) -> None:
        self._g = graph
        self.rateLimitStatus = rate_limit

    @property
    def viewer(self) -> UserNode:
        return _one(self._g.user(self._g.ws.viewer.person), "User")

    @property
    def organization(self) -> OrganizationNode:
        return self._g.organization

    def teams(self, **args: Any) -> Connection:
        return self._g.filtered_page([self._g.team(t.key) for t in reversed(self._g.ws.teams)], args)

    def team(self, id: str) -> TeamNode:
        info = self._g.ws.team_by_id.get(id) or self._g.ws.team_by_key.get(id.upper())
        return _one(self._g.team(info.key) if info is not None and not info.private else None, "Team")

    def users(self, **args: Any) -> Connection:
        users = [self._g.user(u.person) for u in reversed(self._g.ws.users)]
        shown = [u for u in users if u is not None and (u.active or args.get("includeDisabled"))]
        return self._g.filtered_page(shown, args)

    def user(self, id: str) -> UserNode:
        found = self._g.ws.user_by_id.get(id)
        return _one(self._g.user(found.person) if found is not None else None, "User")

    def workflowStates(self, **args: Any) -> Connection:
        states = [self._g.state(s.team_key, s.status_id) for t in self._g.ws.teams for s in t.states]
        return self._g.filtered_page(states, args)

    def workflowState(self, id: str) -> StateNode:
        state = self._g.ws.state_by_id.get(id)
        visible = state is not None and not self._g.ws.team_by_key[state.team_key].private
        return _one(
            self._g.state(state.team_key, state.status_id) if state and visible else None, "WorkflowState"
        )

    def issueLabels(self, **args: Any) -> Connection:
        return self._g.filtered_page([self._g.label(n) for n in reversed(self._g.ws.label_ids)], args)

    def issueLabel(self, id: str) -> LabelNode:
        name = self._g.ws.label_by_id.get(id)
        return _one(self._g.label(name) if name is not None else None, "IssueLabel")

    def issues(self, **args: Any) -> Connection:
        return page(self._g.root_issues(args), args, self._g.cap)

    def issue(self, id: str) -> IssueNode:
        found = self._g.ws.find_issue(id)
        return _one(self._g.issue(found) if found is not None else None, "Issue")

    def issueRelations(self, **args: Any) -> Connection:
        return self._g.relation_page(self._g.ws.relations, args)

    def issueRelation(self, id: str) -> RelationNode:
        found = self._g.ws.relation_by_id.get(id)
        return _one(RelationNode(self._g, found) if found is not None else None, "IssueRelation")

    def projects(self, **args: Any) -> Connection:
        return self._g.filtered_page([self._g.project(e) for e in reversed(self._g.ws.epics)], args)

    def project(self, id: str) -> ProjectNode:
        epic = self._g.ws.project_by_id.get(id)
        return _one(self._g.project(epic) if epic is not None else None, "Project")

    @property
    def projectStatuses(self) -> Any:
        return self._g.organization.projectStatuses

    def cycles(self, **args: Any) -> Connection:
        sprints = reversed(self._g.ws.org.sprints)
        return self._g.filtered_page([c for s in sprints if (c := self._g.cycle(s.sprint_id))], args)

    def cycle(self, id: str) -> CycleNode:
        sprint = self._g.ws.cycle_by_id.get(id)
        return _one(self._g.cycle(sprint.sprint_id) if sprint is not None else None, "Cycle")

    def teamMemberships(self, **args: Any) -> Connection:
        rows = [m for t in reversed(self._g.ws.teams) for m in self._g.memberships_of(t.key)]
        return page(rows, args, self._g.cap)
