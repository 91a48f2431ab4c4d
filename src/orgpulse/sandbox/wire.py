"""The sandbox's HTTP vocabulary: a parsed request, a response, and Jira-style error bodies.

Dialect apps (`jira/cloud.py`, ...) map a `Request` to a `Response` with no socket in sight, so
they can be tested without a server; `server.py` does the HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

JSON_TYPE = "application/json;charset=UTF-8"


class BadRequest(ValueError):
    """The request cannot be understood; answered with 400 and the message."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def params(self, name: str) -> list[str]:
        """All values of a repeatable, comma-separated parameter (`fields=a,b&fields=c`)."""
        return [
            part.strip() for value in self.query.get(name, []) for part in value.split(",") if part.strip()
        ]

    def json(self) -> object:
        if not self.body:
            raise BadRequest("No content to map due to end-of-input")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"Unexpected character in the request body: {exc}") from exc


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()


def raw_json(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"))


def json_response(value: object, status: int = 200) -> Response:
    return raw_json(json.dumps(value, separators=(",", ":"), ensure_ascii=False), status)


def error(status: int, *messages: str, errors: Mapping[str, str] | None = None) -> Response:
    """Jira's usual error body: {"errorMessages": [...], "errors": {...}}."""
    return json_response({"errorMessages": list(messages), "errors": dict(errors or {})}, status)


class App(Protocol):
    """One service dialect served by `SandboxServer`."""

    def authenticate(self, request: Request) -> Response | None:
        """None when the credentials are good, else the service's refusal."""

    def handle(self, request: Request) -> Response: ...
