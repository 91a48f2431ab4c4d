"""A hostile server for the tests: a loopback proxy in front of the sandbox that answers as an attacker would.

Each attack is a function that sees one exchange (the request, the sandbox's answer) and returns
what the client gets: a rewritten answer, or a `Stream` that trickles or floods the body.
"""

from __future__ import annotations

import gzip
import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Exchange:
    method: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def request_json(self) -> Any:
        return json.loads(self.request_body or b"null")

    def answer_json(self) -> Any:
        return json.loads(self.body or b"null")

    def set_json(self, doc: Any, status: int | None = None) -> None:
        self.body = json.dumps(doc).encode()
        self.headers["Content-Type"] = "application/json"
        if status is not None:
            self.status = status


@dataclass
class Stream:
    """Send `status` and `headers`, then `chunks` with `pause` seconds between them."""

    status: int
    headers: dict[str, str]
    chunks: Iterator[bytes]
    pause: float = 0.0


Attack = Callable[[Exchange], "Exchange | Stream | None"]
RequestRewrite = Callable[[Exchange], None]


class HostileProxy:
    """Forwards to `upstream`; `rewrite_request` may alter the request, `attack` the answer."""

    def __init__(
        self, upstream: str, attack: Attack | None = None, rewrite_request: RequestRewrite | None = None
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.attack = attack
        self.rewrite_request = rewrite_request
        self.exchanges: list[Exchange] = []
        self.date_shift_seconds = 0.0  # the proxy's Date header runs this far from the host clock
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._handle(self)

            def do_POST(self) -> None:
                proxy._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def date_time_string(self, timestamp: float | None = None) -> str:
                moment = time.time() if timestamp is None else timestamp
                return formatdate(moment + proxy.date_shift_seconds, usegmt=True)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.upstream.path.rstrip('/')}"

    def __enter__(self) -> HostileProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        exchange = Exchange(
            handler.command,
            handler.path,
            {k: v for k, v in handler.headers.items()},
            handler.rfile.read(length) if length else b"",
        )
        if self.rewrite_request is not None:
            self.rewrite_request(exchange)
        conn = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=30
        )
        headers = {
            k: v for k, v in exchange.request_headers.items() if k.lower() not in ("host", "content-length")
        }
        headers["Accept-Encoding"] = "identity"
        conn.request(exchange.method, exchange.path, body=exchange.request_body or None, headers=headers)
        answer = conn.getresponse()
        exchange.status = answer.status
        exchange.headers = {
            k: v
            for k, v in answer.getheaders()
            if k.lower() not in ("content-length", "transfer-encoding", "connection")
        }
        exchange.body = answer.read()
        conn.close()
        self.exchanges.append(exchange)
        result = self.attack(exchange) if self.attack is not None else None
        try:
            if isinstance(result, Stream):
                self._stream(handler, result)
            else:
                final = result or exchange
                handler.send_response(final.status)
                for k, v in final.headers.items():
                    if k.lower() not in ("date", "server"):
                        handler.send_header(k, v)
                handler.send_header("Content-Length", str(len(final.body)))
                handler.end_headers()
                handler.wfile.write(final.body)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _stream(self, handler: BaseHTTPRequestHandler, stream: Stream) -> None:
        handler.send_response(stream.status)
        for k, v in stream.headers.items():
            handler.send_header(k, v)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        for chunk in stream.chunks:
            handler.wfile.write(chunk)
            handler.wfile.flush()
            if stream.pause:
                time.sleep(stream.pause)


def trickle(exchange: Exchange, pause: float = 0.5) -> Stream:
    """Headers at once, then the body one byte at a time: every socket read succeeds."""
    return Stream(200, {"Content-Type": "application/json"}, (bytes([b]) for b in exchange.body * 100), pause)


def gzip_bomb(megabytes: int = 200) -> bytes:
    """A small gzip body that expands to `megabytes` MB of spaces (valid JSON whitespace)."""
    return gzip.compress(b" " * (megabytes * 1024 * 1024), compresslevel=9)
