"""The Linear double speaks Linear: the real schema, its error shapes, prices, paging, history, relations.

Most tests call the dialect app directly (no socket); the harness's knobs go through the server.
The expectations come from shared/api/LINEAR-NOTES.md, never from the connector.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from conftest import shared_path
from orgpulse.sandbox import SandboxServer, generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_LINEAR_KEY, SANDBOX_LINEAR_OAUTH
from orgpulse.sandbox.linear import schema as schema_module
from orgpulse.sandbox.linear.app import LinearApp
from orgpulse.sandbox.linear.history import CREATION_WINDOW_MS, story_of, translate
from orgpulse.sandbox.org.history import Entry, full_history
from orgpulse.sandbox.org.model import ExtIssue, Issue, Org
from orgpulse.sandbox.org.weeks import utc_z
from orgpulse.sandbox.wire import Request

ANCHOR = date(2026, 6, 12)
RATE_HEADERS = (
    "X-RateLimit-Requests-Limit",
    "X-RateLimit-Requests-Remaining",
    "X-RateLimit-Requests-Reset",
    "X-RateLimit-Complexity-Limit",
    "X-RateLimit-Complexity-Remaining",
    "X-RateLimit-Complexity-Reset",
)


@pytest.fixture(scope="module")
def org() -> Org:
    return generate_org(seed=3, issues=600, anchor=ANCHOR, weeks=16)


@pytest.fixture(scope="module")
def app(org: Org) -> LinearApp:
    return LinearApp(org, "https://sandbox.example.invalid")


class Answer:
    def __init__(self, status: int, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
        self.status = status
        self.doc: dict[str, Any] = json.loads(body)
        self.headers = dict(headers)

    @property
    def data(self) -> Any:
        assert "errors" not in self.doc, self.doc["errors"]
        return self.doc["data"]

    @property
    def error(self) -> dict[str, Any]:
        errors: list[dict[str, Any]] = self.doc["errors"]
        return errors[0]


def post(app: LinearApp, query: str, variables: dict[str, Any] | None = None, *,
         auth: str | None = SANDBOX_LINEAR_KEY) -> Answer:  # fmt: skip
    headers = {"content-type": "application/json"}
    if auth is not None:
        headers["authorization"] = auth
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = Request("POST", "/graphql", {}, headers, body)
    response = app.authenticate(request) or app.handle(request)
    return Answer(response.status, response.body, response.headers)


def all_pages(app: LinearApp, query: str, path: list[str], **variables: Any) -> list[dict[str, Any]]:
    """Every node of one connection, following pageInfo; asserts a cursor never repeats."""
    found: list[dict[str, Any]] = []
    cursors: set[str] = set()
    after = None
    while True:
        connection = post(app, query, {**variables, "after": after}).data
        for key in path:
            connection = connection[key]
        found += connection["nodes"]
        info = connection["pageInfo"]
        if not info["hasNextPage"]:
            return found
        after = info["endCursor"]
        assert after not in cursors
        cursors.add(after)


# -- the real schema and its errors ----------------------------------------------------------------


def test_an_invalid_query_is_refused_like_linear(app: LinearApp) -> None:
    answer = post(app, "{ issues { nodes { id bogus } } }")
    assert answer.status == 400
    assert "data" not in answer.doc
    error = answer.error
    assert "bogus" in error["message"]
    assert error["locations"]
    extensions = error["extensions"]
    assert extensions["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert extensions["type"] == "graphql error"
    assert extensions["userError"] is True

    missing_argument = post(app, "{ issue { id } }")
    assert missing_argument.status == 400
    assert missing_argument.error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    syntax = post(app, "{ issues { nodes { id ")
    assert syntax.status == 400
    assert syntax.error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"

    wrong_variable = post(app, "query($n: Int) { issues(first: $n) { nodes { id } } }", {"n": "ten"})
    assert wrong_variable.status == 400
    assert wrong_variable.error["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_missing_entity_is_linear_s_input_error_with_http_200(app: LinearApp) -> None:
    answer = post(app, '{ issue(id: "NOPE-1") { id } }')
    assert answer.status == 200
    assert answer.doc["data"] is None
    error = answer.error
    assert error["message"] == "Entity not found: Issue"
    assert error["path"] == ["issue"]
    assert error["extensions"]["code"] == "INPUT_ERROR"
    assert error["extensions"]["userPresentableMessage"] == "Could not find referenced Issue."


# -- complexity ------------------------------------------------------------------------------------


def test_queries_are_priced_by_the_documented_formula(app: LinearApp) -> None:
    # The docs' example: 1 object + 50 rows x (1 object + 3 properties) = 66; with first: 10, 14.
    default = post(app, "{ viewer { createdIssues { nodes { id title createdAt } } } }")
    assert default.status == 200
    assert default.headers["X-Complexity"] == "66"
    ten = post(app, "{ viewer { createdIssues(first: 10) { nodes { id title createdAt } } } }")
    assert ten.headers["X-Complexity"] == "14"
    # Measured in a public test suite (LINEAR-NOTES §2.7): 100 x 50 accepted.
    accepted = post(app, "{ teams(first: 100) { nodes { id states(first: 50) { nodes { id } } } } }")
    assert accepted.status == 200
    assert accepted.headers["X-Complexity"] == "5610"


def test_an_over_complex_query_is_refused_before_it_runs(app: LinearApp) -> None:
    before = app.complexity_points
    # 250 x 50 scored 14,025 and was refused by Linear (LINEAR-NOTES §2.7).
    answer = post(app, "{ teams(first: 250) { nodes { id states(first: 50) { nodes { id } } } } }")
    assert answer.status == 400
    assert "data" not in answer.doc
    error = answer.error
    assert error["message"] == "Query too complex"
    assert error["extensions"]["code"] == "INPUT_ERROR"
    assert error["extensions"]["type"] == "invalid input"
    presentable = error["extensions"]["userPresentableMessage"]
    assert presentable == "The query is too complex. Complexity: 14025. Maximum allowed complexity: 10000."
    assert "X-Complexity" not in answer.headers
    assert app.complexity_points == before
    # The §2.8 warning: the Teams query with 100 memberships per team costs about 18,700.
    teams = """query Teams($teamIds: [ID!], $after: String) {
      teams(first: 50, after: $after, includeArchived: true, filter: { id: { in: $teamIds } }) {
        nodes { id key name displayName createdAt updatedAt archivedAt retiredAt
          parent { id } cyclesEnabled triageEnabled issueEstimationType timezone
          memberships(first: 100, includeArchived: true) {
            nodes { id owner createdAt updatedAt archivedAt user { id } team { id } }
            pageInfo { hasNextPage endCursor } } }
        pageInfo { hasNextPage endCursor } } }"""
    refused = post(app, teams)
    found = re.search(r"Complexity: ([\d.]+)\.", refused.error["extensions"]["userPresentableMessage"])
    assert refused.status == 400
    assert found is not None
    assert 18_600 < float(found.group(1)) < 18_800


def test_the_standard_introspection_query_is_refused_as_too_complex(app: LinearApp) -> None:
    # LINEAR-NOTES §1: Linear refuses it ("Complexity: 262144"); asking for one type is fine.
    refused = post(app, get_introspection_query())
    assert refused.status == 400
    assert refused.error["message"] == "Query too complex"
    one_type = post(app, '{ __type(name: "IssueHistory") { fields { name } } }')
    assert one_type.status == 200
    assert "fromStateId" in {f["name"] for f in one_type.data["__type"]["fields"]}


def test_every_answer_carries_the_rate_limit_headers(app: LinearApp) -> None:
    first = post(app, "{ viewer { id } }")
    second = post(app, "{ teams(first: 5) { nodes { id key } } }")
    for answer in (first, second):
        assert all(name in answer.headers for name in RATE_HEADERS)
    assert first.headers["X-RateLimit-Requests-Limit"] == "2500"
    assert first.headers["X-RateLimit-Complexity-Limit"] == "3000000"
    assert int(second.headers["X-RateLimit-Requests-Remaining"]) < int(
        first.headers["X-RateLimit-Requests-Remaining"]
    )
    assert int(second.headers["X-RateLimit-Requests-Reset"]) > time.time() * 1000 - 1000  # epoch ms
    status = post(app, "{ rateLimitStatus { kind limits { type allowedAmount remainingAmount } } }").data
    assert {limit["type"] for limit in status["rateLimitStatus"]["limits"]} == {"requestCount", "complexity"}


def test_empty_buckets_answer_ratelimited(org: Org) -> None:
    small = LinearApp(org, "https://sandbox.example.invalid", limits={"api": (3, 100), "oauth": (3, 100)})
    assert post(small, "{ viewer { id } }").status == 200
    priced = post(small, "{ viewer { createdIssues { nodes { id title createdAt } } } }")  # 66 of 99 left
    assert priced.status == 200
    refused = post(small, "{ viewer { createdIssues { nodes { id title createdAt } } } }")
    assert refused.status == 400
    assert refused.error["extensions"]["code"] == "RATELIMITED"
    assert "complexity points" in refused.error["message"]
    no_requests = post(small, "{ viewer { id } }")
    assert no_requests.status == 400
    assert "Only 3 requests are allowed per 1 hour" in no_requests.error["message"]
    assert no_requests.error["extensions"]["statusCode"] == 429
    assert no_requests.headers["X-RateLimit-Requests-Remaining"] == "0"


# -- authentication --------------------------------------------------------------------------------


def test_authentication_follows_linear_rules(app: LinearApp) -> None:
    assert post(app, "{ viewer { id } }").status == 200  # API key, raw
    assert post(app, "{ viewer { id } }", auth=f"Bearer {SANDBOX_LINEAR_OAUTH}").status == 200
    as_bearer = post(app, "{ viewer { id } }", auth=f"Bearer {SANDBOX_LINEAR_KEY}")
    assert as_bearer.status == 400
    assert as_bearer.error["message"] == (
        "It looks like you're trying to use an API key as a Bearer token. "
        "Remove the Bearer prefix from the Authorization header."
    )
    for wrong in ("lin_api_wrong", SANDBOX_LINEAR_OAUTH, "Bearer nope", None):
        refused = post(app, "{ viewer { id } }", auth=wrong)
        assert refused.status == 401, wrong
        assert refused.error["message"] == "Authentication required, not authenticated"
        assert refused.error["extensions"]["code"] == "AUTHENTICATION_ERROR"
    oauth = post(app, "{ rateLimitStatus { kind } }", auth=f"Bearer {SANDBOX_LINEAR_OAUTH}")
    assert oauth.headers["X-RateLimit-Requests-Limit"] == "5000"
    assert oauth.data["rateLimitStatus"]["kind"] == "oauth"


def test_people_who_left_are_hidden_unless_disabled_users_are_asked_for(app: LinearApp, org: Org) -> None:
    gone = app.workspace.disabled
    assert gone, "this organisation has directors last seen long before its end"
    query = "query($d: Boolean) { users(first: 250, includeDisabled: $d) { nodes { id active } } }"
    default = post(app, query, {"d": None}).data["users"]["nodes"]
    everyone = post(app, query, {"d": True}).data["users"]["nodes"]
    assert all(n["active"] for n in default)
    assert {n["id"] for n in everyone} - {n["id"] for n in default} == {
        app.workspace.user_id(p) for p in gone
    }
    person = next(iter(gone))
    issue = next(i for i in app.workspace.issues if any(actor == person for _, actor, _ in i.events))
    actors = {e["actorId"] for e in all_pages(app, HISTORY, ["issue", "history"], id=issue.key)}
    assert app.workspace.user_id(person) in actors  # history still names them


# -- paging ----------------------------------------------------------------------------------------

ISSUES = """query($after: String, $archived: Boolean) {
  issues(first: 100, after: $after, includeArchived: $archived, orderBy: updatedAt) {
    nodes { id identifier updatedAt archivedAt }
    pageInfo { hasNextPage endCursor } } }"""


def test_issues_page_to_the_end_newest_update_first(app: LinearApp, org: Org) -> None:
    every = all_pages(app, ISSUES, ["issues"], archived=True)
    ids = [n["id"] for n in every]
    assert len(ids) == len(set(ids)) == truth_of(org)["totals"]["linear"]["issues"]
    stamps = [n["updatedAt"] for n in every]
    assert stamps == sorted(stamps, reverse=True)
    visible = all_pages(app, ISSUES, ["issues"], archived=False)
    archived = [n for n in every if n["archivedAt"]]
    assert archived, "closed issues older than three months are auto-archived"
    assert len(visible) == len(every) - len(archived)
    assert not any(n["archivedAt"] for n in visible)


def test_page_sizes_default_to_50_and_stop_at_250(app: LinearApp) -> None:
    unbounded = post(app, "{ issues { nodes { id } pageInfo { hasNextPage } } }").data["issues"]
    assert len(unbounded["nodes"]) == 50
    assert unbounded["pageInfo"]["hasNextPage"]
    huge = post(app, "{ issues(first: 400, includeArchived: true) { nodes { id } } }").data["issues"]
    assert len(huge["nodes"]) == 250
    nested = post(app, "{ teams(first: 1) { nodes { issues { nodes { id } } } } }").data
    assert len(nested["teams"]["nodes"][0]["issues"]["nodes"]) == 50
    edges = post(app, "{ issues(first: 3) { edges { cursor node { id } } pageInfo { endCursor } } }").data
    assert [e["cursor"] for e in edges["issues"]["edges"]] == [
        e["node"]["id"] for e in edges["issues"]["edges"]
    ]
    unknown = post(app, '{ issues(first: 3, after: "not-a-cursor") { nodes { id } } }')
    assert unknown.status == 200
    assert unknown.error["extensions"]["code"] == "INPUT_ERROR"


def test_page_cap_lowers_every_page(org: Org) -> None:
    capped = LinearApp(org, "https://sandbox.example.invalid", page_cap=7)
    page = post(capped, "{ issues(first: 100) { nodes { id } pageInfo { hasNextPage } } }").data["issues"]
    assert len(page["nodes"]) == 7
    assert page["pageInfo"]["hasNextPage"]


def test_filters_select_like_linear(app: LinearApp, org: Org) -> None:
    team = org.teams[0].key
    query = """query($filter: IssueFilter) {
      issues(first: 250, filter: $filter, includeArchived: true) {
        nodes { team { key } state { type } createdAt } } }"""
    by_team = post(app, query, {"filter": {"team": {"key": {"eq": team}}}}).data["issues"]["nodes"]
    assert by_team
    assert all(n["team"]["key"] == team for n in by_team)
    started = {"state": {"type": {"eq": "started"}}, "createdAt": {"gte": "2026-05-01T00:00:00.000Z"}}
    found = post(app, query, {"filter": started}).data["issues"]["nodes"]
    assert found
    assert all(n["state"]["type"] == "started" and n["createdAt"] >= "2026-05-01" for n in found)
    # A duration counts back from the sandbox's now (22:00 on the anchor day).
    recent = post(app, query, {"filter": {"updatedAt": {"gte": "-P1W"}}}).data["issues"]["nodes"]
    assert 0 < len(recent) < len(org.issues)
    refused = post(app, query, {"filter": {"searchableContent": {"contains": "x"}}})
    assert refused.status == 200
    assert refused.error["message"].startswith("orgpulse sandbox:")


# -- history ---------------------------------------------------------------------------------------

HISTORY = """query($id: String!, $after: String) {
  issue(id: $id) { history(first: 7, after: $after) {
    nodes { id createdAt actorId botActor { id type name } fromStateId toStateId fromState { name type }
            toState { name type } fromAssigneeId toAssigneeId fromTeamId toTeamId }
    pageInfo { hasNextPage endCursor } } } }"""


def test_history_is_oldest_first_and_pages_to_the_end(app: LinearApp, org: Org) -> None:
    ws = app.workspace
    issue = max(ws.issues, key=lambda i: len(story_of(ws, i).changes))
    story = story_of(ws, issue)
    assert len(story.changes) > 14, "the longest history should need three pages of 7"
    entries = all_pages(app, HISTORY, ["issue", "history"], id=issue.key)
    assert len(entries) == len(story.changes) == len({e["id"] for e in entries})
    stamps = [e["createdAt"] for e in entries]
    assert stamps == sorted(stamps)
    moves = [e for e in entries if e["toStateId"]]
    assert len(moves) == sum(1 for c in story.changes if c.state is not None)
    for before, after in itertools.pairwise(moves):
        assert after["fromStateId"] == before["toStateId"]  # the state chain is unbroken
    if any(e["botActor"] for e in entries):
        assert all(e["actorId"] is None for e in entries if e["botActor"])


def test_changes_in_the_first_three_minutes_are_part_of_the_creation(app: LinearApp, org: Org) -> None:
    ws = app.workspace
    issue = next(
        i
        for i in ws.issues
        if not i.old_keys and i.events and i.events[0][0] - i.created > CREATION_WINDOW_MS
    )
    team = org.team_by_key[issue.team]
    horizon = org.calendar.horizon_ms
    served = translate(ws, issue, full_history(issue, team, horizon), horizon)
    target = team.workflow.blocked
    early = Entry(1, issue.created + 60_000, team.po, (("status", issue.initial_status, target),))
    late = Entry(
        2, issue.created + CREATION_WINDOW_MS + 1, team.po, (("status", target, issue.initial_status),)
    )
    story = translate(ws, issue, [early, late], horizon)
    assert story.initial_state == (issue.team, target)  # the early change shaped the creation...
    assert [c.at for c in story.changes] == [late.at]  # ...and is no history entry; the later one is
    assert served.initial_state == (issue.team, issue.initial_status)
    entries = all_pages(app, HISTORY, ["issue", "history"], id=issue.key)
    assert all(e["createdAt"] >= utc_z(issue.created + CREATION_WINDOW_MS) for e in entries)


def test_a_moved_issue_changes_team_identifier_and_state(app: LinearApp, org: Org) -> None:
    moved = next(i for i in app.workspace.issues if i.old_keys)
    query = """query($id: String!) { issue(id: $id) { identifier previousIdentifiers team { key }
      history(first: 100) { nodes { fromTeam { key } toTeam { key } fromState { id } toState { id } } } } }"""
    issue = post(app, query, {"id": moved.old_keys[0]}).data["issue"]  # a former identifier resolves
    assert issue["identifier"] == moved.key
    assert issue["previousIdentifiers"] == list(moved.old_keys)
    move = next(e for e in issue["history"]["nodes"] if e["toTeam"])
    assert move["fromTeam"]["key"] == moved.origin_team
    assert move["toTeam"]["key"] == issue["team"]["key"]
    assert move["fromState"]["id"] != move["toState"]["id"]  # states are per team


# -- relations -------------------------------------------------------------------------------------

RELATIONS = """query($id: String!) { issue(id: $id) {
  relations(first: 50, includeArchived: true) { nodes { id type archivedAt issue { identifier } relatedIssue { identifier } } }
  inverseRelations(first: 50, includeArchived: true) { nodes { id type archivedAt issue { identifier } relatedIssue { identifier } } }
  visible: inverseRelations(first: 50) { nodes { id } } } }"""  # noqa: E501


def test_a_blocks_relation_shows_on_both_sides(app: LinearApp, org: Org) -> None:
    relation = next(
        r
        for r in app.workspace.relations
        if r.type == "blocks" and isinstance(r.source, Issue) and isinstance(r.target, Issue)
    )
    blocker = post(app, RELATIONS, {"id": relation.source.key}).data["issue"]
    blocked = post(app, RELATIONS, {"id": relation.target.key}).data["issue"]
    out = next(n for n in blocker["relations"]["nodes"] if n["id"] == relation.relation_id)
    back = next(n for n in blocked["inverseRelations"]["nodes"] if n["id"] == relation.relation_id)
    assert out == back
    assert out["type"] == "blocks"
    assert out["issue"]["identifier"] == relation.source.key
    assert out["relatedIssue"]["identifier"] == relation.target.key


def test_relations_reach_the_private_outside_team_and_keep_removed_ones_archived(app: LinearApp) -> None:
    outside = next(
        r for r in app.workspace.relations if isinstance(r.source, ExtIssue) and r.link.removed > 0
    )
    assert isinstance(outside.target, Issue)
    blocked = post(app, RELATIONS, {"id": outside.target.key}).data["issue"]
    seen = next(n for n in blocked["inverseRelations"]["nodes"] if n["id"] == outside.relation_id)
    assert seen["issue"]["identifier"].startswith("EXT-")
    assert seen["archivedAt"]
    assert outside.relation_id not in {n["id"] for n in blocked["visible"]["nodes"]}
    private = post(app, "query($id: String!) { issue(id: $id) { id } }", {"id": outside.source.key})
    assert private.error["message"] == "Entity not found: Issue"
    teams = post(app, "{ teams(first: 50) { nodes { key } } }").data["teams"]["nodes"]
    assert "EXT" not in {t["key"] for t in teams}


# -- the harness -----------------------------------------------------------------------------------


def test_rate_limit_every_answers_linear_s_ratelimited(org: Org) -> None:
    with SandboxServer(org, dialect="linear", rate_limit_every=2) as server:
        url = f"{server.url}/graphql"
        headers = {"Authorization": SANDBOX_LINEAR_KEY}
        ok = httpx.post(url, json={"query": "{ viewer { id } }"}, headers=headers)
        limited = httpx.post(url, json={"query": "{ viewer { id } }"}, headers=headers)
        points = server.complexity_points
    assert ok.status_code == 200
    assert points == int(ok.headers["X-Complexity"])
    assert limited.status_code == 400
    extensions = limited.json()["errors"][0]["extensions"]
    assert extensions["code"] == "RATELIMITED"
    assert extensions["statusCode"] == 429
    assert extensions["meta"]["rateLimitResult"]["allowed"] is False
    assert limited.headers["X-RateLimit-Requests-Remaining"] == "0"
    assert 0 < int(limited.headers["X-RateLimit-Requests-Reset"]) - time.time() * 1000 <= 1500
    assert "Retry-After" not in limited.headers  # Linear documents none


def test_the_shipped_schema_is_linears_real_one() -> None:
    shared = shared_path("api", "linear", "schema.graphql")
    assert schema_module.schema_text() == shared.read_text(encoding="utf-8")
    assert schema_module.linear_schema().query_type is not None


@pytest.fixture
def served_cli() -> Iterator[tuple[str, str]]:
    command = [sys.executable, "-c", "from orgpulse.cli import main; main()", "sandbox", "serve",
               "--dialect", "linear", "--issues", "200", "--anchor", "2026-06-12"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip(), process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sandbox_serve_prints_the_endpoint_and_the_api_key(served_cli: tuple[str, str]) -> None:
    url, credentials = served_cli
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/graphql", url)
    assert credentials == f"api_key={SANDBOX_LINEAR_KEY}"
    answer = httpx.post(
        url, json={"query": "{ viewer { name } }"}, headers={"Authorization": SANDBOX_LINEAR_KEY}
    )
    assert answer.json() == {"data": {"viewer": {"name": "Sandbox Reader"}}}
