"""The Linear dialect: `POST /graphql` executed against Linear's real schema, priced and rate-limited.

A request goes through, in order (each refusal in Linear's own shape, `errors.py`):
  authentication   `Authorization: <SANDBOX_LINEAR_KEY>` (a personal API key, raw) or
                   `Authorization: Bearer <SANDBOX_LINEAR_OAUTH>`; an API key sent as a Bearer
                   token is refused with HTTP 400, anything else with 401 AUTHENTICATION_ERROR;
  request budget   a leaky bucket per credential kind (API key 2,500 requests/hour, OAuth 5,000);
  parse, validate  against the schema (`schema.py`): HTTP 400 GRAPHQL_PARSE_FAILED /
                   GRAPHQL_VALIDATION_FAILED;
  price            by Linear's formula before anything runs (`complexity.py`); above
                   10,000 points: HTTP 400 "Query too complex"; the complexity bucket (API key
                   3,000,000 points/hour, OAuth 2,000,000) must hold the price;
  execute          with the served objects (`graph.py`); "Entity not found" and other
                   resolver errors come back with HTTP 200 beside the data, as Linear's do.
Every answer past authentication carries X-RateLimit-Requests-{Limit,Remaining,Reset},
X-RateLimit-Complexity-{Limit,Remaining,Reset} (resets in epoch ms) and, once priced,
X-Complexity. `rate_limited()` is the harness's `rate_limit_every` answer: RATELIMITED (HTTP 400,
statusCode 429 inside, no Retry-After -- Linear documents none) with a reset one second away.
The sandbox clock for relative dates ("-P2W") is 22:00 on the anchor day, as in the Jira dialects.
`LinearApp(..., limits=...)` lowers the buckets (tests); `complexity_points` sums what was charged.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    execute_sync,
    parse,
    validate,
)

from orgpulse.sandbox.credentials import SANDBOX_LINEAR_KEY, SANDBOX_LINEAR_OAUTH
from orgpulse.sandbox.linear import errors
from orgpulse.sandbox.linear.complexity import MAX_POINTS, Pricer, points, shown
from orgpulse.sandbox.linear.graph import Graph, Root
from orgpulse.sandbox.linear.model import Workspace
from orgpulse.sandbox.linear.paging import resolve_field
from orgpulse.sandbox.linear.schema import linear_schema
from orgpulse.sandbox.org.model import Org
from orgpulse.sandbox.org.weeks import local_ms
from orgpulse.sandbox.wire import Request, Response

API_KEY_PREFIX = "lin_api_"
HOUR_MS = 3_600_000
# (requests per hour, complexity points per hour) by credential kind (LINEAR-NOTES §3.2).
LIMITS = {"api": (2_500, 3_000_000), "oauth": (5_000, 2_000_000)}
_DOCUMENTS = 256


class Bucket:
    """A leaky bucket refilled at `limit` per hour, in the real wall clock."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._left = float(limit)
        self._stamp = time.time() * 1000

    def refill(self, now_ms: float) -> None:
        self._left = min(self.limit, self._left + (now_ms - self._stamp) * self.limit / HOUR_MS)
        self._stamp = now_ms

    def take(self, amount: int, now_ms: float) -> bool:
        """Spend `amount` when the bucket holds it."""
        self.refill(now_ms)
        if self._left < amount:
            return False
        self._left -= amount
        return True

    def remaining(self) -> int:
        return max(0, int(self._left))

    def reset_ms(self, now_ms: float) -> int:
        """When the bucket is full again."""
        return int(now_ms + (self.limit - self._left) * HOUR_MS / self.limit)


@dataclass(frozen=True)
class _Parsed:
    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    code: str


class LinearApp:
    """Answers Linear GraphQL requests about one organisation."""

    def __init__(
        self,
        org: Org,
        base: str,
        page_cap: int | None = None,
        *,
        limits: Mapping[str, tuple[int, int]] = LIMITS,
    ) -> None:
        self.schema: GraphQLSchema = linear_schema()
        self.base = base
        self.org = org
        self.workspace = Workspace(org)
        now_ms = local_ms(org.anchor + timedelta(days=1)) - 2 * HOUR_MS
        self.graph = Graph(self.workspace, page_cap, now_ms)
        self._lock = threading.Lock()
        self._limits = dict(limits)
        self._buckets = {kind: (Bucket(r), Bucket(c)) for kind, (r, c) in self._limits.items()}
        self._documents: OrderedDict[str, _Parsed] = OrderedDict()
        self.complexity_points = 0

    # -- the harness's hooks ---------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | None:
        kind = self._credential(request)
        if kind is not None:
            return None
        given = request.headers.get("authorization", "").strip()
        if given[:7].lower() == "bearer " and given[7:].strip().startswith(API_KEY_PREFIX):
            return errors.bearer_api_key()
        return errors.not_authenticated()

    def rate_limited(self, request: Request) -> Response:
        """The `rate_limit_every` answer: Linear's RATELIMITED, resetting in one second."""
        kind = self._credential(request) or "api"
        now = time.time() * 1000
        with self._lock:
            headers = self._headers(kind, now, None)
        reset = str(int(now + 1000))
        forced = {"X-RateLimit-Requests-Remaining": "0", "X-RateLimit-Requests-Reset": reset}
        headers = [(name, forced.get(name, value)) for name, value in headers]
        return errors.rate_limited("requests", self._limits[kind][0], HOUR_MS, headers)

    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") != "/graphql":
            return errors.body([{"message": f"Cannot {request.method} {request.path}"}], 404)
        if request.method != "POST":
            message = "GET queries are not supported: POST the query as JSON."
            ext = errors.extensions("graphql error", "BAD_REQUEST", 405, message)
            return errors.body([{"message": message, "extensions": ext}], 405, [("Allow", "POST")])
        kind = self._credential(request) or "api"
        now = time.time() * 1000
        requests_bucket, points_bucket = self._buckets[kind]
        with self._lock:
            allowed = requests_bucket.take(1, now)
            headers = self._headers(kind, now, None)
        if not allowed:
            return errors.rate_limited("requests", requests_bucket.limit, HOUR_MS, headers)
        payload = self._payload(request)
        if isinstance(payload, Response):
            return payload
        query, variables, operation_name = payload
        parsed = self._parse(query)
        if parsed.document is None:
            return errors.graphql_errors(parsed.errors, parsed.code, headers)
        try:
            tenths = self._price(parsed.document, variables, operation_name)
        except (KeyError, ValueError) as exc:
            return errors.graphql_errors([GraphQLError(str(exc))], "GRAPHQL_VALIDATION_FAILED", headers)
        cost = points(tenths)
        if tenths > MAX_POINTS * 10:
            return errors.too_complex(shown(tenths), MAX_POINTS, headers)
        with self._lock:
            allowed = points_bucket.take(cost, now)
            if allowed:
                self.complexity_points += cost
            headers = self._headers(kind, now, cost)
        if not allowed:
            return errors.rate_limited("complexity points", points_bucket.limit, HOUR_MS, headers)
        return self._execute(parsed.document, variables, operation_name, kind, now, headers)

    # -- steps -----------------------------------------------------------------------------------
    def _credential(self, request: Request) -> str | None:
        given = request.headers.get("authorization", "").strip()
        if hmac.compare_digest(given, SANDBOX_LINEAR_KEY):
            return "api"
        if hmac.compare_digest(given, f"Bearer {SANDBOX_LINEAR_OAUTH}"):
            return "oauth"
        return None

    def _headers(self, kind: str, now: float, cost: int | None) -> list[tuple[str, str]]:
        requests_bucket, points_bucket = self._buckets[kind]
        requests_bucket.refill(now)
        points_bucket.refill(now)
        headers = [
            ("X-RateLimit-Requests-Limit", str(requests_bucket.limit)),
            ("X-RateLimit-Requests-Remaining", str(requests_bucket.remaining())),
            ("X-RateLimit-Requests-Reset", str(requests_bucket.reset_ms(now))),
            ("X-RateLimit-Complexity-Limit", str(points_bucket.limit)),
            ("X-RateLimit-Complexity-Remaining", str(points_bucket.remaining())),
            ("X-RateLimit-Complexity-Reset", str(points_bucket.reset_ms(now))),
        ]
        if cost is not None:
            headers.append(("X-Complexity", str(cost)))
        return headers

    def _payload(self, request: Request) -> tuple[str, dict[str, Any], str | None] | Response:
        try:
            doc = json.loads(request.body) if request.body else None
        except (ValueError, UnicodeDecodeError):
            doc = None
        query = doc.get("query") if isinstance(doc, dict) else None
        variables = doc.get("variables") if isinstance(doc, dict) else None
        name = doc.get("operationName") if isinstance(doc, dict) else None
        if not isinstance(query, str) or not query.strip() or not isinstance(variables, dict | None):
            message = "POST body missing, invalid Content-Type, or JSON object has no keys."
            ext = errors.extensions("graphql error", "BAD_REQUEST", 400, message)
            return errors.body([{"message": message, "extensions": ext}], 400)
        return query, dict(variables or {}), name if isinstance(name, str) else None

    def _parse(self, query: str) -> _Parsed:
        with self._lock:
            found = self._documents.get(query)
            if found is not None:
                self._documents.move_to_end(query)
                return found
        try:
            document = parse(query)
        except GraphQLError as exc:
            found = _Parsed(None, (exc,), "GRAPHQL_PARSE_FAILED")
        else:
            problems = validate(self.schema, document)
            found = _Parsed(None if problems else document, tuple(problems), "GRAPHQL_VALIDATION_FAILED")
        with self._lock:
            self._documents[query] = found
            while len(self._documents) > _DOCUMENTS:
                self._documents.popitem(last=False)
        return found

    def _price(self, document: DocumentNode, variables: dict[str, Any], name: str | None) -> int:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name is not None:
            operations = [o for o in operations if o.name is not None and o.name.value == name]
        if len(operations) != 1:
            missing = f'Unknown operation named "{name}".' if name else None
            raise ValueError(missing or "Must provide operation name if query contains multiple operations.")
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        return Pricer(self.schema, fragments, variables).tenths(operations[0])

    def _execute(
        self,
        document: DocumentNode,
        variables: dict[str, Any],
        name: str | None,
        kind: str,
        now: float,
        headers: list[tuple[str, str]],
    ) -> Response:
        root = Root(self.graph, self._status(kind, now))
        result = execute_sync(
            self.schema,
            document,
            root_value=root,
            variable_values=variables,
            operation_name=name,
            field_resolver=resolve_field,
        )
        problems = list(result.errors or ())
        if result.data is None and problems and all(e.path is None for e in problems):
            return errors.graphql_errors(problems, "BAD_USER_INPUT", headers)  # variables did not coerce
        doc: dict[str, Any] = {}
        if problems:
            doc["errors"] = [e.formatted for e in problems]
        doc["data"] = result.data
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
        return Response(200, text.encode("utf-8"), errors.JSON_TYPE, tuple(headers))

    def _status(self, kind: str, now: float) -> dict[str, Any]:
        """`rateLimitStatus`: both buckets of this credential."""
        requests_bucket, points_bucket = self._buckets[kind]
        with self._lock:
            limits = [
                {
                    "type": kind_name,
                    "allowedAmount": float(b.limit),
                    "period": float(HOUR_MS),
                    "remainingAmount": float(b.remaining()),
                    "requestedAmount": 1.0,
                    "reset": float(b.reset_ms(now)),
                }
                for kind_name, b in (("requestCount", requests_bucket), ("complexity", points_bucket))
            ]
        return {"identifier": self.workspace.viewer.user_id, "kind": kind, "limits": limits}
