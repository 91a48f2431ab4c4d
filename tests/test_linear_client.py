"""The Linear transport with `httpx.MockTransport` (no sockets): auth header, error mapping, retries,
rate limits and budget headers, request counting, and a token that never leaks into a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import yaml

from conftest import shared_path
from orgpulse.config import Secret, SourceSettings
from orgpulse.connectors.linear.client import Budget, LinearClient, QueryTooComplexError
from orgpulse.errors import AuthError, ProtocolError, RateLimitedError, TransientError

API_KEY = "lin_api_S3CR3Tkey0123456789abcdef"
OAUTH = "oauth-access-T0KEN-abcdef"
QUERY = "query Viewer { viewer { id } }"
OK = {"data": {"viewer": {"id": "u1"}}}
NOW = 1_800_000_000.0

Handler = Callable[[httpx.Request], httpx.Response]


def settings(token: str = API_KEY, **overrides: Any) -> SourceSettings:
    values: dict[str, Any] = {
        "name": "lin",
        "kind": "linear",
        "url": "https://api.linear.app/graphql",
        "auth": "bearer",
        "token": Secret(token),
        "max_retries": 3,
        "max_retry_wait_seconds": 600.0,
    }
    values.update(overrides)
    return SourceSettings(**values)


class Recorder:
    """Serves scripted responses in turn (the last repeats); keeps the requests and the sleeps."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]

    def client(self, token: str = API_KEY, **overrides: Any) -> LinearClient:
        return LinearClient(
            settings(token, **overrides),
            transport=httpx.MockTransport(self),
            sleep=self.sleeps.append,
            clock=lambda: NOW,
            jitter=lambda: 0.0,
        )


def graphql_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    body = {
        "errors": [{"message": message, "extensions": {"code": code, "type": code.lower()}}],
        "data": None,
    }
    return httpx.Response(status, json=body, headers=headers)


def test_an_api_key_goes_without_bearer_and_the_body_is_graphql_json() -> None:
    server = Recorder(httpx.Response(200, json=OK))
    data = server.client().query(QUERY, {"x": 1})
    assert data == {"viewer": {"id": "u1"}}
    request = server.requests[0]
    assert request.headers["authorization"] == API_KEY
    assert request.method == "POST"
    assert str(request.url) == "https://api.linear.app/graphql"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"query": QUERY, "variables": {"x": 1}}


def test_an_oauth_token_goes_as_bearer() -> None:
    server = Recorder(httpx.Response(200, json=OK))
    server.client(OAUTH).query(QUERY)
    assert server.requests[0].headers["authorization"] == f"Bearer {OAUTH}"


def test_401_is_an_auth_error_at_once_and_never_shows_the_token() -> None:
    body = {
        "errors": [
            {
                "message": f"Authentication required, not authenticated ({API_KEY})",
                "extensions": {"code": "AUTHENTICATION_ERROR", "statusCode": 401},
            }
        ]
    }
    server = Recorder(httpx.Response(401, json=body))
    client = server.client()
    with pytest.raises(AuthError) as caught:
        client.query(QUERY)
    assert client.requests == 1
    assert server.sleeps == []
    for text in (str(caught.value), repr(caught.value), repr(client), repr(client.budget)):
        assert API_KEY not in text
    assert "credentials refused" in str(caught.value)
    assert "***" in str(caught.value)


@pytest.mark.parametrize("code", ["AUTHENTICATION_ERROR", "FORBIDDEN"])
def test_auth_codes_inside_a_200_or_400_are_auth_errors(code: str) -> None:
    for status in (200, 400):
        server = Recorder(graphql_error(status, code, "You do not have access to this data."))
        with pytest.raises(AuthError, match=code):
            server.client().query(QUERY)
        assert len(server.requests) == 1


def test_403_is_an_auth_error() -> None:
    server = Recorder(httpx.Response(403, text="forbidden"))
    with pytest.raises(AuthError, match="permission denied"):
        server.client().query(QUERY)


def test_an_api_key_sent_as_bearer_gets_advice() -> None:
    message = (
        "It looks like you're trying to use an API key as a Bearer token. "
        "Remove the Bearer prefix from the Authorization header."
    )
    server = Recorder(graphql_error(400, "INPUT_ERROR", message))
    with pytest.raises(AuthError, match="lin_api_"):
        server.client("an-old-style-key").query(QUERY)


def test_a_graphql_error_in_a_200_is_a_protocol_error_naming_it() -> None:
    """The real "Entity not found" answer (HTTP 200, data null) from the saved cassette."""
    cassette = yaml.safe_load(
        shared_path("api", "linear", "samples", "get_project_handler_Invalid_project.yaml").read_text()
    )
    body = cassette["interactions"][0]["response"]["body"]
    server = Recorder(
        httpx.Response(200, content=body.encode(), headers={"Content-Type": "application/json"})
    )
    client = server.client()
    with pytest.raises(ProtocolError, match="INPUT_ERROR: Entity not found: Project") as caught:
        client.query('query GetProject { project(id: "x") { id } }')
    assert not isinstance(caught.value, TransientError)
    assert "GetProject" in str(caught.value)
    assert client.requests == 1


def test_partial_data_with_errors_is_not_swallowed() -> None:
    body = {"data": {"viewer": {"id": "u1"}}, "errors": [{"message": "boom", "path": ["viewer"]}]}
    server = Recorder(httpx.Response(200, json=body))
    with pytest.raises(ProtocolError, match="boom"):
        server.client().query(QUERY)


def test_rate_limited_waits_for_one_requests_refill_then_succeeds() -> None:
    """Linear answers RATELIMITED as HTTP 400 with the 429 inside; its buckets are leaky (§3.2):
    one request drips back after period / limit = 3600 / 2500 s, long before the reset."""
    reset_ms = str(int((NOW + 42) * 1000))
    refused = graphql_error(
        400,
        "RATELIMITED",
        "Rate limit exceeded. Only 2500 requests are allowed per 1 hour.",
        **{
            "X-RateLimit-Requests-Limit": "2500",
            "X-RateLimit-Requests-Remaining": "0",
            "X-RateLimit-Requests-Reset": reset_ms,
        },
    )
    server = Recorder(refused, httpx.Response(200, json=OK))
    client = server.client()
    assert client.query(QUERY) == {"viewer": {"id": "u1"}}
    assert server.sleeps == [pytest.approx(1.44, abs=0.2)]
    assert client.requests == 2


def test_http_429_without_a_body_code_is_rate_limited_too() -> None:
    server = Recorder(
        httpx.Response(429, text="slow down", headers={"Retry-After": "7"}), httpx.Response(200, json=OK)
    )
    client = server.client()
    client.query(QUERY)
    assert server.sleeps == [pytest.approx(7.0)]


def test_a_refill_beyond_the_allowed_wait_gives_up_at_once() -> None:
    reset_ms = str(int((NOW + 3000) * 1000))
    refused = graphql_error(
        400,
        "RATELIMITED",
        "Rate limit exceeded.",
        **{
            "X-RateLimit-Complexity-Limit": "2",
            "X-RateLimit-Complexity-Remaining": "0",
            "X-RateLimit-Complexity-Reset": reset_ms,
        },
    )
    server = Recorder(refused)
    with pytest.raises(RateLimitedError) as caught:
        server.client(max_retry_wait_seconds=600.0).query(QUERY)
    assert caught.value.retry_after > 600.0
    assert len(server.requests) == 1
    assert server.sleeps == []


def test_an_hour_away_reset_does_not_end_the_sync_the_bucket_refills_first() -> None:
    """The nightly failure: RATELIMITED with the reset an hour away; the refill takes seconds."""
    reset_ms = str(int((NOW + 3500) * 1000))
    headers = {
        "X-RateLimit-Requests-Limit": "2500",
        "X-RateLimit-Requests-Remaining": "0",
        "X-RateLimit-Requests-Reset": reset_ms,
        "X-RateLimit-Complexity-Limit": "3000000",
        "X-RateLimit-Complexity-Remaining": "10",
        "X-RateLimit-Complexity-Reset": reset_ms,
    }
    refused = graphql_error(400, "RATELIMITED", "Rate limit exceeded.", **headers)
    server = Recorder(refused, refused, refused, httpx.Response(200, json=OK))
    client = server.client(max_retry_wait_seconds=600.0)
    assert client.query(QUERY) == {"viewer": {"id": "u1"}}
    # 1.44 s for one request, doubled at each refusal in a row (with the policy's small jitter).
    assert server.sleeps == [pytest.approx(w, abs=0.5) for w in (1.44, 2.88, 5.76)]


def test_a_bucket_without_its_limit_is_retried_within_a_minute() -> None:
    reset_ms = str(int((NOW + 3000) * 1000))
    refused = graphql_error(
        400,
        "RATELIMITED",
        "Rate limit exceeded.",
        **{"X-RateLimit-Complexity-Remaining": "0", "X-RateLimit-Complexity-Reset": reset_ms},
    )
    server = Recorder(refused, httpx.Response(200, json=OK))
    server.client(max_retry_wait_seconds=600.0).query(QUERY)
    assert server.sleeps == [pytest.approx(60.0, abs=1.0)]


def test_5xx_is_retried_with_backoff_then_a_transient_error() -> None:
    server = Recorder(httpx.Response(502, text="<html>bad gateway</html>"))
    client = server.client(max_retries=3)
    with pytest.raises(TransientError, match="HTTP 502"):
        client.query(QUERY)
    assert client.requests == 4
    assert server.sleeps == [0.5, 1.0, 2.0]  # 1, 2, 4 s halved by the zero jitter


def test_5xx_then_success_counts_every_attempt() -> None:
    server = Recorder(
        httpx.Response(503, json={}), httpx.Response(500, json={}), httpx.Response(200, json=OK)
    )
    client = server.client()
    client.query(QUERY)
    assert client.requests == 3
    assert len(server.sleeps) == 2


def test_timeouts_are_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json=OK)

    sleeps: list[float] = []
    client = LinearClient(
        settings(), transport=httpx.MockTransport(handler), sleep=sleeps.append, jitter=lambda: 0.0
    )
    assert client.query(QUERY) == {"viewer": {"id": "u1"}}
    assert client.requests == 2
    assert len(sleeps) == 1


def test_not_json_is_a_protocol_error() -> None:
    server = Recorder(httpx.Response(200, text="<html>login</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(ProtocolError, match="not JSON"):
        server.client().query(QUERY)
    server = Recorder(httpx.Response(200, json={"nothing": True}))
    with pytest.raises(ProtocolError, match="no data"):
        server.client().query(QUERY)


def test_query_too_complex_carries_its_figures() -> None:
    body = {
        "errors": [
            {
                "message": "Query too complex",
                "extensions": {
                    "code": "INPUT_ERROR",
                    "userPresentableMessage": "The query is too complex. Complexity: 12304.999999999998. "
                    "Maximum allowed complexity: 10000.",
                },
            }
        ]
    }
    server = Recorder(httpx.Response(400, json=body))
    with pytest.raises(QueryTooComplexError) as caught:
        server.client().query(QUERY)
    assert caught.value.complexity == pytest.approx(12305.0)
    assert caught.value.maximum == 10000.0


def test_budget_headers_are_read_and_the_cost_summed() -> None:
    headers = {
        "X-Complexity": "640",
        "X-RateLimit-Requests-Limit": "2500",
        "X-RateLimit-Requests-Remaining": "2400",
        "X-RateLimit-Requests-Reset": str(int((NOW + 60) * 1000)),
        "X-RateLimit-Complexity-Limit": "3000000",
        "X-RateLimit-Complexity-Remaining": "2999360",
        "X-RateLimit-Complexity-Reset": str(int((NOW + 60) * 1000)),
    }
    server = Recorder(httpx.Response(200, json=OK, headers=headers))
    client = server.client()
    client.query(QUERY)
    client.query(QUERY)
    assert client.points == 1280
    assert client.budget == Budget(2500, 2400, NOW + 60, 3_000_000, 2_999_360, NOW + 60, 640)
    assert server.sleeps == []


def test_the_client_slows_down_when_the_budget_runs_low() -> None:
    """Few points left: before the next query it waits for the bucket to refill, not past the reset."""
    low = {
        "X-Complexity": "100",
        "X-RateLimit-Complexity-Limit": "3000000",
        "X-RateLimit-Complexity-Remaining": "0",
        "X-RateLimit-Complexity-Reset": str(int((NOW + 900) * 1000)),
    }
    server = Recorder(httpx.Response(200, json=OK, headers=low))
    client = server.client()
    client.query(QUERY)
    assert server.sleeps == []
    document = "{ issues(first: 250) { nodes { id } } }"  # 275 points
    client.query(document)
    # 275 points at 3,000,000 an hour refill in 0.33 s.
    assert server.sleeps == [pytest.approx(275 * 3600 / 3_000_000)]
    requests_low = {"X-RateLimit-Requests-Limit": "2500", "X-RateLimit-Requests-Remaining": "1",
                    "X-RateLimit-Requests-Reset": str(int((NOW + 2) * 1000))}  # fmt: skip
    server = Recorder(httpx.Response(200, json=OK, headers=requests_low))
    client = server.client()
    client.query(QUERY)
    client.query(QUERY)
    assert server.sleeps == [pytest.approx(2.0)]  # the reset comes before the refill would


def test_constructing_does_no_io_and_the_token_stays_out_of_reprs() -> None:
    calls: list[httpx.Request] = []
    client = LinearClient(
        settings(), transport=httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200))
    )
    assert calls == []
    assert client.requests == 0
    assert API_KEY not in repr(client)
    assert API_KEY not in repr(settings())
    client.close()
