"""The Jira Data Center connector against the sandbox's `jira_dc` dialect on 127.0.0.1.

The dialect follows the real DC REST v2 API (offset paging with a server cap, the whole history
embedded oldest first, user keys, no /search/jql); these tests check what the connector does with
it: paging by what the server echoes, complete histories in few requests, checkpoints, the census,
Epic Link keys given ids, refetches of short histories, 401s and 429s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from orgpulse.config import Secret, SourceSettings
from orgpulse.connector import Page
from orgpulse.connectors import make_connector
from orgpulse.connectors.jira.client_dc import JiraDataCenterClient
from orgpulse.connectors.jira.connector import JiraConnector
from orgpulse.connectors.jira.datacenter import DataCenterSearch, jira_dc_connector
from orgpulse.errors import AuthError, ProtocolError
from orgpulse.model import Batch
from orgpulse.sandbox import SANDBOX_TOKEN, SandboxServer, generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_USERNAME
from orgpulse.sandbox.jira.datacenter import JiraDataCenterApp
from orgpulse.sandbox.org.model import Org
from orgpulse.sandbox.wire import Request, Response

NOW = datetime(2026, 6, 13, tzinfo=UTC)
WRONG = "not-the-pat-q7z"


@pytest.fixture(scope="module")
def org() -> Org:
    return generate_org(seed=5, issues=500, anchor=date(2026, 6, 12), weeks=16)


@pytest.fixture
def bodies(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every POST /search body the DC dialect receives, in order."""
    seen: list[dict[str, Any]] = []
    original = JiraDataCenterApp._search

    def recording(self: JiraDataCenterApp, request: Request, version: str, rest: str) -> Response:
        if request.method == "POST":
            seen.append(json.loads(request.body))
        return original(self, request, version, rest)

    monkeypatch.setattr(JiraDataCenterApp, "_search", recording)
    return seen


@pytest.fixture
def serve(org: Org) -> Iterator[Callable[..., SandboxServer]]:
    servers: list[SandboxServer] = []

    def start(**knobs: Any) -> SandboxServer:
        server = SandboxServer(org, dialect=knobs.pop("dialect", "jira_dc"), **knobs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def settings(url: str, **overrides: Any) -> SourceSettings:
    values: dict[str, Any] = {
        "name": "dc",
        "kind": "jira_dc",
        "url": url,
        "auth": "bearer",
        "token": Secret(SANDBOX_TOKEN),
    }
    values.update(overrides)
    return SourceSettings(**values)


def connector(url: str, **overrides: Any) -> JiraConnector:
    found = settings(url, **overrides)
    return jira_dc_connector(found, client=JiraDataCenterClient(found, sleep=lambda _: None))


def run(dc: JiraConnector, cursor: dict[str, Any], *, full: bool = False) -> tuple[Batch, list[Page]]:
    pages = list(dc.fetch(cursor, full=full, now=NOW))
    batch = Batch()
    for page in pages:
        json.dumps(page.cursor)  # the runner commits it as JSON
        batch.extend(page.batch)
    return batch, pages


def assert_matches_truth(batch: Batch, org: Org) -> None:
    truth = truth_of(org)["totals"]["jira_dc"]
    assert len({i.issue_id for i in batch.issues}) == truth["issues"]
    assert len(batch.status_changes) == truth["status_changes"]
    assert len(batch.assignee_changes) == truth["assignee_changes"]
    assert len({link.link_id for link in batch.links if link.removed_at is None}) == truth["links"]
    assert len(batch.histories) == sum(i.history_total for i in org.issues)  # every history entry
    assert all(batch.history_complete.values())
    assert batch.quarantined == []


def test_make_connector_builds_the_dc_connector_without_io() -> None:
    built = make_connector(settings("http://127.0.0.1:9"))
    assert isinstance(built, JiraConnector)
    assert isinstance(built.strategy, DataCenterSearch)
    assert built.requests == 0


@pytest.mark.slow
def test_full_then_incremental_sync_on_the_dc_sandbox(serve: Callable[..., SandboxServer], org: Org) -> None:
    server = serve()
    dc = connector(server.url)
    batch, pages = run(dc, {})
    assert_matches_truth(batch, org)
    assert dc.requests == server.requests
    assert dc.requests <= 0.03 * len(org.issues) + 12
    paths = {path for _, path in server.request_log}
    assert "/rest/api/2/search" in paths
    assert not any("jql" in p or "bulkfetch" in p or "/rest/api/3/" in p for p in paths)
    # People are DC user keys (some JIRAUSER ones); the sandbox's two apps are told by their names.
    ids = {p.person_id for p in batch.people}
    assert any(i.startswith("JIRAUSER") for i in ids)
    assert {p.person_id for p in batch.people if p.is_bot} == {"automation-bot", "github-bot"}
    # Every issue under an epic has the epic's id, though DC names the epic by key (Epic Link).
    parents = {i.issue_id: i.parent_id for i in batch.issues}
    expected = {str(i.issue_id): str(i.parent.issue_id) for i in org.issues if i.parent is not None}
    assert {k: v for k, v in parents.items() if v is not None} == expected
    before = server.requests
    quiet = connector(server.url)
    again, _ = run(quiet, dict(pages[-1].cursor))
    assert quiet.requests == server.requests - before
    assert quiet.requests <= 6
    assert again.census is None


def test_paging_follows_the_maxresults_the_server_echoes(
    serve: Callable[..., SandboxServer], org: Org, bodies: list[dict[str, Any]]
) -> None:
    server = serve(page_cap=37)
    batch, pages = run(connector(server.url, page_size=100), {})
    assert_matches_truth(batch, org)
    searches = [b for b in bodies if b.get("expand") == ["changelog"]]
    assert searches[0]["maxResults"] == 100
    assert {b["maxResults"] for b in searches[1:]} == {37}
    assert [b["startAt"] for b in searches] == list(range(0, len(org.issues), 37))
    assert len(pages) == len(searches)  # one committed page per search page
    assert all("updated" not in b["jql"] and "ORDER BY created ASC" in b["jql"] for b in searches)


def test_a_crash_resumes_from_the_checkpoint_offset(
    serve: Callable[..., SandboxServer], org: Org, bodies: list[dict[str, Any]]
) -> None:
    server = serve()
    first = next(iter(connector(server.url).fetch({}, full=False, now=NOW)))
    checkpoint = first.cursor["checkpoint"]
    assert checkpoint["start_at"] == len(first.batch.issues) == 100
    assert first.cursor["watermark_ms"] is None  # the watermark waits for the run's end
    bodies.clear()
    rest, pages = run(connector(server.url), dict(first.cursor))
    assert bodies[0]["startAt"] == 100
    assert bodies[0]["jql"] == checkpoint["jql"]
    assert {i.issue_id for i in rest.issues}.isdisjoint({i.issue_id for i in first.batch.issues})
    assert len(rest.issues) + len(first.batch.issues) == len(org.issues)
    assert pages[-1].cursor["checkpoint"] is None
    assert pages[-1].cursor["watermark_ms"] is not None


@pytest.mark.slow
def test_census_free_on_the_first_sync_then_id_pages_when_due(
    serve: Callable[..., SandboxServer], org: Org, bodies: list[dict[str, Any]]
) -> None:
    server = serve()
    batch, pages = run(connector(server.url), {})
    assert batch.census is not None
    assert set(batch.census.keys_by_id) == {str(i.issue_id) for i in org.issues}
    assert not any(b["fields"] == ["key"] and "key in" not in b["jql"] for b in bodies)
    stale = {**pages[-1].cursor, "census_at": (NOW - timedelta(days=8)).isoformat()}
    bodies.clear()
    due, _ = run(connector(server.url), stale)
    assert due.census is not None
    assert set(due.census.keys_by_id) == {str(i.issue_id) for i in org.issues}
    census = [b for b in bodies if b["fields"] == ["key"] and "key in" not in b["jql"]]
    assert [b["maxResults"] for b in census] == [1000]  # the server answers up to 1000 ids a page
    assert "expand" not in census[0]
    assert "updated" not in census[0]["jql"]


def test_short_histories_are_refetched_alone_then_marked_incomplete(
    serve: Callable[..., SandboxServer], org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    healed, broken = str(org.issues[3].issue_id), str(org.issues[4].issue_id)
    calls: dict[str, int] = {}
    original = JiraDataCenterApp.issue_json

    def short(self: JiraDataCenterApp, issue: Any, version: str, choice: Any, changelog: bool) -> str:
        text = original(self, issue, version, choice, changelog)
        key = str(issue.issue_id)
        if not changelog or key not in (healed, broken):
            return text
        calls[key] = calls.get(key, 0) + 1
        if key == healed and calls[key] > 1:
            return text  # the issue read alone is whole
        doc = json.loads(text)
        doc["changelog"]["histories"] = doc["changelog"]["histories"][1:]  # the oldest is missing
        return json.dumps(doc)

    monkeypatch.setattr(JiraDataCenterApp, "issue_json", short)
    server = serve()
    dc = connector(server.url)
    batch, _ = run(dc, {})
    assert calls == {healed: 2, broken: 2}  # each read once more, alone
    alone = [p for _, p in server.request_log if p.startswith("/rest/api/2/issue/")]
    assert sorted(alone) == sorted(f"/rest/api/2/issue/{i}" for i in (healed, broken))
    assert batch.history_complete[healed] is True
    assert batch.history_complete[broken] is False
    assert sum(1 for done in batch.history_complete.values() if not done) == 1


def test_rate_limits_and_faults_are_waited_out_and_counted(
    serve: Callable[..., SandboxServer], org: Org
) -> None:
    probe = serve(rate_limit_every=1)
    refused = requests.get(f"{probe.url}/rest/api/2/myself", timeout=10)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert {
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Interval-Seconds",
        "X-RateLimit-FillRate",
    } <= set(refused.headers)  # DC's token-bucket headers, not Cloud's X-RateLimit-Reset / RateLimit-Reason
    assert "RateLimit-Reason" not in refused.headers
    server = serve(rate_limit_every=4, fault_rate=0.05)
    dc = connector(server.url, auth="basic", user=Secret(SANDBOX_USERNAME))
    batch, _ = run(dc, {})
    assert_matches_truth(batch, org)
    assert dc.requests == server.requests  # the refused and failed ones included


@pytest.mark.parametrize("auth", ["bearer", "basic"])
def test_wrong_credentials_are_an_auth_error_without_the_secret(
    serve: Callable[..., SandboxServer], auth: str
) -> None:
    server = serve()
    user = Secret(SANDBOX_USERNAME) if auth == "basic" else None
    dc = connector(server.url, auth=auth, user=user, token=Secret(WRONG))
    with pytest.raises(AuthError) as caught:
        run(dc, {})
    assert "401" in str(caught.value)
    assert "personal access token" in str(caught.value)
    for text in (str(caught.value), repr(caught.value), repr(caught.value.__cause__)):
        assert WRONG not in text
    assert dc.requests == 1  # refused at serverInfo and not retried


def test_a_cloud_site_is_refused_naming_the_cloud_kind(serve: Callable[..., SandboxServer]) -> None:
    server = serve(dialect="jira_cloud")
    dc = connector(server.url)
    with pytest.raises(ProtocolError, match='kind = "jira_cloud"'):
        run(dc, {})


def test_doctor_check_names_the_deployment(serve: Callable[..., SandboxServer]) -> None:
    server = serve()
    found = connector(server.url, projects=("PAY",)).check(now=NOW)
    assert found.server == "Jira Data Center 9.12.15"
    assert found.account == "accepted (personal access token)"
    assert found.projects == ("PAY",)
    assert found.missing_projects == ()
    assert found.fields["Sprint"]
    assert found.fields["Epic Link"]
    assert found.fields["Flagged"]
    assert found.fields["Team"] is None  # DC has no Atlassian Team field
    assert {"Blocks", "Dependency"} <= set(found.blocking_link_types)
