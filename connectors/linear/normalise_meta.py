"""Pure functions from Linear reference payloads to canonical records: states, users, teams. No I/O.

Also the helpers every Linear normaliser shares: times, connection nodes, JSON dumps. State types
are an open set (`duplicate` appeared in 2026, LINEAR-NOTES §1): an unknown type becomes todo with
`category_known=False`, never an error. Users come with disabled ones (history actors who left);
app users are bots. The canonical model has no membership record yet: `normalise_team` returns
memberships as `TeamMembership`s for when it does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from orgpulse.errors import SchemaDriftError
from orgpulse.model import Category, Person, Quarantined, Status, WorkflowStatus

from ..kit.records import Raw, dump

CATEGORIES: Mapping[str, Category] = {
    "triage": Category.TODO,
    "backlog": Category.TODO,
    "unstarted": Category.TODO,
    "started": Category.IN_PROGRESS,
    "completed": Category.DONE,
    "canceled": Category.CANCELED,
    "duplicate": Category.CANCELED,
}


@dataclass(frozen=True)
class TeamMembership:
    """A person's membership of a Linear team (no canonical record yet: kept for the roster)."""

    team_key: str
    person_id: str
    owner: bool
    since: datetime | None
    until: datetime | None  # archived: the person left the team


def parse_linear_datetime(value: object) -> datetime:
    """An ISO 8601 time as Linear writes it (`2025-03-03T11:34:49.241Z`), as aware UTC."""
    if not isinstance(value, str) or not value:
        raise SchemaDriftError(f"not a time: {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SchemaDriftError(f"not a time: {value!r}") from exc
    if moment.tzinfo is None:
        raise SchemaDriftError(f"a time without a zone: {value!r}")
    return moment.astimezone(UTC)


def category_of(state_type: object) -> tuple[Category, bool]:
    """The category of a workflow state type, and whether the type is one orgpulse knows."""
    category = CATEGORIES.get(str(state_type)) if isinstance(state_type, str) else None
    return (category, True) if category is not None else (Category.TODO, False)


def normalise_state(raw: Raw) -> Status:
    state_id, name = raw.get("id"), raw.get("name")
    if not isinstance(state_id, str) or not state_id:
        raise SchemaDriftError("a workflow state without an id")
    category, known = category_of(raw.get("type"))
    return Status(state_id, str(name or state_id), category, category_known=known)


def normalise_workflow_states(
    raws: Iterable[object], team_keys: Collection[str] | None = None
) -> tuple[list[Status], list[WorkflowStatus], list[Quarantined]]:
    """Every state as a Status; the live states of `team_keys` (None: every team) as their workflow."""
    statuses: list[Status] = []
    workflows: list[WorkflowStatus] = []
    bad: list[Quarantined] = []
    for raw in raws:
        try:
            if not isinstance(raw, Mapping):
                raise SchemaDriftError("a workflow state that is not an object")
            status = normalise_state(raw)
        except SchemaDriftError as exc:
            bad.append(Quarantined(native_id(raw), "linear_state", str(exc), dump(raw)))
            continue
        statuses.append(status)
        team = raw.get("team")
        key = team.get("key") if isinstance(team, Mapping) else None
        live = isinstance(key, str) and bool(key) and raw.get("archivedAt") is None
        if live and (team_keys is None or key in team_keys):
            workflows.append(WorkflowStatus(str(key), status.status_id))
    return statuses, workflows, bad


def normalise_users(raws: Iterable[object]) -> tuple[list[Person], list[Quarantined]]:
    """Users (disabled ones included) as people; app users are bots."""
    people: list[Person] = []
    bad: list[Quarantined] = []
    for raw in raws:
        user_id = raw.get("id") if isinstance(raw, Mapping) else None
        if not isinstance(raw, Mapping) or not isinstance(user_id, str) or not user_id:
            bad.append(Quarantined(native_id(raw), "linear_user", "a user without an id", dump(raw)))
            continue
        name = raw.get("displayName") or raw.get("name") or ""
        people.append(Person(user_id, str(name), is_bot=raw.get("app") is True))
    return people, bad


def normalise_team(raw: Raw) -> tuple[str, str, list[TeamMembership]]:
    """A team's id, key and memberships (archived ones: people who left, with the date)."""
    team_id, key = raw.get("id"), raw.get("key")
    if not isinstance(team_id, str) or not team_id or not isinstance(key, str) or not key:
        raise SchemaDriftError("a team without an id or a key")
    found: list[TeamMembership] = []
    for node in nodes(raw.get("memberships")):
        user = node.get("user")
        person_id = user.get("id") if isinstance(user, Mapping) else None
        if not isinstance(person_id, str) or not person_id:
            continue
        found.append(
            TeamMembership(
                key,
                person_id,
                node.get("owner") is True,
                optional_time(node.get("createdAt")),
                optional_time(node.get("archivedAt")),
            )
        )
    return team_id, key, found


def nodes(connection: object) -> list[Raw]:
    """The node objects of a connection payload (none when it is missing or malformed)."""
    found = connection.get("nodes") if isinstance(connection, Mapping) else None
    return [n for n in found if isinstance(n, Mapping)] if isinstance(found, list) else []


def optional_time(value: object) -> datetime | None:
    try:
        return parse_linear_datetime(value) if value else None
    except SchemaDriftError:
        return None


def native_id(raw: object) -> str:
    value = raw.get("id") if isinstance(raw, Mapping) else None
    return str(value) if value else "?"
