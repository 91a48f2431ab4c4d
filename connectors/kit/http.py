"""One HTTP classification for every connector's transport: what an answer's status means.

    Outcome          status                         error raised by the client
    auth             401, 403                       AuthError (never retried)
    rate_limited     429                            RateLimitedError, waits at least Retry-After
    busy             5xx                            ServerBusyError (a TransientError), Retry-After honoured
    refused          any other 4xx                  HTTPStatusError (a ProtocolError carrying the status)
    protocol         2xx/3xx the client cannot use  ProtocolError (not JSON, no data, GraphQL errors)

The transports differ in what they read from a body (Jira's `errorMessages`, Linear's GraphQL
`errors`, which Linear sends even inside an HTTP 200 and which win over its status), so each
client builds its own messages; the status classes, the busy and refused errors, and the
Retry-After parsing are the same for all.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from orgpulse.errors import ProtocolError, TransientError


class Outcome(enum.Enum):
    """What an HTTP answer's status says about the request."""

    OK = "ok"
    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    BUSY = "busy"
    REFUSED = "refused"


def classify_status(status: int) -> Outcome:
    """The outcome an HTTP status stands for (the body may still hold a protocol error)."""
    if status in (401, 403):
        return Outcome.AUTH
    if status == 429:
        return Outcome.RATE_LIMITED
    if status >= 500:
        return Outcome.BUSY
    if status >= 400:
        return Outcome.REFUSED
    return Outcome.OK


def auth_refusal(status: int) -> str:
    """The few words an auth failure is named by: a credential refused, or a permission missing."""
    return "credentials refused" if status == 401 else "permission denied"


class ServerBusyError(TransientError):
    """A 5xx, possibly with a Retry-After the policy honours."""

    def __init__(self, message: str, *, retry_after: float = 0.0, source: str = "") -> None:
        self.retry_after = retry_after
        super().__init__(message, source=source)


class HTTPStatusError(ProtocolError):
    """The server refused the request with a 4xx other than 401/403/429 (400 bad request, 404...)."""

    def __init__(self, message: str, *, status: int, source: str = "") -> None:
        self.status = status
        super().__init__(message, source=source)


def retry_after_seconds(
    headers: Mapping[str, str], now: float, *, reset_header: str | None = "X-RateLimit-Reset"
) -> float:
    """The wait an answer asks for: Retry-After (seconds or HTTP date), else the ISO reset header.

    `now` is epoch seconds. Jira sends `X-RateLimit-Reset` as an ISO time; Linear's reset headers
    are per bucket (`Budget`), so its client passes `reset_header=None`.
    """
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = headers.get(reset_header) if reset_header else None
    if reset:
        try:
            moment = datetime.fromisoformat(reset.strip().replace("Z", "+00:00"))
        except ValueError:
            return 0.0
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, moment.timestamp() - now)
    return 0.0
