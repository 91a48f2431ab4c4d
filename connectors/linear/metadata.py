"""Fetching a Linear workspace's reference data: teams and memberships, states, labels, users.

All of it is read in full (archived teams, states and labels included: old history rows point at
them; disabled users included: people who left still act in history), except users on a refresh
of a cached copy, read from the previous fetch on. The canonical model has no membership record
yet: memberships of the chosen teams are kept as raw `linear_team` records (and
`normalise.normalise_team` reads them) until it does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from orgpulse.config import SourceSettings
from orgpulse.errors import ProtocolError, SchemaDriftError
from orgpulse.model import Batch, Membership, Quarantined

from ..kit.pagers import ConnectionFollower, RelayPager
from ..kit.records import dump
from . import queries
from .client import LinearClient
from .cursor import Metadata
from .normalise_meta import normalise_team, normalise_users, normalise_workflow_states

LOG = logging.getLogger(__name__)

TEAMS_FIRST = 50
MEMBERS_FIRST = 50  # memberships with each team: 50 × 50 rows ≈ 6,400 points (the §2.8 warning)
MEMBERS_FOLLOW_UP_FIRST = 250
STATES_FIRST = 250
LABELS_FIRST = 250
USERS_FIRST = 250


def fetch_metadata(
    client: LinearClient,
    settings: SourceSettings,
    *,
    now: datetime,
    wanted: Sequence[str],
    users_since: datetime | None,
) -> tuple[Metadata, Batch]:
    """Fresh metadata, and the batch of statuses, workflows, people and teams it brings."""
    batch = Batch()
    teams: dict[str, str] = {}
    for raw in fetch_all(client, queries.TEAMS, "teams", TEAMS_FIRST, membersFirst=MEMBERS_FIRST):
        try:
            team_id, key, _ = normalise_team(raw)
        except SchemaDriftError as exc:
            batch.quarantined.append(
                Quarantined(str(raw.get("id") or "?"), "linear_team", str(exc), dump(raw))
            )
            continue
        teams[team_id] = key
        if not wanted or key in wanted:
            _complete_memberships(client, raw)
            batch.memberships += [
                Membership(m.team_key, m.person_id, m.since, m.until) for m in normalise_team(raw)[2]
            ]
            if settings.keep_raw:
                batch.raw.append(("linear_team", team_id, dump(raw)))
    states = fetch_all(client, queries.WORKFLOW_STATES, "workflowStates", STATES_FIRST)
    statuses, workflows, bad = normalise_workflow_states(states, set(wanted) or None)
    batch.statuses += statuses
    batch.workflow_statuses += workflows
    batch.quarantined += bad
    labels = {
        str(raw["id"]): str(raw.get("name") or raw["id"])
        for raw in fetch_all(client, queries.LABELS, "issueLabels", LABELS_FIRST, filter=None)
        if raw.get("id")
    }
    since = users_since - timedelta(minutes=settings.overlap_minutes) if users_since else None
    user_filter = {"updatedAt": {"gte": queries.iso(since)}} if since else None
    people, bad = normalise_users(fetch_all(client, queries.USERS, "users", USERS_FIRST, filter=user_filter))
    batch.people += people
    batch.quarantined += bad
    LOG.info("%s: metadata: %d teams, %d states, %d labels, %d people", settings.name, len(teams),
             len(statuses), len(labels), len(people))  # fmt: skip
    return Metadata(now, teams, labels), batch


def fetch_labels(client: LinearClient, ids: Iterable[str]) -> dict[str, str]:
    """Names of labels created since the metadata was cached, by id."""
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), LABELS_FIRST):
        chunk = wanted[start : start + LABELS_FIRST]
        label_filter = {"id": {"in": chunk}}
        for raw in fetch_all(client, queries.LABELS, "issueLabels", LABELS_FIRST, filter=label_filter):
            if raw.get("id"):
                found[str(raw["id"])] = str(raw.get("name") or raw["id"])
    return found


def fetch_all(
    client: LinearClient, name: str, field: str, first: int, **variables: Any
) -> list[MutableMapping[str, Any]]:
    """Every node of a root connection, page after page."""
    found: list[MutableMapping[str, Any]] = []
    pager = RelayPager(f"the {field} list", source=client.source)
    while True:
        data = client.query(queries.document(name), queries.page_variables(first, pager.after, **variables))
        connection = data.get(field)
        page = connection.get("nodes") if isinstance(connection, Mapping) else None
        if not isinstance(page, list):
            raise ProtocolError(f"{field} must answer {{nodes: [...]}}", source=client.source)
        nodes_found = [n for n in page if isinstance(n, MutableMapping)]
        found += nodes_found
        info = connection.get("pageInfo") if isinstance(connection, Mapping) else None
        if not pager.advance([str(n.get("id")) for n in nodes_found], info, received=len(page)):
            return found


def _complete_memberships(client: LinearClient, team: MutableMapping[str, Any]) -> None:
    """Page a team's memberships to their end, into its payload."""
    connection = team.get("memberships")
    if not isinstance(connection, MutableMapping):
        return
    follower = ConnectionFollower(f"the memberships of team {team['id']}", connection, source=client.source)
    while follower.after is not None:
        variables = {"id": team["id"], "after": follower.after, "membersFirst": MEMBERS_FOLLOW_UP_FIRST}
        data = client.query(queries.document(queries.TEAM_MEMBERSHIPS), variables)
        answer = data.get("team")
        page = answer.get("memberships") if isinstance(answer, Mapping) else None
        if not isinstance(page, Mapping):
            raise ProtocolError(f"team {team['id']}: no memberships page", source=client.source)
        follower.extend(page)
