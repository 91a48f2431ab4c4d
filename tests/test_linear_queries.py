"""The Linear GraphQL documents against Linear's real schema, and their prices by the complexity formula.

Every shipped document and every batched follow-up document the connector can build validates
with graphql-core against shared/api/linear/schema.graphql: a field Linear does not have, a
missing `first`, a misspelt argument or a badly typed variable fails here.
"""

from __future__ import annotations

import functools

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

from conftest import shared_path
from orgpulse.config import Secret, SourceSettings
from orgpulse.connectors.linear import connector as linear_connector
from orgpulse.connectors.linear import metadata, queries
from orgpulse.connectors.linear.complexity import MAX_QUERY_POINTS, estimate_complexity
from orgpulse.connectors.linear.queries import FollowUp

SECTION_2_8_TEAMS = """
query Teams($teamIds: [ID!], $after: String) {
  teams(first: 50, after: $after, includeArchived: true, filter: { id: { in: $teamIds } }) {
    nodes {
      id key name displayName createdAt updatedAt archivedAt retiredAt
      parent { id } cyclesEnabled triageEnabled issueEstimationType timezone
      memberships(first: 100, includeArchived: true) {
        nodes { id owner createdAt updatedAt archivedAt user { id } team { id } }
        pageInfo { hasNextPage endCursor }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@functools.cache
def schema() -> GraphQLSchema:
    return build_schema(shared_path("api", "linear", "schema.graphql").read_text(encoding="utf-8"))


def errors_of(document: str) -> list[str]:
    return [e.message for e in validate(schema(), parse(document))]


def test_every_shipped_document_validates() -> None:
    names = queries.names()
    assert {"issues", "history_page", "relations_page", "inverse_relations_page", "teams", "users"} <= set(
        names
    )
    for name in names:
        assert errors_of(queries.document(name)) == [], name


def test_a_field_linear_does_not_have_fails_validation() -> None:
    broken = queries.document(queries.USERS).replace("displayName", "displayNam")
    assert any("displayNam" in e for e in errors_of(broken))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 40, 100])
def test_batched_follow_up_documents_validate(size: int) -> None:
    kinds = ("history", "relations", "inverse")
    parts = [FollowUp(kinds[n % 3], f"issue-{n}", None if n % 2 else f"cursor-{n}") for n in range(size)]
    document, variables = queries.followup_document(parts, history_first=50, relations_first=25)
    assert errors_of(document) == []
    assert variables["id0"] == "issue-0"
    assert variables[f"id{size - 1}"] == f"issue-{size - 1}"
    assert variables["after0"] == "cursor-0"
    assert document.count("fragment HistoryEntry") == 1
    # The batch costs what its parts cost: each alias counts on its own.
    singles = sum(
        estimate_complexity(
            queries.document(queries.FOLLOW_UP_KINDS[p.kind][0]), {"historyFirst": 50, "relationsFirst": 25}
        )
        for p in parts
    )
    assert abs(estimate_complexity(document, variables) - singles) <= size


def test_a_batch_of_one_kind_declares_only_its_page_size() -> None:
    document, variables = queries.followup_document(
        [FollowUp("history", "a", None)], history_first=50, relations_first=25
    )
    assert "relationsFirst" not in document
    assert "relationsFirst" not in variables
    with pytest.raises(ValueError, match="at least one part"):
        queries.followup_document([], history_first=50, relations_first=25)


def test_every_nested_connection_names_its_page_size() -> None:
    """An unbounded nested connection is charged at 50 per parent row: none may be left implicit."""
    for name in queries.names():
        for line in queries.document(name).splitlines():
            stripped = line.strip()
            if stripped.split("(")[0] in ("history", "relations", "inverseRelations", "memberships"):
                assert "first:" in stripped, (name, stripped)


def test_the_documented_examples_score_as_documented() -> None:
    assert (
        estimate_complexity('query { user(id: "me") { createdIssues { nodes { id title createdAt } } } }')
        == 66
    )
    assert (
        estimate_complexity(
            '{ user(id: "me") { createdIssues(first: 10) { nodes { id title createdAt } } } }'
        )
        == 14
    )


def test_nested_connections_multiply_the_section_2_8_warning() -> None:
    """LINEAR-NOTES §2.8: the Teams query costs about 18,700 points, over the cap."""
    points = estimate_complexity(SECTION_2_8_TEAMS, {})
    assert 18_600 <= points <= 18_800
    assert points > MAX_QUERY_POINTS


def test_variables_defaults_fragments_and_edges_are_priced() -> None:
    with_variable = "query Q($n: Int) { issues(first: $n) { nodes { id } } }"
    assert estimate_complexity(with_variable, {"n": 10}) == 11  # 10 × 1.1
    assert estimate_complexity(with_variable, {}) == 55  # the default page of 50
    defaulted = "query Q($n: Int = 4) { issues(first: $n) { nodes { id } } }"
    assert estimate_complexity(defaulted) == 5  # 4.4 rounded up
    fragment = "query { issues(first: 10) { nodes { ...F } } } fragment F on Issue { id title }"
    assert estimate_complexity(fragment) == 12
    edges = "{ issues(first: 10) { edges { cursor node { id } } pageInfo { hasNextPage } } }"
    assert estimate_complexity(edges) == 10 * 22 // 10 + 2  # rows 2.2 each, pageInfo 1.1 once
    aliases = '{ a: issue(id: "1") { id } b: issue(id: "2") { id } }'
    assert estimate_complexity(aliases) == 3  # 2.2 rounded up
    with pytest.raises(ValueError, match="exactly one operation"):
        estimate_complexity("query A { viewer { id } } query B { viewer { id } }")


def test_tenths_never_drift_into_a_rounding() -> None:
    """Seventy properties are 7.0 points, not 7.000000000000001 rounded up to 8."""
    fields = " ".join(f"f{n}: id" for n in range(70))
    assert estimate_complexity(f'{{ issue(id: "x") {{ {fields} }} }}') == 8  # 1 + 7.0


def settings(page_size: int = 100) -> SourceSettings:
    return SourceSettings(
        name="lin",
        kind="linear",
        url="https://api.linear.app/graphql",
        auth="bearer",
        token=Secret("lin_api_x"),
        page_size=page_size,
    )


def test_every_query_the_connector_sends_stays_under_the_budget() -> None:
    connector = linear_connector.LinearConnector(settings(page_size=250))
    first = connector.page_size()
    assert first >= 50
    issues = queries.issues_variables(
        first=first,
        after=None,
        team_ids=["t"],
        history_first=linear_connector.HISTORY_FIRST,
        relations_first=linear_connector.RELATIONS_FIRST,
    )
    assert estimate_complexity(queries.document(queries.ISSUES), issues) <= linear_connector.QUERY_BUDGET
    assert estimate_complexity(queries.document(queries.ISSUES), {**issues, "first": first + 1}) > (
        linear_connector.QUERY_BUDGET
    )
    priced = {
        queries.TEAMS: {"first": metadata.TEAMS_FIRST, "membersFirst": metadata.MEMBERS_FIRST},
        queries.TEAM_MEMBERSHIPS: {"membersFirst": metadata.MEMBERS_FOLLOW_UP_FIRST},
        queries.USERS: {"first": metadata.USERS_FIRST},
        queries.WORKFLOW_STATES: {"first": metadata.STATES_FIRST},
        queries.LABELS: {"first": metadata.LABELS_FIRST},
    }
    for name, variables in priced.items():
        assert estimate_complexity(queries.document(name), variables) <= linear_connector.QUERY_BUDGET, name
    assert linear_connector.QUERY_BUDGET < MAX_QUERY_POINTS


def test_a_small_configured_page_size_is_kept() -> None:
    assert linear_connector.LinearConnector(settings(page_size=10)).page_size() == 10


def test_issue_variables_filter_teams_and_times() -> None:
    from datetime import UTC, date, datetime

    variables = queries.issues_variables(
        first=5,
        after="c",
        team_ids=["t1", "t2"],
        updated_since=datetime(2026, 5, 1, 2, 0, tzinfo=UTC),
        created_since=date(2026, 1, 1),
        history_first=20,
        relations_first=4,
    )
    assert variables["filter"] == {
        "team": {"id": {"in": ["t1", "t2"]}},
        "updatedAt": {"gte": "2026-05-01T02:00:00.000Z"},
        "createdAt": {"gte": "2026-01-01T00:00:00.000Z"},
    }
    unbounded = queries.issues_variables(first=5, after=None, history_first=20, relations_first=4)
    assert unbounded["filter"] is None
    with pytest.raises(ValueError, match="naive"):
        queries.iso(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
