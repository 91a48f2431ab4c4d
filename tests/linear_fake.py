"""A small fake Linear for the connector tests, served through `httpx.MockTransport` (no sockets).

It executes every request with graphql-core against Linear's real schema
(shared/api/linear/schema.graphql), so a query, an alias or a variable Linear would refuse fails
here too. It prices each query with Linear's complexity formula, refuses those above 10,000
points as Linear does ("Query too complex", HTTP 400), checks the Authorization header, pages
every connection by `first`/`after` (the cursor is the last node's id), hides archived rows and
disabled users unless asked, and records every request.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from graphql import GraphQLObjectType, GraphQLSchema, build_schema, get_named_type, graphql_sync

from conftest import shared_path
from orgpulse.connectors.linear.complexity import MAX_QUERY_POINTS, estimate_complexity

API_KEY = "lin_api_FAKEKEY0123456789"
URL = "https://api.linear.app/graphql"

Row = dict[str, Any]


@functools.cache
def linear_schema() -> GraphQLSchema:
    return build_schema(shared_path("api", "linear", "schema.graphql").read_text(encoding="utf-8"))


@dataclass
class Seen:
    """One request the fake received."""

    query: str
    variables: dict[str, Any]
    headers: dict[str, str]
    points: int


@dataclass
class FakeLinear:
    teams: list[Row] = field(default_factory=list)
    users: list[Row] = field(default_factory=list)
    states: list[Row] = field(default_factory=list)
    labels: list[Row] = field(default_factory=list)
    issues: list[Row] = field(default_factory=list)
    authorization: str = API_KEY
    # Called with the request number (0-based) before it is served: a response to send instead.
    fault: Callable[[int], httpx.Response | None] | None = None
    seen: list[Seen] = field(default_factory=list)
    attempts: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        number = self.attempts
        self.attempts += 1
        if self.fault is not None:
            injected = self.fault(number)
            if injected is not None:
                return injected
        body = json.loads(request.content)
        query, variables = body["query"], body.get("variables") or {}
        if request.headers.get("authorization") != self.authorization:
            return error_response(401, "Authentication required, not authenticated", "AUTHENTICATION_ERROR")
        points = estimate_complexity(query, variables)
        self.seen.append(Seen(query, variables, dict(request.headers), points))
        if points > MAX_QUERY_POINTS:
            return error_response(
                400,
                "Query too complex",
                "INPUT_ERROR",
                presentable=f"The query is too complex. Complexity: {points}. "
                "Maximum allowed complexity: 10000.",
            )
        result = graphql_sync(
            linear_schema(), query, root_value=self, variable_values=variables, field_resolver=self._resolve
        )
        if result.errors:
            code = "GRAPHQL_VALIDATION_FAILED" if result.data is None else "INTERNAL_ERROR"
            messages = "; ".join(e.message for e in result.errors)
            return error_response(400 if result.data is None else 200, messages, code)
        headers = {"X-Complexity": str(points), "X-RateLimit-Requests-Remaining": "2400"}
        return httpx.Response(200, json={"data": result.data}, headers=headers)

    # -- resolution -------------------------------------------------------------------------------

    def _resolve(self, parent: Any, info: Any, **args: Any) -> Any:
        name = info.field_name
        if parent is self:
            return self._root(name, info, args)
        value = parent.get(name) if isinstance(parent, Mapping) else getattr(parent, name, None)
        if _is_connection(info):
            return page(list(value or ()), args)
        return value

    def _root(self, name: str, info: Any, args: dict[str, Any]) -> Any:
        if name == "issue":
            return self._by_id(self.issues, args["id"], "Issue")
        if name == "team":
            return self._by_id(self.teams, args["id"], "Team")
        rows: list[Row] = {
            "teams": self.teams,
            "users": self.users,
            "workflowStates": self.states,
            "issueLabels": self.labels,
            "issues": self.issues,
        }[name]
        rows = [r for r in rows if _matches(r, args.get("filter"))]
        if name == "users" and not args.get("includeDisabled"):
            rows = [r for r in rows if r.get("active", True)]
        if args.get("orderBy") == "updatedAt":
            rows = sorted(rows, key=lambda r: r["updatedAt"], reverse=True)  # newest first, as Linear
        return page(rows, args)

    @staticmethod
    def _by_id(rows: Sequence[Row], wanted: str, what: str) -> Row:
        for row in rows:
            if row["id"] == wanted or row.get("identifier") == wanted:
                return row
        raise LookupError(f"Entity not found: {what}")


def page(rows: list[Row], args: Mapping[str, Any]) -> Row:
    """A connection page: archived rows hidden unless includeArchived, `first` (default 50) after `after`."""
    if not args.get("includeArchived"):
        rows = [r for r in rows if not r.get("archivedAt")]
    after = args.get("after")
    if after is not None:
        ids = [r["id"] for r in rows]
        if after not in ids:
            raise LookupError(f"cursor {after} not found")
        rows = rows[ids.index(after) + 1 :]
    first = args.get("first")
    size = 50 if first is None else first
    chosen = rows[:size]
    return {
        "nodes": chosen,
        "pageInfo": {
            "hasNextPage": len(rows) > size,
            "endCursor": chosen[-1]["id"] if chosen else None,
            "hasPreviousPage": after is not None,
            "startCursor": chosen[0]["id"] if chosen else None,
        },
    }


def _is_connection(info: Any) -> bool:
    named = get_named_type(info.return_type)
    return isinstance(named, GraphQLObjectType) and named.name.endswith("Connection")


def _matches(row: Mapping[str, Any], spec: Mapping[str, Any] | None) -> bool:
    """The IssueFilter / TeamFilter / UserFilter subset the connector sends: eq, in, gte on fields."""
    if not spec:
        return True
    for key, condition in spec.items():
        value = row.get(key)
        if isinstance(condition, Mapping) and any(k in condition for k in ("eq", "in", "gte")):
            if "eq" in condition and value != condition["eq"]:
                return False
            if "in" in condition and value not in condition["in"]:
                return False
            if "gte" in condition and (value is None or value < condition["gte"]):
                return False
        elif isinstance(condition, Mapping) and (
            not isinstance(value, Mapping) or not _matches(value, condition)
        ):
            return False
    return True


def error_response(
    status: int,
    message: str,
    code: str,
    *,
    presentable: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    extensions = {
        "code": code,
        "type": code.lower().replace("_", " "),
        "userPresentableMessage": presentable or message,
    }
    return httpx.Response(
        status,
        json={"errors": [{"message": message, "extensions": extensions}], "data": None},
        headers=headers,
    )
