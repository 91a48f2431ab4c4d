"""The Jira Cloud double over HTTP: auth, paging, caps, limits and the test knobs."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, Org, SandboxServer, generate_org

AUTH = "Basic " + base64.b64encode(f"{SANDBOX_EMAIL}:{SANDBOX_TOKEN}".encode()).decode()
REMOVED = (
    '{"errorMessages":["The requested API has been removed. Please migrate to the /rest/api/3/search/jql '
    'API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"],'
    '"errors":{}}'
)


@pytest.fixture(scope="module")
def org() -> Org:
    return generate_org(seed=7, issues=800, anchor=date(2026, 11, 20), weeks=16)


@pytest.fixture(scope="module")
def server(org: Org) -> Iterator[SandboxServer]:
    with SandboxServer(org) as running:
        yield running


def http(
    server: SandboxServer, method: str, path: str, body: object = None, auth: str | None = AUTH
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = auth
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def ok(server: SandboxServer, method: str, path: str, body: object = None) -> Any:
    status, _, data = http(server, method, path, body)
    assert status == 200, data[:300]
    return json.loads(data)


def search(server: SandboxServer, **body: Any) -> Any:
    return ok(server, "POST", "/rest/api/3/search/jql", body)


def test_bad_or_missing_credentials_answer_401(server: SandboxServer) -> None:
    before = server.requests
    for auth in (
        None,
        "Basic " + base64.b64encode(b"sandbox@orgpulse.invalid:wrong").decode(),
        "Bearer nope",
    ):
        status, headers, body = http(server, "GET", "/rest/api/3/myself", auth=auth)
        assert status == 401
        assert body == b"Client must be authenticated to access this resource."
        assert headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
    assert server.requests == before + 3
    assert ok(server, "GET", "/rest/api/3/myself")["emailAddress"] == SANDBOX_EMAIL
    status, _, _ = http(server, "GET", "/rest/api/2/myself", auth=f"Bearer {SANDBOX_TOKEN}")
    assert status == 200


def test_server_info_says_cloud_on_v2_and_v3(server: SandboxServer) -> None:
    for version in ("2", "3"):
        info = ok(server, "GET", f"/rest/api/{version}/serverInfo")
        assert info["deploymentType"] == "Cloud"
        assert info["versionNumbers"][0] >= 1001
        assert info["baseUrl"] == server.url


def test_old_search_is_gone(server: SandboxServer) -> None:
    for method, version in (("GET", "2"), ("GET", "3"), ("POST", "3")):
        body = {"jql": "project = PAY"} if method == "POST" else None
        status, _, data = http(server, method, f"/rest/api/{version}/search?jql=project%3DPAY", body)
        assert (status, data.decode()) == (410, REMOVED)


def test_unbounded_and_invalid_jql_answer_400(server: SandboxServer) -> None:
    unbounded = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
    for jql in ("", "order by key desc", "ORDER BY created ASC"):
        status, _, data = http(server, "POST", "/rest/api/3/search/jql", {"jql": jql})
        assert status == 400
        assert json.loads(data) == {"errorMessages": [unbounded], "errors": {}}
    for jql, message in (
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("project = PAY OR project = WEB", "Expecting 'AND'"),
        ("assignee = currentUser()", "Field 'assignee' does not exist"),
        ('updated >= "yesterday"', "Date value 'yesterday' for field 'updated' is invalid."),
        ("project = PAY ORDER BY rank", "Not able to sort using field 'rank'."),
        ("key in (PAY-999999)", "An issue with key 'PAY-999999' does not exist for field 'key'."),
    ):
        status, _, data = http(server, "POST", "/rest/api/3/search/jql", {"jql": jql})
        assert status == 400, jql
        body = json.loads(data)
        assert set(body) == {"errorMessages", "errors"}
        assert message in body["errorMessages"][0], body


def test_fields_default_to_id_only_and_pages_end_without_token(server: SandboxServer, org: Org) -> None:
    pay = [i for i in org.issues if i.team == "PAY"]
    page = search(server, jql="project = PAY ORDER BY id ASC")
    assert page["issues"][0] == {"id": str(pay[0].issue_id)}
    assert len(page["issues"]) == 50
    assert page["isLast"] is False
    seen, token = [], None
    while True:
        body: dict[str, Any] = {"jql": "project = PAY ORDER BY id ASC", "fields": ["key"], "maxResults": 37}
        if token:
            body["nextPageToken"] = token
        page = search(server, **body)
        seen += [i["key"] for i in page["issues"]]
        token = page.get("nextPageToken")
        if page["isLast"]:
            assert "nextPageToken" not in page
            break
        assert token
    assert seen == [i.key for i in sorted(pay, key=lambda i: i.issue_id)]


def test_page_caps(server: SandboxServer, org: Org) -> None:
    everything = "project in ({})".format(", ".join(t.key for t in org.teams))
    assert len(search(server, jql=everything, maxResults=5000, fields=["id"])["issues"]) == len(org.issues)
    # A light page (id/key and a few fields) reaches the spec's 5000; many fields or the changelog: 100.
    light = search(server, jql=everything, maxResults=5000, fields=["updated"])["issues"]
    assert len(light) == len(org.issues)
    assert set(light[0]["fields"]) == {"updated"}
    many = ["summary", "status", "updated"]
    assert len(search(server, jql=everything, maxResults=5000, fields=many)["issues"]) == 100
    changelog = search(server, jql=everything, maxResults=5000, fields=["updated"], expand="changelog")
    assert len(changelog["issues"]) == 100
    with SandboxServer(org, page_cap=7) as capped:
        assert len(search(capped, jql=everything, maxResults=5000)["issues"]) == 7


def test_get_search_reads_repeated_and_comma_separated_params(server: SandboxServer) -> None:
    page = ok(
        server,
        "GET",
        "/rest/api/2/search/jql?jql=project%3DWEB&fields=summary,status&fields=-status&maxResults=3",
    )
    assert len(page["issues"]) == 3
    assert set(page["issues"][0]["fields"]) == {"summary"}


def test_tokens_are_validated(server: SandboxServer) -> None:
    first = search(server, jql="project = PAY", maxResults=10)
    for token in ("garbage", first["nextPageToken"][:-2] + "xx"):
        status, _, _ = http(
            server, "POST", "/rest/api/3/search/jql", {"jql": "project = PAY", "nextPageToken": token}
        )
        assert status == 400
    status, _, _ = http(
        server,
        "POST",
        "/rest/api/3/search/jql",
        {"jql": "project = WEB", "nextPageToken": first["nextPageToken"]},
    )
    assert status == 400  # a token belongs to the query that issued it


def full_changelog(server: SandboxServer, issue_id: str) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = []
    while True:
        page = ok(
            server, "GET", f"/rest/api/3/issue/{issue_id}/changelog?startAt={len(values)}&maxResults=100"
        )
        assert page["maxResults"] <= 100
        values += page["values"]
        if page["isLast"]:
            assert "nextPage" not in page
            assert len(values) == page["total"]
            return values


def test_embedded_changelog_is_the_newest_40_with_the_true_total(server: SandboxServer, org: Org) -> None:
    long = max(org.issues, key=lambda i: i.history_total)
    assert long.history_total > 100
    page = search(server, jql=f"id = {long.issue_id}", fields=["status"], expand="changelog")
    changelog = page["issues"][0]["changelog"]
    assert changelog["total"] == long.history_total
    assert len(changelog["histories"]) == 40
    assert changelog["maxResults"] == 40
    complete = full_changelog(server, str(long.issue_id))
    assert len(complete) == long.history_total
    assert changelog["histories"] == complete[::-1][:40]
    created = [h["created"] for h in changelog["histories"]]
    assert created == sorted(created, reverse=True)


def test_bulk_changelog_pages_split_one_issue_and_end_without_token(server: SandboxServer, org: Org) -> None:
    long = sorted((i for i in org.issues if i.history_total > 60), key=lambda i: i.issue_id)[:3]
    ids = [str(i.issue_id) for i in reversed(long)]
    pages, token = [], None
    while True:
        body: dict[str, Any] = {"issueIdsOrKeys": ids, "maxResults": 45}
        if token:
            body["nextPageToken"] = token
        page = ok(server, "POST", "/rest/api/3/changelog/bulkfetch", body)
        pages.append(page)
        token = page.get("nextPageToken")
        if token is None:
            break
    assert sum(len(c["changeHistories"]) for c in pages[0]["issueChangeLogs"]) == 45
    assert pages[0]["issueChangeLogs"][-1]["issueId"] == pages[1]["issueChangeLogs"][0]["issueId"]
    collected: dict[str, list[dict[str, Any]]] = {}
    for page in pages:
        for entry in page["issueChangeLogs"]:
            collected.setdefault(entry["issueId"], []).extend(entry["changeHistories"])
    assert list(collected) == sorted(ids, key=int)  # issues by ascending id
    for issue in long:
        assert collected[str(issue.issue_id)] == full_changelog(server, str(issue.issue_id))


def test_bulk_changelog_limits_and_field_filter(server: SandboxServer, org: Org) -> None:
    for ids in ([], [str(n) for n in range(1001)]):
        status, _, _ = http(server, "POST", "/rest/api/3/changelog/bulkfetch", {"issueIdsOrKeys": ids})
        assert status == 400
    linked = next(i for i in org.issues if any(k == "link" for _, _, items in i.events for k, _, _ in items))
    body = {"issueIdsOrKeys": [linked.key], "fieldIds": ["status", "assignee"]}
    page = ok(server, "POST", "/rest/api/3/changelog/bulkfetch", body)
    items = [item for h in page["issueChangeLogs"][0]["changeHistories"] for item in h["items"]]
    assert items
    assert {item["fieldId"] for item in items} <= {"status", "assignee"}
    assert not any(item["field"] == "Link" for item in items)  # link items carry no fieldId


def test_issue_changelog_404(server: SandboxServer) -> None:
    status, _, _ = http(server, "GET", "/rest/api/3/issue/NOPE-1/changelog")
    assert status == 404


def test_moved_issue_keeps_its_id_and_its_old_key_resolves(server: SandboxServer, org: Org) -> None:
    moved = next(i for i in org.issues if i.old_keys)
    page = search(server, jql=f"key in ({moved.old_keys[0]})", fields=["project"])
    assert page["issues"][0]["key"] == moved.key
    assert page["issues"][0]["id"] == str(moved.issue_id)
    items = [item for h in full_changelog(server, moved.old_keys[0]) for item in h["items"]]
    key_item = next(item for item in items if item["field"] == "Key")
    assert (key_item["fromString"], key_item["toString"]) == (moved.old_keys[0], moved.key)
    assert any(item["field"] == "project" for item in items)


def test_updated_and_created_restrictions(server: SandboxServer, org: Org) -> None:
    pay = [i for i in org.issues if i.team == "PAY"]
    cut = sorted(i.updated for i in pay)[len(pay) // 2]
    page = search(server, jql=f"project = PAY AND updated >= {cut}", maxResults=5000, fields=["id"])
    assert len(page["issues"]) == sum(1 for i in pay if i.updated >= cut)
    page = search(
        server, jql='project = PAY AND created >= "2026/10/01 00:00"', maxResults=5000, fields=["id"]
    )
    assert len(page["issues"]) == sum(1 for i in pay if i.created >= 1790805600000)


def test_approximate_count_and_relative_dates(server: SandboxServer, org: Org) -> None:
    count = ok(server, "POST", "/rest/api/3/search/approximate-count", {"jql": "project = PAY"})
    assert count == {"count": sum(1 for i in org.issues if i.team == "PAY")}
    recent = search(server, jql="project = PAY AND updated >= -1w", maxResults=5000)["issues"]
    assert 0 < len(recent) < count["count"]


def test_rate_limit_every_nth_request_answers_429(org: Org) -> None:
    with SandboxServer(org, rate_limit_every=3) as limited:
        statuses = []
        for _ in range(6):
            status, headers, _ = http(limited, "GET", "/rest/api/3/serverInfo")
            statuses.append(status)
            if status == 429:
                assert headers["Retry-After"] == "1"
                assert headers["X-RateLimit-Remaining"] == "0"
                assert "X-RateLimit-Reset" in headers
        assert statuses == [200, 200, 429, 200, 200, 429]
        assert limited.requests == 6
        assert limited.request_log == [("GET", "/rest/api/3/serverInfo")] * 6


def test_faults_are_seeded_and_counted(org: Org) -> None:
    runs = []
    for _ in range(2):
        with SandboxServer(org, fault_rate=0.3) as faulty:
            runs.append([http(faulty, "GET", "/rest/api/3/status")[0] for _ in range(30)])
            assert faulty.requests == 30
    assert runs[0] == runs[1]
    assert set(runs[0]) <= {200, 500, 503}
    assert {500, 503} & set(runs[0])
    assert 200 in runs[0]


def test_latency_knob(org: Org) -> None:
    with SandboxServer(org, latency_ms=120) as slow:
        started = time.perf_counter()
        http(slow, "GET", "/rest/api/3/statuscategory")
        assert time.perf_counter() - started >= 0.12


def test_metadata_for_connectors(server: SandboxServer) -> None:
    fields = {f["schema"].get("custom"): f for f in ok(server, "GET", "/rest/api/3/field") if f["custom"]}
    sprint = fields["com.pyxis.greenhopper.jira:gh-sprint"]
    assert sprint["id"] != "customfield_10020"
    assert sprint["name"] == "Sprint"
    assert fields["com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes"]["name"] == "Flagged"
    types = {t["name"]: t for t in ok(server, "GET", "/rest/api/3/issueLinkType")["issueLinkTypes"]}
    assert (types["Blocks"]["inward"], types["Blocks"]["outward"]) == ("is blocked by", "blocks")
    assert types["Dependency"]["inward"] == "depends on"
    keys = {c["key"] for c in ok(server, "GET", "/rest/api/3/statuscategory")}
    assert keys == {"undefined", "new", "indeterminate", "done"}
    projects = ok(server, "GET", "/rest/api/3/project/search?maxResults=3")
    assert len(projects["values"]) == 3
    assert projects["isLast"] is False
    assert "nextPage" in projects
    status, _, _ = http(server, "GET", "/rest/api/3/project/NOPE/statuses")
    assert status == 404


def test_the_jira_library_works_against_the_double(server: SandboxServer, org: Org) -> None:
    jira = pytest.importorskip("jira")
    client = jira.JIRA(server=server.url, basic_auth=(SANDBOX_EMAIL, SANDBOX_TOKEN), max_retries=0)
    assert client.server_info()["deploymentType"] == "Cloud"
    issues = client.enhanced_search_issues(
        "project = PAY ORDER BY key ASC", maxResults=5, fields="summary,Sprint"
    )
    assert [i.key for i in issues] == ["PAY-1", "PAY-2", "PAY-3", "PAY-4", "PAY-5"]
    assert {s.name for s in client.statuses()} >= {"Awaiting Approval", "En attente de validation"}


def test_start_stop_and_serve_forever(org: Org) -> None:
    server = SandboxServer(org)
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url
    server.start()
    waiter = threading.Thread(target=server.serve_forever)
    waiter.start()
    assert ok(server, "GET", "/rest/api/3/serverInfo")["deploymentType"] == "Cloud"
    server.stop()
    waiter.join(5)
    assert not waiter.is_alive()
    with pytest.raises(ValueError, match="dialect"):
        SandboxServer(org, dialect="gitlab")
