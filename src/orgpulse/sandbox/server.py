"""The HTTP harness: serves one dialect of an organisation on 127.0.0.1, with test knobs.

Knobs, applied to every request in this order, each request counted in `requests` and logged in
`request_log` whatever its answer:
  latency_ms        sleep before answering;
  rate_limit_every  every Nth request answers 429 with Retry-After: 1 and X-RateLimit-* headers
                    (the dialect's: Cloud's, or Data Center's `jira/datacenter.DC_RATE_LIMIT_HEADERS`), or
                    the dialect's own refusal when it has one (Linear's RATELIMITED, HTTP 400);
  fault_rate        that share of requests answers 500 or 503, drawn from a RNG seeded by the org's
                    seed, in arrival order (so a single-threaded client sees the same faults each run);
  then the dialect's authentication (401) and the dialect itself. `page_cap` lowers page sizes.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from random import Random
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from orgpulse.sandbox.credentials import DIALECTS
from orgpulse.sandbox.jira.cloud import JiraCloudApp
from orgpulse.sandbox.jira.datacenter import DC_RATE_LIMIT_HEADERS, JiraDataCenterApp
from orgpulse.sandbox.linear.app import LinearApp
from orgpulse.sandbox.org.model import Org
from orgpulse.sandbox.wire import App, Request, Response, error

logger = logging.getLogger(__name__)


def make_app(org: Org, dialect: str, base: str, page_cap: int | None) -> App:
    if dialect == "jira_cloud":
        return JiraCloudApp(org, base, page_cap)
    if dialect == "jira_dc":
        return JiraDataCenterApp(org, base, page_cap)
    if dialect == "linear":
        return LinearApp(org, base, page_cap)
    raise ValueError(f"unknown sandbox dialect {dialect!r}; known: {', '.join(DIALECTS)}")


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], harness: SandboxServer) -> None:
        super().__init__(address, _Handler)
        self.harness = harness

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up (a timeout on its side) is routine here, not a server error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("client %s went away", client_address)
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HttpServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = Request(
            self.command,
            url.path,
            parse_qs(url.query, keep_blank_values=True),
            {name.lower(): value for name, value in self.headers.items()},
            body,
        )
        response = self.server.harness.answer(request)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox %s - " + format, self.address_string(), *args)


class SandboxServer:
    """Serves `org` in `dialect` on 127.0.0.1 (port 0: any free port) until stopped."""

    def __init__(
        self,
        org: Org,
        dialect: str = "jira_cloud",
        latency_ms: int = 0,
        page_cap: int | None = None,
        rate_limit_every: int = 0,
        fault_rate: float = 0.0,
        port: int = 0,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown sandbox dialect {dialect!r}; known: {', '.join(DIALECTS)}")
        if latency_ms < 0 or rate_limit_every < 0 or not 0.0 <= fault_rate <= 1.0:
            raise ValueError("latency_ms and rate_limit_every must be >= 0, fault_rate within [0, 1]")
        if page_cap is not None and page_cap < 1:
            raise ValueError("page_cap must be >= 1")
        self.org = org
        self.dialect = dialect
        self.latency_ms = latency_ms
        self.page_cap = page_cap
        self.rate_limit_every = rate_limit_every
        self.fault_rate = fault_rate
        self.port = port
        self._lock = threading.Lock()
        self._count = 0
        self._log: list[tuple[str, str]] = []
        self._faults = Random(f"sandbox-faults-{org.seed}")
        self._httpd: _HttpServer | None = None
        self._app: App | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL a Jira configuration would use, e.g. "http://127.0.0.1:51234"."""
        if self._httpd is None:
            raise RuntimeError("the sandbox server is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def requests(self) -> int:
        with self._lock:
            return self._count

    @property
    def complexity_points(self) -> int:
        """Linear complexity points served so far (0 for the other dialects)."""
        return int(getattr(self._app, "complexity_points", 0))

    @property
    def request_log(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._log)

    def _bind(self) -> _HttpServer:
        if self._httpd is None:
            self._httpd = _HttpServer(("127.0.0.1", self.port), self)
            self._app = make_app(self.org, self.dialect, self.url, self.page_cap)
            logger.info("sandbox %s serving on %s", self.dialect, self.url)
        return self._httpd

    def start(self) -> SandboxServer:
        httpd = self._bind()
        self._thread = threading.Thread(target=httpd.serve_forever, name="orgpulse-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Block until stopped or interrupted (the CLI's `sandbox serve`): serves in the calling
        thread, or waits for the serving thread when `start()` ran already."""
        serving = self._thread
        if serving is not None:
            while serving.is_alive():
                serving.join(0.5)
            return
        try:
            self._bind().serve_forever()
        finally:
            self._close()

    def stop(self) -> None:
        if self._httpd is not None and self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._close()

    def _close(self) -> None:
        if self._httpd is not None:
            self._httpd.server_close()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def answer(self, request: Request) -> Response:
        with self._lock:
            self._count += 1
            number = self._count
            self._log.append((request.method, request.path))
            fault = 0
            if self.fault_rate > 0 and self._faults.random() < self.fault_rate:
                fault = self._faults.choice((500, 503))
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        request_id = (("X-AREQUESTID", f"sandbox-{number}"),)
        if self.rate_limit_every and number % self.rate_limit_every == 0:
            dialect_refusal = getattr(self._app, "rate_limited", None)
            if dialect_refusal is not None:  # a dialect with its own shape (Linear's RATELIMITED)
                own: Response = dialect_refusal(request)
                return Response(own.status, own.body, own.content_type, own.headers + request_id)
            reset = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%MZ")
            limited = error(429, "Rate limit exceeded.")
            headers = (
                ("Retry-After", "1"),
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", reset),
                ("X-RateLimit-NearLimit", "true"),
                ("RateLimit-Reason", "jira-burst-based"),
            )
            if self.dialect == "jira_dc":
                return Response(429, limited.body, limited.content_type, DC_RATE_LIMIT_HEADERS + request_id)
            return Response(429, limited.body, limited.content_type, headers + request_id)
        if fault:
            failed = error(fault, "Internal server error" if fault == 500 else "Service Unavailable")
            extra = (("Retry-After", "1"),) if fault == 503 else ()
            return Response(fault, failed.body, failed.content_type, extra + request_id)
        app = self._app
        if app is None:
            return error(503, "Service Unavailable")
        refusal = app.authenticate(request)
        if refusal is not None:
            return Response(refusal.status, refusal.body, refusal.content_type, refusal.headers + request_id)
        try:
            answer = app.handle(request)
        except Exception:  # a bug in the double must answer 500, not hang the client
            logger.exception("sandbox failed on %s %s", request.method, request.path)
            return error(500, "Internal server error")
        return Response(answer.status, answer.body, answer.content_type, answer.headers + request_id)
