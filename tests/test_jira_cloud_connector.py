"""The Jira Cloud connector against a small fake Jira Cloud on 127.0.0.1, and the sandbox when present.

The fake follows the real API where the connector depends on it (shared/api/JIRA-NOTES.md): token
paging with the token absent on the last page (pages of 100, or 5000 of id/key/`updated` alone;
`id in (...)` understood), an embedded changelog capped at 40 and newest-first, the bulk changelog
oldest-first across issues and token-paged, the per-issue changelog startAt-paged, serverInfo's
deploymentType.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from orgpulse.config import Secret, SourceSettings
from orgpulse.connector import Page
from orgpulse.connectors.jira import jql
from orgpulse.connectors.jira.client import JiraClient
from orgpulse.connectors.jira.cloud import jira_cloud_connector
from orgpulse.connectors.jira.connector import JiraConnector
from orgpulse.connectors.jira.cursor import JIRA_CURSOR, Run
from orgpulse.connectors.kit.incremental import State, lagged_ms, next_watermark
from orgpulse.errors import ProtocolError
from orgpulse.model import Batch

BASE_MS = 1_704_067_200_000  # 2024-01-01T00:00Z
NOW = datetime(2024, 6, 1, tzinfo=UTC)
EMBED_CAP = 40
STATUS_IDS = ("1", "3", "10001", "6")
GH = "com.pyxis.greenhopper.jira:"
CHECKBOXES = "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes"
FIELDS = [
    {"id": "summary", "name": "Summary", "schema": {"type": "string", "system": "summary"}},
    {"id": "customfield_10020", "name": "Sprint", "schema": {"type": "array", "custom": GH + "gh-sprint"}},
    {"id": "customfield_10014", "name": "Epic Link", "schema": {"custom": GH + "gh-epic-link"}},
    {
        "id": "customfield_10021",
        "name": "Flagged",
        "clauseNames": ["Flagged"],
        "schema": {"custom": CHECKBOXES},
    },
]
LINK_TYPES = [
    {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
    {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"},
]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


@dataclass
class FakeIssue:
    issue_id: str
    key: str
    created_ms: int
    histories: list[dict[str, Any]] = field(default_factory=list)
    updated_ms: int = 0


class FakeCloud:
    """A Jira Cloud site with `count` issues in PAY and CORE, a quarter with more than 40 histories."""

    def __init__(self, count: int, *, seed: int = 7, long_share: float = 0.25) -> None:
        rng = random.Random(seed)
        self.deployment = "Cloud"
        self.issues: list[FakeIssue] = []
        self.next_history = 100_000
        for n in range(count):
            project = "PAY" if n % 2 else "CORE"
            issue = FakeIssue(str(10_000 + n), f"{project}-{n + 1}", BASE_MS + n * 3_600_000)
            size = rng.randint(41, 110) if rng.random() < long_share else rng.randint(1, 40)
            for _ in range(size):
                self.add_history(issue, rng)
            self.issues.append(issue)
        self.log: list[tuple[str, str, Any]] = []
        self.bulk_page_cap = 10_000
        self.search_cap = 100
        self.light_cap = 5000  # pages of id/key and `updated` only (the spec's largest)
        self.bulk_drop: set[str] = set()  # issue ids whose oldest history the bulk changelog omits
        self.changelog_drop: set[str] = set()  # ... and the per-issue changelog too
        self.stale_tokens = False
        self.repeat_token = False

    def add_history(self, issue: FakeIssue, rng: random.Random, at_ms: int | None = None) -> None:
        k = len(issue.histories)
        at_ms = issue.created_ms + 60_000 * (k + 1) if at_ms is None else at_ms
        issue.updated_ms = at_ms
        items: list[dict[str, Any]] = [
            {"field": "status", "fieldtype": "jira", "fieldId": "status",
             "from": STATUS_IDS[k % 3], "to": STATUS_IDS[(k + 1) % 3]}
        ]  # fmt: skip
        if rng.random() < 0.3:
            items.append(
                {"field": "assignee", "fieldId": "assignee", "from": None, "to": f"acct-{rng.randint(1, 9)}"}
            )
        if rng.random() < 0.2:
            items.append(
                {"field": "Rank", "fieldtype": "custom", "fieldId": "customfield_10019", "from": "", "to": ""}
            )
        self.next_history += 1
        issue.histories.append(
            {
                "id": str(self.next_history),
                "author": {
                    "accountId": f"acct-{k % 5}",
                    "displayName": f"Person {k % 5}",
                    "accountType": "atlassian",
                },
                "created": iso(at_ms),
                "items": items,
            }
        )

    def touch(self, issue: FakeIssue) -> None:
        """A new history entry, later than anything on the site."""
        latest = max(i.updated_ms for i in self.issues)
        self.add_history(issue, random.Random(len(issue.histories)), latest + 60_000)

    @property
    def totals(self) -> dict[str, int]:
        items = [i for issue in self.issues for h in issue.histories for i in h["items"]]
        return {
            "histories": sum(len(i.histories) for i in self.issues),
            "status_changes": sum(1 for i in items if i["field"] == "status"),
            "assignee_changes": sum(1 for i in items if i["field"] == "assignee"),
        }

    def calls(self, path: str) -> list[Any]:
        return [body for _, p, body in self.log if p == path]

    # --- the API ---------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        self.log.append((method, path, body if body is not None else query))
        api = "/rest/api/3/"
        if not path.startswith(api):
            return 404, {"errorMessages": ["not found"]}
        route = path[len(api) :]
        if route == "serverInfo":
            return 200, {"versionNumbers": [1001, 0, 0], "deploymentType": self.deployment}
        if route == "field":
            return 200, FIELDS
        if route == "status":
            return 200, [{"id": s, "name": f"S{s}", "statusCategory": {"key": "new"}} for s in STATUS_IDS]
        if route == "issueLinkType":
            return 200, {"issueLinkTypes": LINK_TYPES}
        if route == "project/search":
            return 200, {
                "startAt": 0,
                "total": 2,
                "isLast": True,
                "values": [{"key": "CORE"}, {"key": "PAY"}],
            }
        project = re.fullmatch(r"project/(\w+)/statuses", route)
        if project:
            return 200, [{"id": "1", "name": "Story", "subtask": False,
                          "statuses": [{"id": s, "name": f"S{s}"} for s in STATUS_IDS]}]  # fmt: skip
        if route == "search/jql" and method == "POST":
            return self.search(body)
        if route == "changelog/bulkfetch" and method == "POST":
            return self.bulk(body)
        match = re.fullmatch(r"issue/(\w+)/changelog", route)
        if match:
            return self.changelog(match.group(1), query)
        return 404, {"errorMessages": ["not found"]}

    def search(self, body: dict[str, Any]) -> tuple[int, Any]:
        jql = body["jql"]
        projects = re.search(r"project in \(([^)]*)\)", jql)
        if not projects or "ORDER BY created ASC" not in jql:
            return 400, {"errorMessages": ["Unbounded JQL queries are not allowed here."]}
        keys = {p.strip().strip('"') for p in projects.group(1).split(",")}
        updated = re.search(r"updated >= (\d+)", jql)
        ids = re.search(r"id in \(([^)]*)\)", jql)
        created = re.search(r'created >= "(\d{4}-\d\d-\d\d)"', jql)
        found = [i for i in self.issues if i.key.split("-")[0] in keys]
        if updated:
            found = [i for i in found if i.updated_ms >= int(updated.group(1))]
        if ids:
            found = [i for i in found if i.issue_id in {n.strip() for n in ids.group(1).split(",")}]
        if created:
            since = int(datetime.fromisoformat(created.group(1)).replace(tzinfo=UTC).timestamp() * 1000)
            found = [i for i in found if i.created_ms >= since]
        token = body.get("nextPageToken")
        if token and (self.stale_tokens or not token.startswith("s")):
            return 400, {"errorMessages": ["Invalid nextPageToken"]}
        start = int(token[1:]) if token else 0
        light = set(body.get("fields", [])) <= {"id", "key", "updated"} and "expand" not in body
        size = min(int(body.get("maxResults", 50)), self.light_cap if light else self.search_cap)
        page = found[start : start + size]
        doc: dict[str, Any] = {
            "isLast": start + size >= len(found),
            "issues": [self.render(i, body) for i in page],
        }
        if start + size < len(found):
            doc["nextPageToken"] = token if (self.repeat_token and token) else f"s{start + size}"
        return 200, doc

    def render(self, issue: FakeIssue, body: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "summary": f"Issue {issue.key}",
            "issuetype": {"id": "1", "name": "Story", "hierarchyLevel": 0},
            "status": {"id": "3", "name": "S3", "statusCategory": {"key": "indeterminate"}},
            "project": {"key": issue.key.split("-")[0]},
            "created": iso(issue.created_ms),
            "updated": iso(issue.updated_ms),
            "labels": [],
            "issuelinks": [],
        }
        wanted = body.get("fields", [])  # the enhanced search returns ids only unless fields are named
        doc: dict[str, Any] = {"id": issue.issue_id, "key": issue.key,
                               "fields": {k: v for k, v in fields.items() if k in wanted}}  # fmt: skip
        if "changelog" in str(body.get("expand", "")).split(","):
            newest = list(reversed(issue.histories))[:EMBED_CAP]
            doc["changelog"] = {
                "startAt": 0,
                "maxResults": len(newest),
                "total": len(issue.histories),
                "histories": newest,
            }
        return doc

    def bulk(self, body: dict[str, Any]) -> tuple[int, Any]:
        ids = body["issueIdsOrKeys"]
        if not 1 <= len(ids) <= 1000 or "fieldIds" in body:
            return 400, {"errorMessages": ["bad request"]}
        by_id = {i.issue_id: i for i in self.issues}
        rows = []
        for issue_id in ids:
            histories = (
                by_id[issue_id].histories[1:] if issue_id in self.bulk_drop else by_id[issue_id].histories
            )
            rows += [(h["created"], int(issue_id), h) for h in histories]
        rows.sort(key=lambda r: (r[0], r[1]))
        token = body.get("nextPageToken")
        start = int(token[1:]) if token else 0
        size = min(int(body.get("maxResults", 1000)), self.bulk_page_cap)
        grouped: dict[int, list[Any]] = {}
        for _, issue_id, h in rows[start : start + size]:
            grouped.setdefault(issue_id, []).append(h)
        doc: dict[str, Any] = {
            "issueChangeLogs": [{"issueId": str(i), "changeHistories": hs} for i, hs in grouped.items()]
        }
        if start + size < len(rows):
            doc["nextPageToken"] = f"b{start + size}"
        return 200, doc

    def changelog(self, issue_id: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        issue = next((i for i in self.issues if i.issue_id == issue_id), None)
        if issue is None:
            return 404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."]}
        histories = issue.histories[1:] if issue_id in self.changelog_drop else issue.histories
        start = int(query.get("startAt", ["0"])[0])
        size = min(int(query.get("maxResults", ["100"])[0]), 100)
        values = histories[start : start + size]
        last = start + size >= len(histories)
        return 200, {
            "startAt": start,
            "maxResults": size,
            "total": len(histories),
            "isLast": last,
            "values": values,
        }


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(fake: FakeCloud) -> str:
        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                parts = urlsplit(self.path)
                status, doc = fake.handle(self.command, parts.path, parse_qs(parts.query), body)
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def make(url: str, **overrides: Any) -> JiraConnector:
    values: dict[str, Any] = {
        "name": "acme",
        "kind": "jira_cloud",
        "url": url,
        "auth": "basic",
        "token": Secret("token"),
        "user": Secret("me@example.com"),
        "projects": ("PAY", "CORE"),
    }
    values.update(overrides)
    settings = SourceSettings(**values)
    return jira_cloud_connector(settings, client=JiraClient(settings, sleep=lambda _: None))


def run(connector: JiraConnector, cursor: dict[str, Any], *, full: bool = False) -> tuple[Batch, list[Page]]:
    pages = list(connector.fetch(cursor, full=full, now=NOW))
    batch = Batch()
    for page in pages:
        json.dumps(page.cursor)  # the runner commits it as JSON
        batch.extend(page.batch)
    return batch, pages


def test_constructor_does_no_io(serve: Any) -> None:
    fake = FakeCloud(3)
    connector = make(serve(fake))
    assert connector.requests == 0
    assert fake.log == []


def test_full_sync_gets_every_history_in_few_requests(serve: Any) -> None:
    fake = FakeCloud(600)
    connector = make(serve(fake))
    batch, pages = run(connector, {})
    totals = fake.totals
    assert len({i.issue_id for i in batch.issues}) == 600
    assert len(batch.histories) == totals["histories"]
    assert len(batch.status_changes) == totals["status_changes"]
    assert len(batch.assignee_changes) == totals["assignee_changes"]
    assert all(batch.history_complete.values())
    assert len(batch.history_complete) == 600
    assert batch.quarantined == []
    assert len(fake.log) == connector.requests
    # serverInfo + field/status/issueLinkType + 2 project workflows + 6 search pages + the bulk
    # changelog of ~150 issues; the census comes free with a sync from the beginning.
    assert connector.requests <= 1 + 3 + 2 + 6 + 2
    assert len(fake.calls("/rest/api/3/changelog/bulkfetch")) >= 1
    assert fake.calls("/rest/api/3/issue/10000/changelog") == []
    final = pages[-1].cursor
    assert final["checkpoint"] is None
    newest = max(i.updated_ms for i in fake.issues)
    assert final["watermark_ms"] == newest - 15 * 60_000
    assert {s.status_id for s in pages[0].batch.statuses} >= set(STATUS_IDS)
    workflows = {(w.project_key, w.status_id) for w in pages[0].batch.workflow_statuses}
    assert workflows == {(p, s) for p in ("CORE", "PAY") for s in STATUS_IDS}


def test_search_request_is_bounded_explicit_and_stable(serve: Any) -> None:
    fake = FakeCloud(5)
    run(make(serve(fake), page_size=50), {})
    (body,) = fake.calls("/rest/api/3/search/jql")
    assert body["jql"] == "project in (PAY, CORE) ORDER BY created ASC, id ASC"
    assert body["expand"] == "changelog"
    assert body["maxResults"] == 50
    assert {"status", "assignee", "issuelinks", "parent", "updated"} <= set(body["fields"])
    assert {"customfield_10020", "customfield_10014", "customfield_10021"} <= set(body["fields"])
    assert "*all" not in body["fields"]


def test_bulk_changelog_is_unfiltered_chunked_and_paged(serve: Any) -> None:
    fake = FakeCloud(400, long_share=0.6)
    fake.bulk_page_cap = 3000
    batch, _ = run(make(serve(fake)), {})
    bodies = fake.calls("/rest/api/3/changelog/bulkfetch")
    assert len(bodies) > 1
    assert any("nextPageToken" in b for b in bodies)
    assert all("fieldIds" not in b and len(b["issueIdsOrKeys"]) <= 1000 for b in bodies)
    assert len(batch.histories) == fake.totals["histories"]


def test_incremental_with_nothing_changed_is_cheap(serve: Any) -> None:
    fake = FakeCloud(300)
    url = serve(fake)
    _, pages = run(make(url), {})
    cursor = dict(pages[-1].cursor)
    fake.log.clear()
    connector = make(url)
    batch, again = run(connector, cursor)
    assert connector.requests <= 6
    paths = [p for _, p, _ in fake.log]
    assert paths[:2] == ["/rest/api/3/serverInfo", "/rest/api/3/search/jql"]
    assert set(paths[2:]) <= {"/rest/api/3/changelog/bulkfetch"}  # the overlap window's long histories
    (body,) = fake.calls("/rest/api/3/search/jql")
    assert f"updated >= {cursor['watermark_ms']}" in body["jql"]
    assert len(batch.issues) <= 1  # only what the overlap window holds
    assert again[-1].cursor["watermark_ms"] == cursor["watermark_ms"]


def test_incremental_picks_up_changes(serve: Any) -> None:
    fake = FakeCloud(200)
    url = serve(fake)
    _, pages = run(make(url), {})
    cursor = dict(pages[-1].cursor)
    changed = [fake.issues[3], fake.issues[50]]
    for issue in changed:
        for _ in range(60):  # pushes it past the embedded cap: bulk fetched again
            fake.touch(issue)
    batch, pages = run(make(url), cursor)
    by_id = {i.issue_id: i for i in batch.issues}
    for issue in changed:
        assert issue.issue_id in by_id
        assert sum(1 for h in batch.histories if h.issue_id == issue.issue_id) == len(issue.histories)
        assert batch.history_complete[issue.issue_id]
    assert pages[-1].cursor["watermark_ms"] > cursor["watermark_ms"]


def test_metadata_is_refetched_after_its_ttl(serve: Any) -> None:
    fake = FakeCloud(20)
    url = serve(fake)
    _, pages = run(make(url), {})
    cursor = dict(pages[-1].cursor)
    cursor["metadata"] = {**cursor["metadata"], "fetched_at": "2024-05-01T00:00:00+00:00"}
    fake.log.clear()
    batch, _ = run(make(url), cursor)
    assert len(fake.calls("/rest/api/3/field")) == 1
    assert {s.status_id for s in batch.statuses} >= set(STATUS_IDS)


def test_a_crash_resumes_from_the_checkpoint(serve: Any) -> None:
    fake = FakeCloud(2400, long_share=0.05)
    url = serve(fake)
    first = make(url)
    pages = first.fetch({}, full=False, now=NOW)
    committed = next(pages)  # the runner commits this page, then the process dies
    pages.close()
    checkpoint = committed.cursor["checkpoint"]
    assert checkpoint is not None
    assert checkpoint["next_page_token"]
    assert committed.cursor["watermark_ms"] is None  # the watermark waits for the run's end
    fake.log.clear()
    batch, rest = run(make(url), dict(committed.cursor))
    (resume, *_) = fake.calls("/rest/api/3/search/jql")
    assert resume["nextPageToken"] == checkpoint["next_page_token"]
    seen = {i.issue_id for i in committed.batch.issues} | {i.issue_id for i in batch.issues}
    assert len(seen) == 2400
    assert rest[-1].cursor["checkpoint"] is None
    assert rest[-1].cursor["watermark_ms"] == max(i.updated_ms for i in fake.issues) - 15 * 60_000


def test_a_listed_incremental_commits_no_position_and_a_rerun_skips_what_was_stored(serve: Any) -> None:
    """The incremental that lists its window then reads what changed by id commits no page token
    (its listing's pages are not its reads'): a crash restarts it from the watermark, and what the
    first run stored, now unchanged, is not read again."""
    fake = FakeCloud(2400, long_share=0.05)
    url = serve(fake)
    full, pages = run(make(url), {}, full=True)
    stored = {i.issue_id: i.updated for i in full.issues}
    for issue in fake.issues[:2100]:  # more than one unit of work changes
        fake.touch(issue)
    first = make(url)
    first.known_updates = lambda ids: {i: stored[i] for i in ids if i in stored}
    units = first.fetch(dict(pages[-1].cursor), full=False, now=NOW)
    committed = next(units)  # the runner commits this unit, then the process dies
    units.close()
    assert committed.cursor["checkpoint"]["next_page_token"] is None
    assert committed.cursor["watermark_ms"] == pages[-1].cursor["watermark_ms"]
    stored.update((i.issue_id, i.updated) for i in committed.batch.issues)
    fake.log.clear()
    again = make(url)
    again.known_updates = first.known_updates
    batch, rest = run(again, dict(committed.cursor))
    listing, *reads = fake.calls("/rest/api/3/search/jql")
    assert listing["fields"] == ["updated"]
    assert "nextPageToken" not in listing  # from the watermark: no position was committed
    read = {i.issue_id for i in batch.issues}
    assert read.isdisjoint(i.issue_id for i in committed.batch.issues)
    assert read | {i.issue_id for i in committed.batch.issues} == {i.issue_id for i in fake.issues[:2100]}
    assert len(reads) == len(read) // 100 + (len(read) % 100 > 0)
    assert rest[-1].cursor["watermark_ms"] == max(i.updated_ms for i in fake.issues) - 15 * 60_000


def test_a_refused_checkpoint_token_restarts_from_the_watermark(serve: Any) -> None:
    fake = FakeCloud(30)
    url = serve(fake)
    cursor = {
        "version": 1,
        "watermark_ms": None,
        "checkpoint": {"jql": "project in (PAY, CORE) ORDER BY created ASC, id ASC",
                       "next_page_token": "expired", "max_updated_ms": None, "seen": 10,
                       "projects": ["PAY", "CORE"]},
    }  # fmt: skip
    batch, _ = run(make(url), cursor)
    assert len(batch.issues) == 30
    bodies = fake.calls("/rest/api/3/search/jql")
    assert bodies[0]["nextPageToken"] == "expired"
    assert "nextPageToken" not in bodies[1]


def test_full_ignores_watermark_and_checkpoint(serve: Any) -> None:
    fake = FakeCloud(30)
    url = serve(fake)
    cursor = {
        "version": 1,
        "watermark_ms": BASE_MS * 2,
        "checkpoint": {"jql": "project in (PAY) ORDER BY created ASC, id ASC", "next_page_token": "s10",
                       "max_updated_ms": None, "seen": 10, "projects": ["PAY", "CORE"]},
    }  # fmt: skip
    batch, _ = run(make(url), cursor, full=True)
    assert len(batch.issues) == 30
    assert "updated >=" not in fake.calls("/rest/api/3/search/jql")[0]["jql"]


def test_a_repeated_page_token_is_refused(serve: Any) -> None:
    fake = FakeCloud(250)
    fake.repeat_token = True
    with pytest.raises(ProtocolError, match="twice"):
        run(make(serve(fake)), {})


def test_short_bulk_history_is_refetched_then_marked_incomplete(serve: Any) -> None:
    fake = FakeCloud(40, long_share=1.0)
    healed, broken = fake.issues[0].issue_id, fake.issues[1].issue_id
    fake.bulk_drop = {healed, broken}
    fake.changelog_drop = {broken}
    batch, _ = run(make(serve(fake)), {})
    assert batch.history_complete[healed] is True
    assert batch.history_complete[broken] is False
    assert sum(1 for h in batch.histories if h.issue_id == healed) == len(fake.issues[0].histories)
    assert fake.calls(f"/rest/api/3/issue/{healed}/changelog")
    assert sum(v for v in batch.history_complete.values()) == 39


def test_not_cloud_is_refused_with_advice(serve: Any) -> None:
    fake = FakeCloud(1)
    fake.deployment = "Server"
    with pytest.raises(ProtocolError, match="jira_dc"):
        run(make(serve(fake)), {})


def test_projects_are_listed_when_none_configured(serve: Any) -> None:
    fake = FakeCloud(10)
    batch, _ = run(make(serve(fake), projects=()), {})
    assert len(batch.issues) == 10
    assert fake.calls("/rest/api/3/search/jql")[0]["jql"].startswith("project in (CORE, PAY)")


def test_since_bounds_the_first_sync(serve: Any) -> None:
    fake = FakeCloud(100)
    batch, _ = run(make(serve(fake), since=datetime(2024, 1, 3, tzinfo=UTC).date()), {})
    assert 'created >= "2024-01-03"' in fake.calls("/rest/api/3/search/jql")[0]["jql"]
    assert len(batch.issues) == 100 - 48


def test_raw_payloads_are_kept(serve: Any) -> None:
    fake = FakeCloud(5, long_share=1.0)
    batch, _ = run(make(serve(fake)), {})
    assert len(batch.raw) == 5
    kind, _native, text = batch.raw[0]
    assert kind == "jira_issue"
    assert len(json.loads(text)["changelog"]["histories"]) > EMBED_CAP
    batch, _ = run(make(serve(FakeCloud(5)), keep_raw=False), {})
    assert batch.raw == []


# --- the sandbox (orgpulse.sandbox), end to end ------------------------------------------------------


def sandbox() -> Any:
    module = pytest.importorskip("orgpulse.sandbox", reason="orgpulse.sandbox is not importable")
    needed = ("generate_org", "SandboxServer", "SANDBOX_EMAIL", "SANDBOX_TOKEN", "truth_of")
    missing = [name for name in needed if not hasattr(module, name)]
    if missing:
        pytest.skip(f"orgpulse.sandbox does not offer {', '.join(missing)} yet")
    return module


@pytest.mark.slow
def test_sandbox_full_then_incremental_sync() -> None:
    sb = sandbox()
    org = sb.generate_org(seed=11, issues=500, anchor=date(2025, 3, 31), weeks=12)
    truth = sb.truth_of(org)["totals"]["jira_cloud"]
    with sb.SandboxServer(org, dialect="jira_cloud") as server:
        settings = SourceSettings(
            name="sandbox", kind="jira_cloud", url=server.url, auth="basic",
            token=Secret(sb.SANDBOX_TOKEN), user=Secret(sb.SANDBOX_EMAIL),
        )  # fmt: skip
        connector = jira_cloud_connector(settings, client=JiraClient(settings, sleep=lambda _: None))
        batch, pages = run(connector, {})
        assert len({i.issue_id for i in batch.issues}) == truth["issues"]
        assert len(batch.histories) == sum(i.history_total or 0 for i in batch.issues)
        assert all(batch.history_complete.values())
        assert len(batch.status_changes) == truth["status_changes"]
        assert len(batch.assignee_changes) == truth["assignee_changes"]
        assert len({link.link_id for link in batch.links if link.removed_at is None}) == truth["links"]
        assert batch.quarantined == []
        assert connector.requests == server.requests
        assert connector.requests <= 0.03 * truth["issues"] + 6
        before = server.requests
        incremental = jira_cloud_connector(settings, client=JiraClient(settings, sleep=lambda _: None))
        run(incremental, dict(pages[-1].cursor))
        assert incremental.requests == server.requests - before
        assert incremental.requests <= 6


# --- request documents and cursor arithmetic, without HTTP ---------------------------------------


def test_search_jql_is_always_bounded() -> None:
    assert jql.search_jql(["PAY"], updated_from_ms=1718000000000) == (
        "project in (PAY) AND updated >= 1718000000000 ORDER BY created ASC, id ASC"
    )
    first = jql.search_jql(["PAY", "OR", "my proj"], created_from=date(2024, 3, 1))
    assert (
        first == 'project in (PAY, "OR", "my proj") AND created >= "2024-03-01" ORDER BY created ASC, id ASC'
    )
    with pytest.raises(ValueError, match="project"):
        jql.search_jql([])


def test_bulk_changelog_body_limits() -> None:
    body = jql.bulk_changelog_body(["1", "2"], None)
    assert body == {"issueIdsOrKeys": ["1", "2"], "maxResults": 10000}
    assert jql.bulk_changelog_body(["1"], "tok")["nextPageToken"] == "tok"
    with pytest.raises(ValueError, match="1000"):
        jql.bulk_changelog_body([str(i) for i in range(1001)], None)


def test_watermark_moves_forward_only_on_incremental_runs() -> None:
    overlap = 15 * 60_000
    assert next_watermark(None, lagged_ms(10 * overlap, 15), full=False) == 9 * overlap
    assert next_watermark(9 * overlap, lagged_ms(5 * overlap, 15), full=False) == 9 * overlap
    assert next_watermark(9 * overlap, lagged_ms(5 * overlap, 15), full=True) == 4 * overlap
    assert next_watermark(9 * overlap, lagged_ms(None, 15), full=False) == 9 * overlap


def test_cursor_state_reads_defensively() -> None:
    assert JIRA_CURSOR.load({}) == State()
    assert JIRA_CURSOR.load({"version": 99, "watermark_ms": 5}) == State()
    state = JIRA_CURSOR.load({"version": 1, "watermark_ms": 5, "metadata": {"broken": True}})
    assert (state.watermark, state.metadata) == (5, None)
    checkpoint = {"jql": "q", "next_page_token": "t", "max_updated_ms": 7, "seen": 3, "projects": ["PAY"]}
    run_ = Run.resume(checkpoint, ["PAY"])
    assert run_ is not None
    assert (run_.jql, run_.token, run_.max_updated_ms, run_.seen, run_.resumed) == ("q", "t", 7, 3, True)
    assert Run.resume(checkpoint, ["PAY", "CORE"]) is None  # other projects: the run starts again
    assert Run.resume({**checkpoint, "next_page_token": None}, ["PAY"]) is None


def test_census_comes_free_from_the_first_sync_and_lists_ids_when_due(serve: Any) -> None:
    fake = FakeCloud(30)
    url = serve(fake)
    batch, pages = run(make(url), {})
    assert batch.census is not None
    assert set(batch.census.keys_by_id) == {i.issue_id for i in fake.issues}
    assert fake.calls("/rest/api/3/search/jql")[0]["fields"] != ["key"]  # no separate census search
    cursor = pages[-1].cursor
    assert cursor["census_at"] == NOW.isoformat()
    # Not due: an incremental run lists no ids.
    quiet, _ = run(make(url), cursor)
    assert quiet.census is None
    # Due (older than census_days): the ids are listed with id-only pages; a deleted issue is absent.
    gone = fake.issues.pop()
    stale = {**cursor, "census_at": (NOW - timedelta(days=8)).isoformat()}
    fake.log.clear()
    due, due_pages = run(make(url), stale)
    assert due.census is not None
    assert gone.issue_id not in due.census.keys_by_id
    assert len(due.census.keys_by_id) == 29
    census_calls = [b for b in fake.calls("/rest/api/3/search/jql") if b["fields"] == ["key"]]
    assert len(census_calls) == 1
    assert census_calls[0]["maxResults"] == 5000
    assert "updated" not in census_calls[0]["jql"]
    assert due_pages[-1].cursor["census_at"] == NOW.isoformat()
