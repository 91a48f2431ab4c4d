"""The generated organisation, dialect-neutral: teams, people, issues with their skeleton histories.

An issue keeps only what carries meaning (status, assignee, resolution, flag, link and move
changes) as compact `Event` tuples; its filler history (ranks, labels, worklogs, ...) is derived
from the issue's own seed when it is rendered (`history.py`), so a 100,000-issue organisation fits
in memory. Dialects (`jira/cloud.py`, ...) turn these records into a service's JSON.

Event items are `(kind, a, b)` tuples of the generator's own vocabulary:
  ("status", from_status_id, to_status_id)      ("assignee", from_person, to_person)  (-1: nobody)
  ("resolution", from_id, to_id)  (-1: none)    ("flag", was_flagged, is_flagged)
  ("link", link_index, 1 added | 0 removed)     ("move", from_team_index, to_team_index)
  ("sprint", sprints_before, sprints_after)     (counts into `Issue.sprints`)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from orgpulse.sandbox.org.site import Workflow
from orgpulse.sandbox.org.weeks import Calendar

if TYPE_CHECKING:
    from orgpulse.sandbox.org.intervene import PlantedIntervention

Item = tuple[str, int, int]
Event = tuple[int, int, tuple[Item, ...]]  # (at epoch ms, actor person index or -1, items)


@dataclass(frozen=True, slots=True)
class Person:
    index: int
    account_id: str
    display_name: str
    account_type: str  # "atlassian" | "app"
    role: str  # member | po | director | manager | bot
    team: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class Team:
    index: int
    key: str
    name: str
    lang: str
    project_id: int
    workflow: Workflow
    members: tuple[int, ...]
    po: int
    director: int
    board_id: int
    team_uuid: str


@dataclass(frozen=True, slots=True)
class Sprint:
    sprint_id: int
    team: str
    name: str
    start_ms: int
    end_ms: int
    complete_ms: int  # -1 while not closed
    state: str
    board_id: int


@dataclass(frozen=True, slots=True)
class ExtIssue:
    """An issue of a project outside the served set: seen only through links."""

    issue_id: int
    key: str
    summary: str
    status_id: int
    type_id: int
    priority: int


@dataclass(slots=True, eq=False)
class Issue:
    plan: int
    team: str
    type_id: int
    created: int
    summary: str
    reporter: int
    seed: int
    fate: str = "open"  # done | canceled | open | epic
    parent: Issue | None = None
    origin_team: str | None = None  # the project it was created in, when it moved later
    initial_status: int = 0
    initial_assignee: int = -1
    priority0: int = 3
    priority: int = 3
    labels: tuple[str, ...] = ()
    story_points: int | None = None
    events: list[Event] = field(default_factory=list)
    sprints: tuple[int, ...] = ()
    done_ms: int = -1
    commit_ms: int = -1
    locked: bool = False  # used by an injection: never moved, never given healthy links
    n_filler: int = 0
    quiet_after: int = -1  # filler history stops here (an issue left untouched until a cleanup)
    # Set when the organisation is finalised:
    ordinal: int = -1
    issue_id: int = 0
    key: str = ""
    old_keys: tuple[str, ...] = ()
    updated: int = 0
    status: int = 0
    assignee: int = -1
    resolution: int = -1
    resolved: int = -1
    category_changed: int = 0
    flagged: bool = False

    @property
    def history_total(self) -> int:
        return len(self.events) + self.n_filler


@dataclass(slots=True, eq=False)
class Link:
    """One issue link. For a blocking type the outward issue holds the inward one up."""

    index: int
    link_id: int
    type_id: int
    outward: Issue | ExtIssue
    inward: Issue | ExtIssue
    created: int
    removed: int = -1
    author: int = -1


@dataclass(frozen=True, slots=True)
class Cell:
    symptom: str
    team: str
    week: int
    issues: tuple[Issue, ...]


@dataclass
class Traps:
    """What `traps.lay_traps` laid in healthy teams: the issues of each trap and the weeks it used."""

    migrated_team: str | None = None
    migration_week: int = -1
    retired_entries: list[Issue] = field(default_factory=list)  # completed into the retired status
    cleaned_up: list[Issue] = field(default_factory=list)  # stale issues closed in bulk: canceled
    cleanup_week: int = -1
    released: list[Issue] = field(default_factory=list)  # recent work closed in bulk: completed
    release_week: int = -1
    reopened: list[Issue] = field(default_factory=list)
    protected: dict[str, set[int]] = field(default_factory=dict)  # team -> weeks no trap may touch


@dataclass(eq=False)
class Org:
    """A whole generated organisation. Build one with `generate_org`; treat it as read-only."""

    seed: int
    issue_count: int
    anchor: date
    weeks: int
    calendar: Calendar
    teams: tuple[Team, ...]
    people: tuple[Person, ...]
    issues: list[Issue]  # ascending issue id
    links: list[Link]
    ext_issues: list[ExtIssue]
    sprints: list[Sprint]
    cells: list[Cell]
    control_teams: tuple[str, ...]
    traps: Traps = field(default_factory=Traps)
    by_key: dict[str, Issue] = field(default_factory=dict)  # current and former keys
    by_id: dict[int, Issue] = field(default_factory=dict)
    team_by_key: dict[str, Team] = field(default_factory=dict)
    sprint_by_id: dict[int, Sprint] = field(default_factory=dict)
    interventions: list[PlantedIntervention] = field(default_factory=list)  # with their known outcomes

    def iter_issues(self) -> Iterator[Issue]:
        return iter(self.issues)

    def find(self, id_or_key: str) -> Issue | None:
        """An issue by id or key (former keys of moved issues resolve too, as on Jira)."""
        if id_or_key.isdigit():
            return self.by_id.get(int(id_or_key))
        return self.by_key.get(id_or_key.upper())
