"""One issue's life as Linear records it (`Story`), and the totals a Linear sync must hold. Pure.

The issue's history entries (`history.full_history`: skeleton events and filler) become
`IssueHistory` entries; what Linear has no field for is dropped, and an entry left with no change
disappears. Item by item:
  status           -> fromState/toState (states of the issue's team at that moment)
  assignee         -> fromAssignee/toAssignee
  move             -> fromTeam/toTeam, plus a state change: states are per team, so even a move
                      between two workflows sharing "Backlog" changes the state (Jira records none)
  sprint           -> fromCycle/toCycle;  priority -> fromPriority/toPriority (Linear's scale)
  label            -> addedLabelIds;      desc -> updatedDescription
  remote, attach   -> attachmentId (a pull request link, a file)
  link             -> relationChanges on each served side ({identifier, type}; Linear documents no
                      type values: the sandbox writes blocks_added, blocked_by_removed, ...)
  resolution, flag, rank, worklog(id), estimate (time tracking), fixv, startdate -> nothing
                      (Linear has no resolution, no Flagged field, no time tracking, no fix versions)
Linear's creation window (LINEAR-NOTES §2.2): "changes made to an issue's properties in the first
3 minutes are considered part of the issue creation process" -- they shape the initial values
and are not history. A completed or canceled issue is archived `AUTO_ARCHIVE_DAYS` after it
closed when that is before the history's end (Team.autoArchivePeriod = 3 months), with an
`autoArchived` entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orgpulse.sandbox.linear.model import DAY_MS, PRIORITY_OF_JIRA, RELATION_TYPES, Workspace
from orgpulse.sandbox.org.history import Entry, full_history
from orgpulse.sandbox.org.model import Issue, Link, Org

CREATION_WINDOW_MS = 180_000
AUTO_ARCHIVE_DAYS = 91
AUTO_ARCHIVE_MONTHS = 3.0
_INVERSE = {"blocks": "blocked_by", "duplicate": "duplicated_by"}

StateRef = tuple[str, int]  # (team key, status id)


@dataclass(frozen=True, slots=True)
class Change:
    """One Linear history entry; a field is None when the entry did not change it."""

    seq: int  # position in the issue's merged history (a stable id)
    at: int
    actor: int  # person index, -1 when nobody is recorded
    state: tuple[StateRef, StateRef] | None = None
    assignee: tuple[int, int] | None = None
    team: tuple[str, str] | None = None
    cycle: tuple[int, int] | None = None  # sprint ids, -1 for none
    priority: tuple[int, int] | None = None
    labels: tuple[str, ...] = ()
    relations: tuple[tuple[str, str], ...] = ()  # (identifier, change type)
    description: bool = False
    attachment: int = -1
    archived: bool = False


@dataclass(frozen=True, slots=True)
class Story:
    """What Linear shows of one issue: initial values, history entries, derived timestamps."""

    initial_state: StateRef
    initial_assignee: int
    changes: tuple[Change, ...]
    spans: tuple[tuple[StateRef, int, int], ...]  # (state, started, ended or -1)
    started_ms: int
    completed_ms: int
    canceled_ms: int
    archived_ms: int


def _relation_change(org: Org, issue: Issue, link: Link, added: bool) -> tuple[str, str]:
    """(the other issue's identifier, the change as this issue sees it: blocked_by_added, ...)."""
    kind = RELATION_TYPES.get(link.type_id, "related")
    source = link.outward is issue
    other = link.inward if source else link.outward
    seen = kind if source or kind == "related" else _INVERSE[kind]
    return other.key, f"{seen}_{'added' if added else 'removed'}"


def _sprint_at(issue: Issue, count: int) -> int:
    return issue.sprints[count - 1] if 0 < count <= len(issue.sprints) else -1


class _Walk:
    """The running values of one issue while its entries are read."""

    def __init__(self, ws: Workspace, issue: Issue) -> None:
        self.ws, self.issue = ws, issue
        self.team = ws.team_key_at_creation(issue)
        self.status, self.assignee = issue.initial_status, issue.initial_assignee

    def read(self, seq: int, entry: Entry) -> Change:
        """Apply one entry; the Linear change it records (maybe empty)."""
        org, issue = self.ws.org, self.issue
        before_state, before_assignee = (self.team, self.status), self.assignee
        team = cycle = priority = None
        labels: list[str] = []
        relations: list[tuple[str, str]] = []
        description, attachment = False, -1
        for kind, a, b in entry.items:
            if kind == "status":
                self.status = b
            elif kind == "assignee":
                self.assignee = b
            elif kind == "move":
                team = (self.team, org.teams[b].key)
                self.team = org.teams[b].key
            elif kind == "sprint":
                cycle = (_sprint_at(issue, a), _sprint_at(issue, b))
            elif kind == "priority":
                old, new = PRIORITY_OF_JIRA.get(a, 0), PRIORITY_OF_JIRA.get(b, 0)
                priority = (old, new) if old != new else None
            elif kind == "label":
                labels.append(issue.labels[a])
            elif kind == "desc":
                description = True
            elif kind in ("remote", "attach"):
                attachment = seq
            elif kind == "link":
                relations.append(_relation_change(org, issue, org.links[a], bool(b)))
            # any other kind (resolution, flag, time tracking, ...) has no Linear field
        after_state = (self.team, self.status)
        return Change(
            seq,
            entry.at,
            entry.actor,
            state=(before_state, after_state) if after_state != before_state else None,
            assignee=(before_assignee, self.assignee) if self.assignee != before_assignee else None,
            team=team,
            cycle=cycle,
            priority=priority,
            labels=tuple(labels),
            relations=tuple(relations),
            description=description,
            attachment=attachment,
        )


def _empty(change: Change) -> bool:
    return (
        change.state is None
        and change.assignee is None
        and change.team is None
        and change.cycle is None
        and change.priority is None
        and not change.labels
        and not change.relations
        and not change.description
        and change.attachment < 0
    )


def translate(ws: Workspace, issue: Issue, entries: Sequence[Entry], horizon_ms: int) -> Story:
    """The issue's Linear story from its merged history entries (oldest first)."""
    walk = _Walk(ws, issue)
    start = 0
    while start < len(entries) and entries[start].at - issue.created < CREATION_WINDOW_MS:
        walk.read(start, entries[start])  # part of the creation: it shapes the initial values only
        start += 1
    initial_state, initial_assignee = (walk.team, walk.status), walk.assignee
    changes = [c for c in (walk.read(n, entries[n]) for n in range(start, len(entries))) if not _empty(c)]
    spans: list[tuple[StateRef, int, int]] = []
    state, since = initial_state, issue.created
    for change in changes:
        if change.state is not None:
            spans.append((state, since, change.at))
            state, since = change.state[1], change.at
    spans.append((state, since, -1))
    started = next((begin for ref, begin, _ in spans if ws.state(*ref).type == "started"), -1)
    final = ws.state(*state).type
    completed = since if final == "completed" else -1
    canceled = since if final == "canceled" else -1
    archived = -1
    closed = max(completed, canceled)
    if closed > 0 and closed + AUTO_ARCHIVE_DAYS * DAY_MS <= horizon_ms:
        archived = closed + AUTO_ARCHIVE_DAYS * DAY_MS
        changes.append(Change(len(entries), archived, -1, archived=True))
    return Story(
        initial_state, initial_assignee, tuple(changes), tuple(spans), started, completed, canceled, archived
    )


def story_of(ws: Workspace, issue: Issue) -> Story:
    """The full story, filler included (what the API serves)."""
    horizon = ws.org.calendar.horizon_ms
    team = ws.org.team_by_key[issue.team]
    return translate(ws, issue, full_history(issue, team, horizon), horizon)


def skeleton_story(ws: Workspace, issue: Issue) -> Story:
    """The story of the skeleton events only: the same states, assignees, teams and cycles."""
    entries = [Entry(n, at, actor, items) for n, (at, actor, items) in enumerate(issue.events)]
    return translate(ws, issue, entries, ws.org.calendar.horizon_ms)


def linear_totals(org: Org, workspace: Workspace | None = None) -> dict[str, int]:
    """What a faithful connector holds after a full Linear sync of the org's teams.

    issues: every issue but the epics (they are projects); status_changes / assignee_changes:
    history entries that change the state / the assignee; links: relations not archived.
    """
    ws = workspace or Workspace(org)
    status_changes = assignee_changes = 0
    for issue in ws.issues:
        for change in skeleton_story(ws, issue).changes:
            status_changes += change.state is not None
            assignee_changes += change.assignee is not None
    return {
        "issues": len(ws.issues),
        "status_changes": status_changes,
        "assignee_changes": assignee_changes,
        "links": sum(1 for r in ws.relations if r.link.removed < 0),
    }
