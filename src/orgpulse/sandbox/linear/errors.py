"""Linear's error shapes (LINEAR-NOTES §3.3): response bodies and in-query GraphQL errors.

Every error is an entry of the standard `errors` array whose `extensions` carry `type` (lower-case
words), `code` (UPPER_SNAKE), `statusCode`, `userError` and `userPresentableMessage`:
    validation            HTTP 400  GRAPHQL_VALIDATION_FAILED  "graphql error"
    syntax                HTTP 400  GRAPHQL_PARSE_FAILED       "graphql error" (Apollo's; not in the notes)
    variables             HTTP 400  BAD_USER_INPUT             "graphql error" (Apollo's; not in the notes)
    too complex           HTTP 400  INPUT_ERROR "Query too complex", both numbers in the presentable text
    rate limited          HTTP 400  RATELIMITED, statusCode 429, meta.rateLimitResult
    not authenticated     HTTP 401  AUTHENTICATION_ERROR
    API key as Bearer     HTTP 400  "It looks like you're trying to use an API key as a Bearer token..."
    entity not found      HTTP 200  INPUT_ERROR "Entity not found: Issue", data null
The Bearer refusal's message is the recorded one; its extensions are not recorded anywhere and
are given the authentication shape here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError

from orgpulse.sandbox.wire import Response

JSON_TYPE = "application/json; charset=utf-8"
BEARER_API_KEY = (
    "It looks like you're trying to use an API key as a Bearer token. "
    "Remove the Bearer prefix from the Authorization header."
)
NOT_AUTHENTICATED = "Authentication required, not authenticated"
RATE_DOCS = "For more information see our developer docs at: https://linear.app/developers/rate-limiting"


def extensions(
    kind: str, code: str, status: int, presentable: str, *, user_error: bool = True, **more: Any
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": kind,
        "code": code,
        "statusCode": status,
        "userError": user_error,
        "userPresentableMessage": presentable,
    }
    found.update(more)
    return found


def body(
    errors: Sequence[Mapping[str, Any]],
    status: int,
    headers: Sequence[tuple[str, str]] = (),
    *,
    data: bool = False,
) -> Response:
    """A response carrying `errors` (and `"data": null` when `data`)."""
    doc: dict[str, Any] = {"errors": list(errors)}
    if data:
        doc["data"] = None
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    return Response(status, text.encode("utf-8"), JSON_TYPE, tuple(headers))


def not_authenticated() -> Response:
    presentable = "You need to authenticate to access this operation."
    ext = extensions(
        "authentication error", "AUTHENTICATION_ERROR", 401, presentable, meta={}, http={"status": 401}
    )
    return body([{"message": NOT_AUTHENTICATED, "extensions": ext}], 401)


def bearer_api_key() -> Response:
    ext = extensions(
        "authentication error", "AUTHENTICATION_ERROR", 400, BEARER_API_KEY, http={"status": 400}
    )
    return body([{"message": BEARER_API_KEY, "extensions": ext}], 400)


def too_complex(shown_points: str, maximum: int, headers: Sequence[tuple[str, str]]) -> Response:
    presentable = (
        f"The query is too complex. Complexity: {shown_points}. Maximum allowed complexity: {maximum}."
    )
    ext = extensions("invalid input", "INPUT_ERROR", 400, presentable, http={"status": 400})
    return body([{"message": "Query too complex", "extensions": ext}], 400, headers)


def rate_limited(what: str, limit: int, duration_ms: int, headers: Sequence[tuple[str, str]]) -> Response:
    """RATELIMITED as Linear sends it: HTTP 400, the 429 inside (kendex#1018, LINEAR-NOTES §3.3)."""
    hours = duration_ms // 3_600_000
    message = f"Rate limit exceeded. Only {limit} {what} are allowed per {hours} hour. {RATE_DOCS}"
    result = {"allowed": False, "requested": 1, "remaining": 0, "duration": duration_ms, "limit": limit}
    meta = {"rateLimitResult": result}
    ext = extensions(
        "ratelimited", "RATELIMITED", 429, message, meta=meta, http={"headers": {}, "status": 400}
    )
    return body([{"message": message, "extensions": ext}], 400, headers)


def graphql_errors(errors: Sequence[GraphQLError], code: str, headers: Sequence[tuple[str, str]]) -> Response:
    """Errors found before execution (syntax, validation, variables): HTTP 400, no data."""
    found = []
    for error in errors:
        formatted = dict(error.formatted)
        formatted["extensions"] = extensions("graphql error", code, 400, error.message)
        found.append(formatted)
    return body(found, 400, headers)


def not_found(entity: str) -> GraphQLError:
    """Raised by a resolver: Linear's "Entity not found" (the answer stays HTTP 200)."""
    return GraphQLError(
        f"Entity not found: {entity}",
        extensions=extensions("invalid input", "INPUT_ERROR", 400, f"Could not find referenced {entity}."),
    )


def input_error(message: str) -> GraphQLError:
    """A bad argument (a cursor that names no row, a negative page size)."""
    return GraphQLError(message, extensions=extensions("invalid input", "INPUT_ERROR", 400, message))


def unsupported(message: str) -> GraphQLError:
    """Something the real API answers but this double does not: loud, never a silent wrong answer."""
    text = f"orgpulse sandbox: {message}"
    return GraphQLError(
        text, extensions=extensions("internal error", "INTERNAL_ERROR", 500, text, user_error=False)
    )
