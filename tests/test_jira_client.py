"""The Jira transport against a scripted HTTP server on 127.0.0.1: error mapping, retries, counting."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from orgpulse.config import Secret, SourceSettings
from orgpulse.connectors.jira.client import JiraClient
from orgpulse.connectors.kit.http import HTTPStatusError, retry_after_seconds
from orgpulse.errors import AuthError, ProtocolError, RateLimitedError, TransientError

TOKEN = "s3cr3t-api-token-XYZ"
EMAIL = "robot@example.com"
SERVER_INFO = {
    "baseUrl": "",
    "version": "1001.0.0",
    "versionNumbers": [1001, 0, 0],
    "deploymentType": "Cloud",
}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    delay: float = 0.0


class Scripted:
    """Answers each path with its scripted replies in turn (the last one repeats); logs requests."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {"/rest/api/3/serverInfo": [Reply(body=SERVER_INFO)]}
        self.log: list[tuple[str, str, dict[str, str], bytes]] = []

    def reply(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        self.log.append((method, path, headers, body))
        replies = self.routes.get(path.split("?")[0])
        if not replies:
            return Reply(404, {"errorMessages": ["no route"]})
        return replies.pop(0) if len(replies) > 1 else replies[0]


@pytest.fixture
def server() -> Iterator[tuple[str, Scripted]]:
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = script.reply(self.command, self.path, headers, body)
            if reply.delay:
                time.sleep(reply.delay)
            data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json" if reply.raw is None else "text/html")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the timeout test gave up
                self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


def settings(url: str, **overrides: Any) -> SourceSettings:
    values: dict[str, Any] = {
        "name": "acme",
        "kind": "jira_cloud",
        "url": url,
        "auth": "basic",
        "token": Secret(TOKEN),
        "user": Secret(EMAIL),
        "max_retries": 3,
        "max_retry_wait_seconds": 600.0,
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return SourceSettings(**values)


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client_for(url: str, sleeps: Sleeps, **overrides: Any) -> JiraClient:
    return JiraClient(settings(url, **overrides), sleep=sleeps, jitter=lambda: 0.5, clock=lambda: 1_000_000.0)


def assert_no_secret(exc: BaseException) -> None:
    basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    for text in (str(exc), repr(exc), str(exc.args)):
        assert TOKEN not in text
        assert basic not in text
        assert "authorization" not in text.lower()
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


def test_constructing_does_no_io(server: tuple[str, Scripted]) -> None:
    url, script = server
    client = client_for(url, Sleeps())
    assert client.requests == 0
    assert script.log == []


def test_calls_go_to_api_v3_with_basic_auth_and_are_counted(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/field"] = [Reply(body=[{"id": "summary"}])]
    client = client_for(url, Sleeps())
    assert client.get("field") == [{"id": "summary"}]
    assert client.requests == 2  # the library's serverInfo, then ours
    assert [entry[1] for entry in script.log] == ["/rest/api/3/serverInfo", "/rest/api/3/field"]
    expected = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    assert script.log[1][2]["authorization"] == expected


def test_post_sends_a_json_body(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/search/jql"] = [Reply(body={"issues": []})]
    client = client_for(url, Sleeps())
    client.post("search/jql", {"jql": "project in (A)", "maxResults": 5})
    method, _, headers, body = script.log[-1]
    assert method == "POST"
    assert json.loads(body) == {"jql": "project in (A)", "maxResults": 5}
    assert headers["content-type"] == "application/json"


def test_401_is_an_auth_error_that_leaks_no_credential_and_is_not_retried(
    server: tuple[str, Scripted],
) -> None:
    url, script = server
    script.routes["/rest/api/3/serverInfo"] = [Reply(401, {"errorMessages": ["Unauthorized"]})]
    sleeps = Sleeps()
    client = client_for(url, sleeps)
    with pytest.raises(AuthError) as caught:
        client.connect()
    assert "401" in str(caught.value)
    assert "/rest/api/3/serverInfo" in str(caught.value)
    assert_no_secret(caught.value)
    assert client.requests == 1
    assert sleeps.calls == []


def test_403_on_a_call_is_an_auth_error(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/status"] = [Reply(403, {"errorMessages": ["no"]})]
    client = client_for(url, Sleeps())
    with pytest.raises(AuthError) as caught:
        client.get("status")
    assert_no_secret(caught.value)
    assert client.requests == 2


def test_429_waits_the_retry_after_then_succeeds(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/field"] = [Reply(429, {}, {"Retry-After": "7"}), Reply(body=[])]
    sleeps = Sleeps()
    client = client_for(url, sleeps)
    assert client.get("field") == []
    assert len(sleeps.calls) == 1
    assert 7.0 <= sleeps.calls[0] <= 7.7
    assert client.requests == 3  # serverInfo, the refused 429, the retry


def test_429_with_x_ratelimit_reset(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/field"] = [
        Reply(429, {}, {"X-RateLimit-Reset": "1970-01-12T13:48Z"}),  # 1_000_080 s, the clock is 1_000_000
        Reply(body=[]),
    ]
    sleeps = Sleeps()
    client_for(url, sleeps).get("field")
    assert 80.0 <= sleeps.calls[0] <= 81.0


def test_429_asking_more_than_the_allowed_wait_gives_up_at_once(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/field"] = [Reply(429, {}, {"Retry-After": "3600"})]
    sleeps = Sleeps()
    client = client_for(url, sleeps, max_retry_wait_seconds=600.0)
    with pytest.raises(RateLimitedError) as caught:
        client.get("field")
    assert caught.value.retry_after == 3600.0
    assert sleeps.calls == []
    assert_no_secret(caught.value)


def test_5xx_is_retried_with_backoff_then_given_up(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/field"] = [Reply(502, {"errorMessages": ["bad gateway"]})]
    sleeps = Sleeps()
    client = client_for(url, sleeps, max_retries=3)
    with pytest.raises(TransientError) as caught:
        client.get("field")
    assert "502" in str(caught.value)
    assert_no_secret(caught.value)
    assert client.requests == 1 + 4
    assert len(sleeps.calls) == 3
    assert sleeps.calls == sorted(sleeps.calls)
    assert sleeps.calls[0] < sleeps.calls[-1]


def test_503_then_success(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/field"] = [Reply(503, {}, {"Retry-After": "2"}), Reply(body=["ok"])]
    sleeps = Sleeps()
    assert client_for(url, sleeps).get("field") == ["ok"]
    assert sleeps.calls[0] >= 2.0


def test_non_json_is_a_protocol_error_and_not_retried(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/field"] = [Reply(raw=b"<html>login</html>")]
    sleeps = Sleeps()
    client = client_for(url, sleeps)
    with pytest.raises(ProtocolError, match="not JSON"):
        client.get("field")
    assert sleeps.calls == []
    assert client.requests == 2


def test_400_keeps_its_status(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/search/jql"] = [Reply(400, {"errorMessages": ["bad token"]})]
    client = client_for(url, Sleeps())
    with pytest.raises(HTTPStatusError) as caught:
        client.post("search/jql", {"jql": "x"})
    assert caught.value.status == 400
    assert "bad token" in str(caught.value)  # Jira's own reason helps the user
    assert_no_secret(caught.value)


def test_410_says_the_api_was_removed(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/search"] = [
        Reply(410, {"errorMessages": ["The requested API has been removed."]})
    ]
    with pytest.raises(HTTPStatusError, match="removed"):
        client_for(url, Sleeps()).get("search")


def test_not_cloud_asks_for_jira_dc(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/serverInfo"] = [Reply(body={**SERVER_INFO, "deploymentType": "Server"})]
    with pytest.raises(ProtocolError, match='kind = "jira_dc"'):
        client_for(url, Sleeps()).connect()


def test_a_site_that_is_not_jira_is_a_protocol_error(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/serverInfo"] = [Reply(raw=b"<html>hello</html>")]
    sleeps = Sleeps()
    client = client_for(url, sleeps)
    with pytest.raises(ProtocolError, match="serverInfo"):
        client.connect()
    assert sleeps.calls == []
    assert client.requests == 1


def test_connection_refused_is_transient_and_retried() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    client = client_for(f"http://127.0.0.1:{port}", sleeps, max_retries=2)
    with pytest.raises(TransientError) as caught:
        client.connect()
    assert client.requests == 3
    assert len(sleeps.calls) == 2
    assert_no_secret(caught.value)


def test_timeout_is_transient(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.routes["/rest/api/3/field"] = [Reply(body=[], delay=0.5)]
    client = client_for(url, Sleeps(), max_retries=0, timeout_seconds=0.2)
    with pytest.raises(TransientError, match="timed out"):
        client.get("field")


def test_bearer_auth_sends_the_token(server: tuple[str, Scripted]) -> None:
    url, script = server
    client = JiraClient(settings(url, auth="bearer", user=None), sleep=Sleeps())
    client.connect()
    assert script.log[0][2]["authorization"] == f"Bearer {TOKEN}"


def test_retry_after_parsing() -> None:
    assert retry_after_seconds({"Retry-After": "12"}, 0.0) == 12.0
    assert retry_after_seconds({"Retry-After": "Thu, 01 Jan 1970 00:01:40 GMT"}, 40.0) == 60.0
    assert retry_after_seconds({"X-RateLimit-Reset": "1970-01-01T00:02Z"}, 100.0) == 20.0
    assert retry_after_seconds({"Retry-After": "soon"}, 0.0) == 0.0
    assert retry_after_seconds({}, 0.0) == 0.0
