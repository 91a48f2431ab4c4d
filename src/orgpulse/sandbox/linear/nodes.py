"""Served issue-side objects: Issue (and the outside issues relations reach), IssueHistory,
IssueRelation, Attachment, IssueStateSpan. Field names are the schema's (hence camelCase).

Each object reads the workspace through the `Graph` (`graph.py`) and builds its neighbours
on demand; connections are methods taking the field's arguments and returning one `page`.
History is oldest first; every other list newest first (Linear's default `createdAt` order,
as the recorded comment and issue pages show).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orgpulse.sandbox.linear.filters import FieldValue, FilterUnsupported
from orgpulse.sandbox.linear.history import Change, Story
from orgpulse.sandbox.linear.model import PRIORITY_LABELS, PRIORITY_OF_JIRA, URL_KEY, Relation, linear_id
from orgpulse.sandbox.linear.paging import Connection, page
from orgpulse.sandbox.org import site as cat
from orgpulse.sandbox.org.model import ExtIssue, Issue
from orgpulse.sandbox.org.weeks import utc_z

if TYPE_CHECKING:
    from orgpulse.sandbox.linear.graph import Graph
    from orgpulse.sandbox.linear.nodes_meta import CycleNode, ProjectNode, StateNode, TeamNode, UserNode


def _time(ms: int) -> str | None:
    return utc_z(ms) if ms >= 0 else None


def _slug(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title.lower()).split()
    return "-".join(words[:8])


class IssueNode:
    """A served issue (epics are projects, never issues)."""

    def __init__(self, graph: Graph, issue: Issue) -> None:
        self._g, self._issue = graph, issue
        self.record = issue  # the generator's issue (no field of Linear's Issue has this name)
        self.id = graph.ws.issue_ids[issue.ordinal]
        self.identifier = issue.key
        self.number = float(issue.key.rsplit("-", 1)[1])
        self.title = issue.summary
        self.previousIdentifiers = list(issue.old_keys)
        self.priority = float(PRIORITY_OF_JIRA.get(issue.priority, 0))
        self.priorityLabel = PRIORITY_LABELS[int(self.priority)]
        self.estimate = float(issue.story_points) if issue.story_points is not None else None
        self.createdAt = utc_z(issue.created)
        self.trashed = False
        self._archived_ms = graph.archived_ms(issue)
        self.is_archived = self._archived_ms >= 0

    @property
    def story(self) -> Story:
        return self._g.story(self._issue)

    @property
    def updatedAt(self) -> str:
        return utc_z(self._g.updated_ms(self._issue))

    @property
    def archivedAt(self) -> str | None:
        return _time(self._archived_ms)

    @property
    def autoArchivedAt(self) -> str | None:
        return self.archivedAt

    @property
    def startedAt(self) -> str | None:
        return _time(self.story.started_ms)

    @property
    def completedAt(self) -> str | None:
        return _time(self.story.completed_ms)

    @property
    def canceledAt(self) -> str | None:
        return _time(self.story.canceled_ms)

    @property
    def addedToTeamAt(self) -> str:
        moves = [c.at for c in self.story.changes if c.team is not None]
        return utc_z(moves[-1] if moves else self._issue.created)

    @property
    def addedToProjectAt(self) -> str | None:
        return self.createdAt if self._g.ws.project_of(self._issue) is not None else None

    @property
    def addedToCycleAt(self) -> str | None:
        joins = [c.at for c in self.story.changes if c.cycle is not None]
        return _time(joins[-1]) if joins else None

    @property
    def description(self) -> str:
        return f"{self._issue.summary}.\n\nFiled by the orgpulse sandbox."

    @property
    def url(self) -> str:
        return f"https://linear.app/{URL_KEY}/issue/{self.identifier}/{_slug(self.title)}"

    @property
    def branchName(self) -> str:
        return f"{self.identifier.lower()}-{_slug(self.title)}"[:60]

    @property
    def sortOrder(self) -> float:
        return float(-self._issue.ordinal)

    @property
    def labelIds(self) -> list[str]:
        return [self._g.ws.label_ids[name] for name in self._issue.labels]

    def labels(self, **args: Any) -> Connection:
        return page([self._g.label(name) for name in reversed(self._issue.labels)], args, self._g.cap)

    @property
    def team(self) -> TeamNode:
        return self._g.team(self._issue.team)

    @property
    def state(self) -> StateNode:
        return self._g.state(self._issue.team, self._issue.status)

    @property
    def assignee(self) -> UserNode | None:
        return self._g.user(self._issue.assignee)

    @property
    def creator(self) -> UserNode | None:
        return self._g.user(self._issue.reporter)

    @property
    def botActor(self) -> dict[str, Any] | None:
        return self._g.bot(self._issue.reporter)

    @property
    def project(self) -> ProjectNode | None:
        epic = self._g.ws.project_of(self._issue)
        return self._g.project(epic) if epic is not None else None

    @property
    def parent(self) -> IssueNode | None:
        parent = self._g.ws.parent_of(self._issue)
        return self._g.issue(parent) if parent is not None else None

    @property
    def cycle(self) -> CycleNode | None:
        sprints = self._issue.sprints
        return self._g.cycle(sprints[-1]) if sprints else None

    def children(self, **args: Any) -> Connection:
        kids = self._g.ws.children.get(self._issue.ordinal, [])
        return self._g.issue_page(reversed(kids), args)

    def history(self, **args: Any) -> Connection:
        story = self.story
        rows = [HistoryNode(self._g, self, self._issue, change) for change in story.changes]
        return page(rows, args, self._g.cap)

    def stateHistory(self, **args: Any) -> Connection:
        spans = [SpanNode(self._g, self._issue, n, span) for n, span in enumerate(self.story.spans)]
        return page(spans, args, self._g.cap)

    def relations(self, **args: Any) -> Connection:
        found = self._g.ws.outgoing.get(self._issue.ordinal, [])
        return self._g.relation_page(found, args)

    def inverseRelations(self, **args: Any) -> Connection:
        found = self._g.ws.incoming.get(self._issue.ordinal, [])
        return self._g.relation_page(found, args)

    def attachments(self, **args: Any) -> Connection:
        rows = [AttachmentNode(self._g, self, c) for c in self.story.changes if c.attachment >= 0]
        return page(rows[::-1], args, self._g.cap)

    # -- filtering ---------------------------------------------------------------------------
    def filter_field(self, name: str) -> FieldValue:
        issue, g = self._issue, self._g
        if name in ("createdAt", "updatedAt", "archivedAt", "autoArchivedAt"):
            ms = {"createdAt": issue.created, "updatedAt": g.updated_ms(issue)}.get(name, self._archived_ms)
            return "date", ms if ms >= 0 else None
        if name in ("completedAt", "canceledAt", "startedAt"):
            story = self.story
            ms = {"completedAt": story.completed_ms, "canceledAt": story.canceled_ms}.get(
                name, story.started_ms
            )
            return "date", ms if ms >= 0 else None
        if name in ("id", "number", "priority", "title", "estimate"):
            return "value", getattr(self, name)
        related: dict[str, Callable[[], object]] = {
            "team": lambda: self.team,
            "state": lambda: self.state,
            "assignee": lambda: self.assignee,
            "creator": lambda: self.creator,
            "project": lambda: self.project,
            "parent": lambda: self.parent,
            "cycle": lambda: self.cycle,
        }
        if name in related:
            return "one", related[name]()
        if name == "labels":
            return "many", [g.label(label) for label in issue.labels]
        raise FilterUnsupported(f"the sandbox does not filter issues by {name!r}")


class ExtIssueNode:
    """An issue of the private outside team EXT, seen only as the far side of a relation."""

    def __init__(self, graph: Graph, ext: ExtIssue) -> None:
        self._g, self._ext = graph, ext
        created, completed = graph.ws.ext_times(ext)
        self.id = graph.ws.ext_ids[ext.issue_id]
        self.identifier = ext.key
        self.number = float(ext.key.rsplit("-", 1)[1])
        self.title = ext.summary
        self.previousIdentifiers: list[str] = []
        self.priority = float(PRIORITY_OF_JIRA.get(ext.priority, 0))
        self.priorityLabel = PRIORITY_LABELS[int(self.priority)]
        self.createdAt = self.updatedAt = utc_z(created)
        self.completedAt = _time(completed)
        self.canceledAt = None
        self.startedAt = _time(created) if cat.STATUS_BY_ID[ext.status_id].category != cat.NEW else None
        self.archivedAt = None
        self.is_archived = False
        self.labelIds: list[str] = []
        self.url = f"https://linear.app/{URL_KEY}/issue/{ext.key}/{_slug(ext.summary)}"
        self.assignee = self.creator = self.project = self.parent = self.cycle = None

    @property
    def team(self) -> TeamNode:
        return self._g.team(self._ext.key.split("-")[0])

    @property
    def state(self) -> StateNode:
        return self._g.state(self._ext.key.split("-")[0], self._ext.status_id)

    def relations(self, **args: Any) -> Connection:
        return self._g.relation_page([r for r in self._g.ws.relations if r.source is self._ext], args)

    def inverseRelations(self, **args: Any) -> Connection:
        return self._g.relation_page([r for r in self._g.ws.relations if r.target is self._ext], args)


class RelationNode:
    """`issue` is the source (the blocker, the duplicate); `relatedIssue` the target."""

    def __init__(self, graph: Graph, relation: Relation) -> None:
        self._g, self._r = graph, relation
        link = relation.link
        self.id = relation.relation_id
        self.type = relation.type
        self.createdAt = utc_z(link.created)
        self.updatedAt = utc_z(max(link.created, link.removed))
        self.archivedAt = _time(link.removed) if link.removed > 0 else None
        self.is_archived = link.removed > 0
        self.created_ms = link.created

    @property
    def issue(self) -> IssueNode | ExtIssueNode:
        return self._g.any_issue(self._r.source)

    @property
    def relatedIssue(self) -> IssueNode | ExtIssueNode:
        return self._g.any_issue(self._r.target)


class HistoryNode:
    """One entry of an issue's history; a property it did not change is null."""

    def __init__(self, graph: Graph, owner: IssueNode, issue: Issue, change: Change) -> None:
        self._g, self._owner, self._c = graph, owner, change
        self.id = linear_id(graph.ws.org.seed, "history", issue.issue_id, change.seq)
        self.createdAt = self.updatedAt = utc_z(change.at)
        self.archivedAt = None
        self.is_archived = False
        actor = graph.ws.user_id(change.actor)
        self.actorId = actor
        self.botActor = graph.bot(change.actor)
        state, assignee, team, cycle = change.state, change.assignee, change.team, change.cycle
        ws = graph.ws
        self.fromStateId = ws.state(*state[0]).state_id if state else None
        self.toStateId = ws.state(*state[1]).state_id if state else None
        self.fromAssigneeId = ws.user_id(assignee[0]) if assignee else None
        self.toAssigneeId = ws.user_id(assignee[1]) if assignee else None
        self.fromTeamId = ws.team_by_key[team[0]].team_id if team else None
        self.toTeamId = ws.team_by_key[team[1]].team_id if team else None
        self.fromCycleId = ws.cycle_ids.get(cycle[0]) if cycle else None
        self.toCycleId = ws.cycle_ids.get(cycle[1]) if cycle else None
        self.fromPriority = float(change.priority[0]) if change.priority else None
        self.toPriority = float(change.priority[1]) if change.priority else None
        self.addedLabelIds = [ws.label_ids[n] for n in change.labels] if change.labels else None
        self.relationChanges = (
            [{"identifier": key, "type": kind} for key, kind in change.relations]
            if change.relations
            else None
        )
        self.updatedDescription = True if change.description else None
        self.attachmentId = graph.attachment_id(issue, change) if change.attachment >= 0 else None
        self.archived = self.autoArchived = True if change.archived else None
        (self.fromParentId, self.toParentId, self.fromProjectId, self.toProjectId) = (None, None, None, None)

    @property
    def issue(self) -> IssueNode:
        return self._owner

    @property
    def actor(self) -> UserNode | None:
        return self._g.user(self._c.actor)

    @property
    def actors(self) -> list[UserNode]:
        found = self.actor
        return [found] if found is not None else []

    @property
    def fromState(self) -> StateNode | None:
        return self._g.state(*self._c.state[0]) if self._c.state else None

    @property
    def toState(self) -> StateNode | None:
        return self._g.state(*self._c.state[1]) if self._c.state else None

    @property
    def fromAssignee(self) -> UserNode | None:
        return self._g.user(self._c.assignee[0]) if self._c.assignee else None

    @property
    def toAssignee(self) -> UserNode | None:
        return self._g.user(self._c.assignee[1]) if self._c.assignee else None

    @property
    def fromTeam(self) -> TeamNode | None:
        return self._g.team(self._c.team[0]) if self._c.team else None

    @property
    def toTeam(self) -> TeamNode | None:
        return self._g.team(self._c.team[1]) if self._c.team else None

    @property
    def fromCycle(self) -> CycleNode | None:
        return self._g.cycle(self._c.cycle[0]) if self._c.cycle else None

    @property
    def toCycle(self) -> CycleNode | None:
        return self._g.cycle(self._c.cycle[1]) if self._c.cycle else None

    @property
    def addedLabels(self) -> list[Any] | None:
        return [self._g.label(n) for n in self._c.labels] if self._c.labels else None

    @property
    def attachment(self) -> AttachmentNode | None:
        return AttachmentNode(self._g, self._owner, self._c) if self._c.attachment >= 0 else None

    fromParent = toParent = fromProject = toProject = None  # the generator never re-parents an issue


class AttachmentNode:
    """A pull request link or a file attached by a history entry."""

    def __init__(self, graph: Graph, owner: IssueNode, change: Change) -> None:
        self._owner = owner
        self.id = graph.attachment_id(owner.record, change)
        self.createdAt = self.updatedAt = utc_z(change.at)
        self.archivedAt = None
        self.is_archived = False
        number = 100 + change.seq
        self.title = f"Pull request #{number}"
        self.url = f"https://github.com/orgpulse-sandbox/app/pull/{number}"
        self.sourceType = "github"
        self.creator = graph.user(change.actor)

    @property
    def issue(self) -> IssueNode:
        return self._owner


class SpanNode:
    """One stay of the issue in a workflow state (`stateHistory`)."""

    def __init__(self, graph: Graph, issue: Issue, n: int, span: tuple[tuple[str, int], int, int]) -> None:
        self._g, self._ref = graph, span[0]
        self.id = linear_id(graph.ws.org.seed, "span", issue.issue_id, n)
        self.stateId = graph.ws.state(*span[0]).state_id
        self.startedAt = utc_z(span[1])
        self.endedAt = _time(span[2])
        self.is_archived = False

    @property
    def state(self) -> StateNode:
        return self._g.state(*self._ref)
