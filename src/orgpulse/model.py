"""The canonical, source-independent records that normalisers produce and the store keeps.

Every id is the source-native id; the store namespaces it by the source name. Every datetime is
timezone-aware UTC (a naive datetime is a bug).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, overload


class Category(StrEnum):
    """Where a status sits in the source's own life cycle."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELED = "canceled"


class Role(StrEnum):
    """What waiting in a status means for the organisation (SYMPTOMS.md, status roles)."""

    ACTIVE = "active"
    QUEUE = "queue"
    APPROVAL = "approval"
    BLOCKED = "blocked"
    MEETING = "meeting"
    REVIEW = "review"
    NONE = "none"


class LinkKind(StrEnum):
    BLOCKS = "blocks"
    RELATES = "relates"
    DUPLICATES = "duplicates"


@dataclass(frozen=True)
class Person:
    person_id: str
    display_name: str
    is_bot: bool = False


@dataclass(frozen=True)
class Status:
    status_id: str
    name: str
    category: Category
    category_known: bool = True


@dataclass(frozen=True)
class Issue:
    issue_id: str
    key: str
    project_key: str
    team_key: str | None
    type_name: str
    is_epic: bool
    title: str
    created: datetime
    updated: datetime
    status_id: str
    labels: tuple[str, ...] = ()
    priority: str | None = None
    parent_id: str | None = None
    parent_key: str | None = None
    resolved: datetime | None = None
    resolution: str | None = None
    assignee_id: str | None = None
    flagged: bool = False
    # The number of history entries the source says the issue has (Jira changelog total).
    history_total: int | None = None
    components: tuple[str, ...] = ()
    team_field: str | None = None  # the Jira Team field's value (team name), for team mapping
    url: str | None = None  # the issue's page when the source gives one (Linear); Jira's is <site>/browse/KEY


@dataclass(frozen=True)
class Change:
    """One item of one history entry: keyed by (issue_id, history_id, item_index)."""

    issue_id: str
    history_id: str
    item_index: int
    at: datetime
    actor_id: str | None


@dataclass(frozen=True)
class History:
    """One history entry (Jira changelog history, Linear history node), whatever its items."""

    issue_id: str
    history_id: str
    at: datetime
    actor_id: str | None
    item_count: int


class HistoryRows(Sequence[History]):
    """History entries kept as columns, one list per field of `History`, in order.

    A full sync normalises millions of entries: building one frozen `History` each cost more CPU
    than writing it, and the store writes them column by column anyway (`store.batch.columns_of`).
    Read as a sequence, it gives `History` records (built on access) and equals any sequence of
    the same records; `add` takes an entry's values without building one.
    """

    FIELDS = ("issue_id", "history_id", "at", "actor_id", "item_count")

    def __init__(self, records: Iterable[History] = ()) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in self.FIELDS}
        self += records

    def add(
        self, issue_id: str, history_id: str, at: datetime, actor_id: str | None, item_count: int
    ) -> None:
        columns = self.columns
        columns["issue_id"].append(issue_id)
        columns["history_id"].append(history_id)
        columns["at"].append(at)
        columns["actor_id"].append(actor_id)
        columns["item_count"].append(item_count)

    @classmethod
    def of_columns(cls, **columns: list[Any]) -> HistoryRows:
        """Rows given as their columns (every field of `History`, equally long), taken as they are."""
        if set(columns) != set(cls.FIELDS) or len({len(v) for v in columns.values()}) > 1:
            raise ValueError(f"HistoryRows takes the columns {cls.FIELDS}, equally long")
        rows = cls()
        rows.columns = {name: columns[name] for name in cls.FIELDS}
        return rows

    def append(self, record: History) -> None:
        self.add(record.issue_id, record.history_id, record.at, record.actor_id, record.item_count)

    def extend(self, records: Iterable[History]) -> None:
        if isinstance(records, HistoryRows):
            for name, values in self.columns.items():
                values += records.columns[name]
        else:
            for record in records:
                self.append(record)

    def __iadd__(self, records: Iterable[History]) -> HistoryRows:
        self.extend(records)
        return self

    def __len__(self) -> int:
        return len(self.columns["issue_id"])

    @overload
    def __getitem__(self, index: int) -> History: ...
    @overload
    def __getitem__(self, index: slice) -> HistoryRows: ...
    def __getitem__(self, index: int | slice) -> History | HistoryRows:
        if isinstance(index, slice):
            part = HistoryRows()
            part.columns = {name: values[index] for name, values in self.columns.items()}
            return part
        return History(*(values[index] for values in self.columns.values()))

    def __iter__(self) -> Iterator[History]:
        return map(History, *self.columns.values())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HistoryRows):
            return self.columns == other.columns
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HistoryRows({list(self)!r})"


@dataclass(frozen=True)
class StatusChange(Change):
    from_status: str | None = None
    to_status: str | None = None


@dataclass(frozen=True)
class AssigneeChange(Change):
    from_person: str | None = None
    to_person: str | None = None


@dataclass(frozen=True)
class TeamChange(Change):
    from_team: str | None = None
    to_team: str | None = None


@dataclass(frozen=True)
class FlagChange(Change):
    flagged: bool = False


@dataclass(frozen=True)
class ParentChange(Change):
    """The issue's parent (epic, parent issue, Linear project) was set, changed or cleared."""

    from_parent_id: str | None = None
    from_parent_key: str | None = None
    to_parent_id: str | None = None
    to_parent_key: str | None = None


@dataclass(frozen=True)
class ResolutionChange(Change):
    """The issue's resolution was set, changed or cleared (Jira `resolution` item; names, not ids).

    It decides the category of a status the site no longer lists, and places a completion that
    statuses cannot (SYMPTOMS.md, "Statuses the site no longer lists").
    """

    from_resolution: str | None = None
    to_resolution: str | None = None


@dataclass(frozen=True)
class WorkflowStatus:
    """A status that a project's (or Linear team's) workflow defines, used or not."""

    project_key: str
    status_id: str


@dataclass(frozen=True)
class Link:
    """A relation between two issues. For BLOCKS, `from_issue` blocks `to_issue`.

    The far side may be outside the synced projects: its id may be unknown, its key is not.
    """

    link_id: str
    kind: LinkKind
    from_issue_key: str
    to_issue_key: str
    from_issue_id: str | None = None
    to_issue_id: str | None = None
    type_id: str | None = None
    created_at: datetime | None = None
    removed_at: datetime | None = None
    # Current status category of each side as the payload reports it (None: not reported); it
    # is what tells whether a blocker outside the synced projects is done.
    from_done: bool | None = None
    to_done: bool | None = None


@dataclass(frozen=True)
class Quarantined:
    native_id: str
    kind: str
    reason: str
    payload: str


@dataclass(frozen=True)
class Membership:
    """A person's declared membership of a team (Linear team memberships); `until` when they left."""

    team_key: str
    person_id: str
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Census:
    """Every issue id (with its key) the source holds now in `projects`: what is absent was deleted
    (or moved out of scope), a new key means the issue moved."""

    projects: tuple[str, ...]
    keys_by_id: Mapping[str, str]


@dataclass
class Batch:
    """What one page of a sync yields; the store commits it, with its cursor, in one transaction."""

    issues: list[Issue] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    histories: HistoryRows | list[History] = field(default_factory=HistoryRows)
    people: list[Person] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    assignee_changes: list[AssigneeChange] = field(default_factory=list)
    team_changes: list[TeamChange] = field(default_factory=list)
    flag_changes: list[FlagChange] = field(default_factory=list)
    parent_changes: list[ParentChange] = field(default_factory=list)
    resolution_changes: list[ResolutionChange] = field(default_factory=list)
    # Replaces the stored workflow of each project it names.
    workflow_statuses: list[WorkflowStatus] = field(default_factory=list)
    # Replaces the stored memberships of each team it names.
    memberships: list[Membership] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    raw: list[tuple[str, str, str | bytes]] = field(default_factory=list)  # (kind, native_id, JSON)
    quarantined: list[Quarantined] = field(default_factory=list)
    census: Census | None = None
    # Per issue of this batch: True when every history entry the source counts was fetched.
    history_complete: dict[str, bool] = field(default_factory=dict)

    def extend(self, other: Batch) -> None:
        self.issues += other.issues
        self.statuses += other.statuses
        self.histories.extend(other.histories)
        self.people += other.people
        self.status_changes += other.status_changes
        self.assignee_changes += other.assignee_changes
        self.team_changes += other.team_changes
        self.flag_changes += other.flag_changes
        self.parent_changes += other.parent_changes
        self.resolution_changes += other.resolution_changes
        self.workflow_statuses += other.workflow_statuses
        self.memberships += other.memberships
        self.links += other.links
        self.raw += other.raw
        self.quarantined += other.quarantined
        self.history_complete.update(other.history_complete)
        self.census = other.census or self.census
