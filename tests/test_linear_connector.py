"""The Linear connector end to end against a small fake Linear (tests/linear_fake.py, MockTransport).

The fake executes the real schema, pages every connection and prices every query, so these tests
also prove that the connector's requests are valid Linear GraphQL under 10,000 points.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from linear_fake import API_KEY, URL, FakeLinear, error_response
from orgpulse.config import Secret, SourceSettings
from orgpulse.connector import Page
from orgpulse.connectors.linear import connector as linear
from orgpulse.connectors.linear.client import LinearClient
from orgpulse.connectors.linear.connector import LinearConnector
from orgpulse.connectors.linear.cursor import LINEAR_CURSOR
from orgpulse.errors import AuthError, ProtocolError
from orgpulse.model import Batch, LinkKind
from orgpulse.store import Store

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
STATE_TYPES = ("triage", "backlog", "unstarted", "started", "completed", "canceled", "duplicate")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Org:
    """A generated workspace: ENG and OPS (chosen), LEGACY (archived), a few people, labels, issues."""

    def __init__(
        self,
        count: int,
        *,
        seed: int = 3,
        long_share: float = 0.25,
        long_size: tuple[int, int] = (70, 70),
        short_size: tuple[int, int] = (1, 12),
    ) -> None:
        rng = random.Random(seed)
        self.fake = FakeLinear()
        self.fake.teams = [self._team("t-eng", "ENG", 3), self._team("t-ops", "OPS", 57)]
        self.fake.teams.append({**self._team("t-old", "LEGACY", 1), "archivedAt": iso(START)})
        self.fake.users = [
            {
                "id": f"u{n}",
                "name": f"User {n}",
                "displayName": f"user{n}",
                "active": n != 5,
                "app": n == 6,
                "updatedAt": iso(START),
            }
            for n in range(1, 7)
        ]
        self.fake.users += [{"id": f"m{n}", "name": "", "displayName": "", "active": True, "app": False,
                             "updatedAt": iso(START)} for n in range(60)]  # fmt: skip
        self.fake.states = [
            {
                "id": f"{team}-{kind}",
                "name": kind.title(),
                "type": kind,
                "position": float(n),
                "archivedAt": None,
                "team": {"id": f"t-{team.lower()}", "key": team},
            }
            for team in ("ENG", "OPS", "LEGACY")
            for n, kind in enumerate(STATE_TYPES)
        ]
        self.fake.states.append({**self.fake.states[0], "id": "ENG-retired", "archivedAt": iso(START)})
        self.fake.labels = [{"id": "l1", "name": "meeting", "updatedAt": iso(START)}]
        self.history_count: dict[str, int] = {}
        self.status_changes = self.assignee_changes = 0
        for n in range(count):
            size = rng.randint(*long_size) if rng.random() < long_share else rng.randint(*short_size)
            self.add_issue(n, size)
        issues = {i["identifier"]: i for i in self.fake.issues}
        self.links = 0
        if count < 20:
            return
        # ENG-1 blocks ENG-2 and seven issues more: its relations need a second page.
        for target in [f"ENG-{k}" for k in range(2, 10)]:
            self.relate("blocks", issues["ENG-1"], issues[target])
        self.relate("duplicate", issues["ENG-3"], issues["ENG-4"])
        self.relate("related", issues["OPS-1"], issues["ENG-5"])
        # The archived issue ENG-7 still counts, with its relation.
        issues["ENG-7"]["archivedAt"] = iso(START + timedelta(days=30))

    def _team(self, team_id: str, key: str, members: int) -> dict[str, Any]:
        rows = [
            {
                "id": f"{team_id}-m{n}",
                "owner": n == 0,
                "createdAt": iso(START),
                "archivedAt": None,
                "user": {"id": f"m{n}"},
            }
            for n in range(members)
        ]
        return {"id": team_id, "key": key, "name": key.title(), "archivedAt": None, "memberships": rows}

    def add_issue(self, n: int, size: int, *, updated: datetime | None = None) -> dict[str, Any]:
        team = "ENG" if n % 2 == 0 else "OPS"
        number = n // 2 + 1
        issue_id = f"issue-{n:05d}"
        created = START + timedelta(hours=n)
        history = []
        state = f"{team}-backlog"
        for k in range(size):
            moment = created + timedelta(minutes=5 + k)
            node: dict[str, Any] = {"id": f"{issue_id}-h{k:03d}", "createdAt": iso(moment), "actorId": "u1",
                                    "botActor": None}  # fmt: skip
            if k % 2 == 0:
                new_state = f"{team}-{('started', 'unstarted')[k // 2 % 2]}"
                node.update(fromStateId=state, toStateId=new_state)
                state = new_state
                self.status_changes += 1
            else:
                node.update(
                    fromAssigneeId=None if k == 1 else f"u{k % 4 + 1}", toAssigneeId=f"u{(k + 1) % 4 + 1}"
                )
                self.assignee_changes += 1
            if k == 2:
                node.update(actorId=None, botActor={"id": "bot-gh", "name": "GitHub", "type": "github"})
            history.append(node)
        self.history_count[issue_id] = size
        row = {
            "id": issue_id,
            "identifier": f"{team}-{number}",
            "url": f"https://linear.app/acme/issue/{team}-{number}/issue-{n}",
            "title": f"Issue {n}",
            "priorityLabel": "Medium",
            "createdAt": iso(created),
            "updatedAt": iso(updated or created + timedelta(minutes=5 + size)),
            "archivedAt": None,
            "completedAt": None,
            "canceledAt": None,
            "trashed": None,
            "labelIds": ["l1"] if n % 5 == 0 else [],
            "team": {"id": f"t-{team.lower()}", "key": team},
            "state": next(s for s in self.fake.states if s["id"] == state),
            "assignee": None,
            "project": {"id": "p1", "name": "Q2 goals"} if n % 3 == 0 else None,
            "parent": None,
            "history": history,
            "relations": [],
            "inverseRelations": [],
        }
        self.fake.issues.append(row)
        return row

    def relate(self, kind: str, source: dict[str, Any], target: dict[str, Any]) -> None:
        self.links += 1
        rel = {"id": f"rel-{self.links}", "type": kind, "createdAt": iso(START), "archivedAt": None,
               "updatedAt": iso(START), "issue": source, "relatedIssue": target}  # fmt: skip
        source["relations"].append(rel)
        target["inverseRelations"].append(rel)


def settings(**overrides: Any) -> SourceSettings:
    values: dict[str, Any] = {
        "name": "lin",
        "kind": "linear",
        "url": URL,
        "auth": "bearer",
        "token": Secret(API_KEY),
        "teams": ("ENG", "OPS"),
        "max_retries": 2,
    }
    values.update(overrides)
    return SourceSettings(**values)


def connector(org: Org, **overrides: Any) -> LinearConnector:
    config = settings(**overrides)
    client = LinearClient(config, transport=org.fake.transport(), sleep=lambda _: None)
    return LinearConnector(config, client=client)


def sync(
    store: Store, org: Org, *, full: bool = False, now: datetime = NOW, **overrides: Any
) -> LinearConnector:
    linear_connector = connector(org, **overrides)
    store.save_source("lin", "linear", URL)
    for page in linear_connector.fetch(store.load_cursor("lin"), full=full, now=now):
        store.save_page("lin", page.batch, page.cursor, now=now)
    return linear_connector


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'linear.db'}")
    yield store
    store.engine.dispose()


def test_constructor_does_no_io() -> None:
    org = Org(2)
    linear_connector = connector(org)
    assert linear_connector.requests == 0
    assert org.fake.attempts == 0


def test_full_sync_gets_every_history_entry_in_few_requests(sqlite: Store) -> None:
    org = Org(200)
    linear_connector = sync(sqlite, org)
    totals = sqlite.source_totals("lin")
    assert totals["issues"] == 200
    assert totals["status_changes"] == org.status_changes
    assert totals["assignee_changes"] == org.assignee_changes
    assert totals["links"] == org.links == 10
    assert totals["quarantined"] == 0
    with sqlite.engine.connect() as conn:
        stored = dict(
            conn.exec_driver_sql("SELECT issue_id, count(*) FROM histories GROUP BY issue_id").all()
        )
        complete = {
            r[0] for r in conn.exec_driver_sql("SELECT issue_id FROM issues WHERE history_complete").all()
        }
    assert stored == org.history_count  # every entry of every history, the 70-entry ones included
    assert complete == set(org.history_count)
    assert linear_connector.requests == org.fake.attempts
    # Metadata 5 (teams, OPS's second page of members, states, labels, users), 3 list pages of 84
    # issues, 2 follow-ups for the 52 issues whose history or relations go on.
    assert linear_connector.requests == 10
    with sqlite.engine.connect() as conn:
        archived = conn.exec_driver_sql("SELECT count(*) FROM issues WHERE key = 'ENG-7'").scalar_one()
    assert archived == 1  # archived issues are asked for (the fake hides them otherwise)
    assert max(s.points for s in org.fake.seen) <= linear.QUERY_BUDGET


def test_every_request_asks_archived_rows_and_disabled_users(sqlite: Store) -> None:
    org = Org(10)
    sync(sqlite, org)
    for seen in org.fake.seen:
        for root in ("issues(", "teams(", "workflowStates(", "issueLabels(", "users("):
            if f" {root}" in seen.query or seen.query.lstrip().startswith(root):
                assert "includeArchived: true" in seen.query
        assert seen.headers["authorization"] == API_KEY
    users = next(s for s in org.fake.seen if "users(" in s.query)
    assert "includeDisabled: true" in users.query
    issues = next(s for s in org.fake.seen if "orderBy: updatedAt" in s.query)
    assert issues.variables["filter"]["team"] == {"id": {"in": ["t-eng", "t-ops"]}}
    with sqlite.engine.connect() as conn:
        people = dict(conn.exec_driver_sql("SELECT person_id, is_bot FROM people").all())
        workflow = conn.exec_driver_sql("SELECT DISTINCT project_key FROM workflow_statuses").scalars().all()
        raw = (
            conn.exec_driver_sql("SELECT native_id FROM raw_records WHERE kind = 'linear_team'")
            .scalars()
            .all()
        )
    assert people["u5"] == 0
    assert people["u6"] == 1
    assert people["bot-gh"] == 1
    assert sorted(workflow) == ["ENG", "OPS"]
    assert sorted(raw) == ["t-eng", "t-ops"]


def test_memberships_of_a_large_team_are_paged_to_the_end(sqlite: Store) -> None:
    org = Org(4)
    sync(sqlite, org)
    payload = sqlite.read_raw("lin", "linear_team", "t-ops")
    assert payload is not None
    assert len(json.loads(payload)["memberships"]["nodes"]) == 57
    with sqlite.engine.connect() as conn:
        members = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM team_memberships WHERE team_key = 'OPS'"
        ).scalar_one()
    assert members == 57
    assert any("memberships(first: $membersFirst, after: $after" in s.query for s in org.fake.seen)


def test_relations_needing_a_second_page_are_all_read(sqlite: Store) -> None:
    org = Org(30)
    sync(sqlite, org)
    with sqlite.engine.connect() as conn:
        blocked = conn.exec_driver_sql(
            "SELECT to_issue_key FROM links WHERE kind = 'blocks' AND from_issue_key = 'ENG-1'"
        ).scalars()
        assert sorted(blocked) == sorted(f"ENG-{k}" for k in range(2, 10))
        kinds = dict(conn.exec_driver_sql("SELECT link_id, kind FROM links").all())
    assert kinds["rel-9"] == LinkKind.DUPLICATES.value
    assert kinds["rel-10"] == LinkKind.RELATES.value
    assert any("relations(first: $relationsFirst, after: $after" in s.query for s in org.fake.seen)


def test_history_spanning_several_follow_up_pages_is_complete() -> None:
    org = Org(3, long_share=0.0)
    org.add_issue(10, 260)  # 20 with the issue, then 50 + 50 + 50 + 50 + 40
    batches = list(connector(org).fetch({}, full=False, now=NOW))
    batch = Batch()
    for page in batches:
        batch.extend(page.batch)
    long_id = "issue-00010"
    assert len([h for h in batch.histories if h.issue_id == long_id]) == 260
    assert batch.history_complete[long_id] is True
    follow_ups = [s for s in org.fake.seen if s.query.startswith("query FollowUp")]
    assert len(follow_ups) == 5


def test_an_incremental_sync_reads_only_what_changed_since_the_last_start(sqlite: Store) -> None:
    org = Org(40)
    sync(sqlite, org)
    cursor = LINEAR_CURSOR.load(sqlite.load_cursor("lin"))
    assert cursor.watermark == NOW - timedelta(minutes=15)
    assert cursor.checkpoint is None
    org.fake.seen.clear()
    changed = org.add_issue(41, 3, updated=NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=12)  # within the metadata's 24 h
    linear_connector = sync(sqlite, org, now=later)
    (issues_query,) = [s for s in org.fake.seen if "orderBy: updatedAt" in s.query]
    assert issues_query.variables["filter"]["updatedAt"] == {"gte": iso(NOW - timedelta(minutes=15))}
    assert linear_connector.requests == 1  # metadata still fresh, one page, nothing to follow up
    assert sqlite.source_totals("lin")["issues"] == 41
    assert changed["id"] in {
        r[0] for r in sqlite.engine.connect().exec_driver_sql("SELECT issue_id FROM issues")
    }
    assert LINEAR_CURSOR.load(sqlite.load_cursor("lin")).watermark == later - timedelta(minutes=15)


def test_metadata_is_refetched_after_its_ttl_with_users_since_the_last_fetch(sqlite: Store) -> None:
    org = Org(5)
    sync(sqlite, org)
    org.fake.seen.clear()
    sync(sqlite, org, now=NOW + timedelta(hours=25))
    users = [s for s in org.fake.seen if "users(" in s.query]
    assert len(users) == 1
    assert users[0].variables["filter"] == {"updatedAt": {"gte": iso(NOW - timedelta(minutes=15))}}


def test_a_crash_resumes_from_the_checkpoint(sqlite: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linear, "UNIT_MAX_ISSUES", 25)  # one list page, one unit of work
    org = Org(120, long_share=0.0)
    store_pages: list[Page] = []
    first = connector(org, page_size=25)
    for page in first.fetch({}, full=False, now=NOW):
        sqlite.save_source("lin", "linear", URL)
        sqlite.save_page("lin", page.batch, page.cursor, now=NOW)
        store_pages.append(page)
        if len(store_pages) == 2:
            break  # the process dies after committing two pages
    checkpoint = LINEAR_CURSOR.load(sqlite.load_cursor("lin")).checkpoint
    assert isinstance(checkpoint, dict)
    assert checkpoint["after"]
    assert checkpoint["seen"] == 50
    assert checkpoint["run_started"] == iso(NOW)
    org.fake.seen.clear()
    later = NOW + timedelta(hours=1)
    sync(sqlite, org, now=later, page_size=25)
    lists = [s for s in org.fake.seen if "orderBy: updatedAt" in s.query]
    assert lists[0].variables["after"] == checkpoint["after"]
    assert len(lists) == 3  # 70 issues left at 25 a page
    assert sqlite.source_totals("lin")["issues"] == 120
    # The resumed run ends at the watermark of the run that started it.
    assert LINEAR_CURSOR.load(sqlite.load_cursor("lin")).watermark == NOW - timedelta(minutes=15)


def test_a_refused_checkpoint_cursor_restarts_the_run(sqlite: Store) -> None:
    org = Org(30, long_share=0.0)
    cursor = {
        "version": 1,
        "watermark": None,
        "metadata": None,
        "checkpoint": {
            "after": "issue-gone",
            "run_started": iso(NOW),
            "since": None,
            "created_since": None,
            "teams": ["ENG", "OPS"],
            "seen": 10,
        },
    }
    sqlite.save_source("lin", "linear", URL)
    pages = list(connector(org).fetch(cursor, full=False, now=NOW))
    assert sum(len(p.batch.issues) for p in pages) == 30
    assert pages[-1].seen == 30


def test_full_ignores_watermark_and_checkpoint(sqlite: Store) -> None:
    org = Org(12)
    sync(sqlite, org)
    org.fake.seen.clear()
    sync(sqlite, org, full=True, now=NOW + timedelta(hours=1))
    issues_query = next(s for s in org.fake.seen if "orderBy: updatedAt" in s.query)
    assert "updatedAt" not in (issues_query.variables["filter"] or {})
    assert any("teams(" in s.query for s in org.fake.seen)  # metadata re-read too


def test_since_bounds_the_first_sync_by_creation() -> None:
    org = Org(20)
    pages = list(connector(org, since=date(2026, 3, 2)).fetch({}, full=False, now=NOW))
    issues_query = next(s for s in org.fake.seen if "orderBy: updatedAt" in s.query)
    assert issues_query.variables["filter"]["createdAt"] == {"gte": "2026-03-02T00:00:00.000Z"}
    assert pages


def test_unknown_teams_are_an_auth_error_and_none_configured_means_all() -> None:
    org = Org(6)
    with pytest.raises(AuthError, match="NOPE"):
        list(connector(org, teams=("NOPE",)).fetch({}, full=False, now=NOW))
    org = Org(6)
    pages = list(connector(org, teams=()).fetch({}, full=False, now=NOW))
    issues_query = next(s for s in org.fake.seen if "orderBy: updatedAt" in s.query)
    assert "team" not in (issues_query.variables["filter"] or {})
    assert sum(len(p.batch.issues) for p in pages) == 6


def test_a_rate_limited_page_is_retried_and_counted(sqlite: Store) -> None:
    org = Org(10)
    reset = str(int((datetime.now(UTC).timestamp() + 5) * 1000))

    def fault(number: int) -> httpx.Response | None:
        if number in (1, 4):
            return error_response(400, "Rate limit exceeded.", "RATELIMITED",
                                  headers={"X-RateLimit-Requests-Remaining": "0",
                                           "X-RateLimit-Requests-Reset": reset})  # fmt: skip
        return httpx.Response(502, text="bad gateway") if number == 6 else None

    org.fake.fault = fault
    linear_connector = sync(sqlite, org)
    assert linear_connector.requests == org.fake.attempts == len(org.fake.seen) + 3
    assert sqlite.source_totals("lin")["issues"] == 10


def test_a_repeated_page_cursor_is_refused() -> None:
    org = Org(60, long_share=0.0)
    original = org.fake.handle

    def stuck(request: httpx.Request) -> httpx.Response:
        if b"orderBy: updatedAt" not in request.content:
            return original(request)
        body = json.loads(request.content)
        body["variables"]["after"] = None  # the fake would not know the cursor "same"
        doc = original(httpx.Request("POST", URL, json=body, headers=request.headers)).json()
        doc["data"]["issues"]["pageInfo"] = {"hasNextPage": True, "endCursor": "same"}
        return httpx.Response(200, json=doc)

    config = settings(page_size=10)
    client = LinearClient(config, transport=httpx.MockTransport(stuck), sleep=lambda _: None)
    with pytest.raises(ProtocolError, match="twice"):
        list(LinearConnector(config, client=client).fetch({}, full=False, now=NOW))


def test_an_issue_page_linear_finds_too_complex_is_asked_again_smaller() -> None:
    org = Org(30, long_share=0.0)
    original = org.fake.handle
    asked: list[int] = []

    def strict(request: httpx.Request) -> httpx.Response:
        if b"orderBy: updatedAt" in request.content:
            first = json.loads(request.content)["variables"]["first"]
            asked.append(first)
            if first > 20:
                presentable = "Complexity: 12000. Maximum allowed complexity: 10000."
                return error_response(400, "Query too complex", "INPUT_ERROR", presentable=presentable)
        return original(request)

    config = settings()
    client = LinearClient(config, transport=httpx.MockTransport(strict), sleep=lambda _: None)
    pages = list(LinearConnector(config, client=client).fetch({}, full=False, now=NOW))
    assert sum(len(p.batch.issues) for p in pages) == 30
    assert asked[0] > 20
    assert asked[1] < asked[0]


def test_new_labels_are_looked_up_by_id(sqlite: Store) -> None:
    org = Org(4)
    sync(sqlite, org)
    org.fake.labels.append({"id": "l2", "name": "committee", "updatedAt": iso(NOW)})
    row = org.add_issue(9, 2, updated=NOW + timedelta(hours=2))
    row["labelIds"] = ["l1", "l2"]
    org.fake.seen.clear()
    sync(sqlite, org, now=NOW + timedelta(hours=3))
    lookups = [s for s in org.fake.seen if "issueLabels(" in s.query]
    assert [s.variables["filter"] for s in lookups] == [{"id": {"in": ["l2"]}}]
    with sqlite.engine.connect() as conn:
        labels = conn.exec_driver_sql(
            "SELECT labels FROM issues WHERE issue_id = ?", (row["id"],)
        ).scalar_one()
    assert labels == '["meeting", "committee"]'


def test_an_oauth_token_is_sent_as_bearer() -> None:
    org = Org(2)
    org.fake.authorization = "Bearer oauth-token"
    config = settings(token=Secret("oauth-token"))
    client = LinearClient(config, transport=org.fake.transport(), sleep=lambda _: None)
    assert list(LinearConnector(config, client=client).fetch({}, full=False, now=NOW))
    org.fake.authorization = "Bearer other"
    with pytest.raises(AuthError):
        list(LinearConnector(config, client=LinearClient(config, transport=org.fake.transport())).fetch(
            {}, full=False, now=NOW))  # fmt: skip
