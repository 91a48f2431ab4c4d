"""Transport to Linear's GraphQL endpoint over httpx, with one retry policy and a budget watch.

Every request goes through `LinearClient.query`, which counts each HTTP attempt, classifies the
answer (LINEAR-NOTES §3.3: the GraphQL `errors` first, then the HTTP status, whose classes are the
kit's, `kit/http.py`) and retries with tenacity:

    401 / 403, AUTHENTICATION_ERROR, FORBIDDEN   -> AuthError (never retried)
    429, RATELIMITED (Linear sends it as 400)    -> RateLimitedError, waits for the bucket's refill
    5xx, timeout, connection                     -> ServerBusyError / TransientError, backoff + jitter
    "Query too complex"                          -> QueryTooComplexError (the caller shrinks `first`)
    any other `errors`, even inside an HTTP 200  -> ProtocolError naming them (never swallowed)
    not JSON, no `data`                          -> ProtocolError

Authorization (§3.1): a personal API key (`lin_api_...`) goes raw, anything else is an OAuth access
token sent as `Bearer <token>` (Linear refuses an API key with the Bearer prefix). The token never
appears in a message: every text built from an answer is scrubbed of it.

Each answer's rate-limit headers are read (`budget.Budget`); when the requests or complexity points
left would not cover the next query, the client waits for the leaky bucket to refill before sending.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from tenacity import Retrying

from orgpulse.config import SourceSettings
from orgpulse.errors import AuthError, ProtocolError, RateLimitedError, SourceError, TransientError
from orgpulse.retry import retry_policy

from ..kit.http import Outcome, ServerBusyError, auth_refusal, classify_status, retry_after_seconds
from ..kit.transport import MEGABYTE, Answer, RequestDeadline, ServerClock, inflate, read_body
from .budget import Budget
from .complexity import estimate_complexity

LOG = logging.getLogger(__name__)

API_KEY_PREFIX = "lin_api_"
AUTH_CODES = frozenset({"AUTHENTICATION_ERROR", "FORBIDDEN"})
_TOO_COMPLEX = re.compile(
    r"complexity:\s*(\d+(?:\.\d+)?).*?maximum allowed complexity:\s*(\d+(?:\.\d+)?)", re.I | re.S
)
_OPERATION = re.compile(r"\b(?:query|mutation)\s+([_A-Za-z]\w*)")


class QueryTooComplexError(ProtocolError):
    """Linear refused the query's complexity; `complexity` and `maximum` are its figures."""

    def __init__(self, message: str, *, complexity: float, maximum: float, source: str = "") -> None:
        self.complexity = complexity
        self.maximum = maximum
        super().__init__(message, source=source)


class LinearClient:
    """One Linear endpoint and credential; counts its requests. Constructing it does no I/O."""

    def __init__(
        self,
        settings: SourceSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._requests = 0
        self._points = 0
        self._estimated = 0
        self._budget = Budget()
        self._asking = 0  # the complexity points of the request in flight
        self._refused_in_row = 0  # RATELIMITED answers since the last accepted request
        self.clock = ServerClock()  # Linear's own time, for watermarks
        self._http = httpx.Client(
            transport=transport,
            timeout=settings.timeout_seconds,
            headers={"Content-Type": "application/json", "User-Agent": "orgpulse"},
        )

    @property
    def requests(self) -> int:
        """HTTP attempts so far, retries and refused ones included."""
        return self._requests

    @property
    def points(self) -> int:
        """Complexity points spent so far, as the X-Complexity headers report them."""
        return self._points

    @property
    def estimated_points(self) -> int:
        """Complexity points the formula priced every attempt at (the X-Complexity sum may differ)."""
        return self._estimated

    @property
    def budget(self) -> Budget:
        """The rate-limit headers of the last answer."""
        return self._budget

    @property
    def source(self) -> str:
        return self._settings.name

    def query(self, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run one GraphQL operation under the retry policy; its `data` object."""
        variables = dict(variables or {})
        points = estimate_complexity(document, variables)
        body = json.dumps({"query": document, "variables": variables}).encode()
        name = _operation_name(document)
        result: dict[str, Any] = self._retrying()(self._attempt, name, body, points)
        return result

    def close(self) -> None:
        self._http.close()

    def _authorization(self) -> str:
        token = self._settings.token.reveal().strip()
        return token if token.startswith(API_KEY_PREFIX) else f"Bearer {token}"

    def _attempt(self, name: str, body: bytes, points: int) -> dict[str, Any]:
        pause = self._budget.wait_before(points, self._clock())
        if pause > 0:
            pause = min(pause, self._settings.max_retry_wait_seconds)
            LOG.info("%s: %s would exceed the rate limit; waiting %.0f s", self.source, name, pause)
            self._sleep(pause)
        self._requests += 1
        self._estimated += points
        self._asking = points
        deadline = RequestDeadline(self._settings.deadline_seconds)
        try:
            with self._http.stream(
                "POST",
                self._settings.url,
                content=body,
                headers={"Authorization": self._authorization(), "Accept-Encoding": "gzip, deflate"},
            ) as streamed:
                what = f"{name} on {self._host()}"
                raw = (
                    iter([streamed.content])  # an answer built whole (a mock transport's), already decoded
                    if streamed.is_stream_consumed
                    else inflate(
                        streamed.iter_raw(),
                        streamed.headers.get("Content-Encoding"),
                        what=what,
                        source=self.source,
                    )
                )
                response = Answer(
                    streamed.status_code,
                    streamed.headers,
                    read_body(
                        raw,
                        max_bytes=int(self._settings.max_response_mb * MEGABYTE),
                        deadline=deadline,
                        what=what,
                        source=self.source,
                    ),
                )
        except httpx.TimeoutException:
            raise TransientError(f"{name} on {self._host()} timed out", source=self.source) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise TransientError(
                f"{name} on {self._host()} failed ({type(exc).__name__})", source=self.source
            ) from None
        self.clock.observe(response.headers)
        self._budget = Budget.of(response.headers)
        if self._budget.complexity is not None:
            self._points += self._budget.complexity
        LOG.debug(
            "%s: %s cost %s points (estimated %d); left: %s requests, %s points",
            self.source, name, self._budget.complexity, points,
            self._budget.requests_remaining, self._budget.complexity_remaining,
        )  # fmt: skip
        try:
            data = self._classify(name, response)
        except RateLimitedError:
            self._budget = Budget()  # the retry waits for the refill: no second wait on stale headers
            raise
        self._refused_in_row = 0
        return data

    def _classify(self, name: str, response: Answer) -> dict[str, Any]:
        status = response.status_code
        outcome = classify_status(status)
        prefix = f"HTTP {status} on {name}"
        if outcome is Outcome.AUTH:
            what = auth_refusal(status)
            reason = self._scrub(_first_message(_json_or_none(response)))
            raise AuthError(
                f"{prefix}: {what} ({reason or 'no reason given'}); check the API key or OAuth token "
                "variable and the account's access",
                source=self.source,
            )
        if outcome is Outcome.BUSY:
            wait = self._asked_wait(response)
            raise ServerBusyError(f"{prefix}: server error", retry_after=wait, source=self.source)
        doc = _json_or_none(response)
        if doc is None:
            kind = response.headers.get("Content-Type", "no content type")
            if outcome is Outcome.RATE_LIMITED:
                raise self._rate_limited(prefix, response)
            raise ProtocolError(f"{prefix}: the answer is not JSON ({kind})", source=self.source)
        errors = doc.get("errors")
        if isinstance(errors, list) and errors:
            raise self._graphql_error(prefix, errors, response)
        if outcome is Outcome.RATE_LIMITED:
            raise self._rate_limited(prefix, response)
        data = doc.get("data")
        if status != 200 or not isinstance(data, dict):
            raise ProtocolError(f"{prefix}: the answer has no data", source=self.source)
        return data

    def _graphql_error(self, prefix: str, errors: list[Any], response: Answer) -> SourceError:
        first = errors[0] if isinstance(errors[0], Mapping) else {}
        extensions = first.get("extensions")
        extensions = extensions if isinstance(extensions, Mapping) else {}
        code = str(extensions.get("code") or "")
        codes = {_code(e) for e in errors}
        message = self._scrub(_first_message({"errors": errors}))
        if "RATELIMITED" in codes or response.status_code == 429:
            return self._rate_limited(prefix, response, message)
        if codes & AUTH_CODES:
            auth_code = sorted(codes & AUTH_CODES)[0]
            return AuthError(f"{prefix}: {auth_code}: {message}", source=self.source)
        if "bearer prefix" in message.lower():
            return AuthError(
                f"{prefix}: {message} (the token was sent as an OAuth token: Linear API keys start "
                f"with {API_KEY_PREFIX})",
                source=self.source,
            )
        detail = self._scrub(str(extensions.get("userPresentableMessage") or ""))
        found = _TOO_COMPLEX.search(detail) or _TOO_COMPLEX.search(message)
        if found:
            return QueryTooComplexError(
                f"{prefix}: query too complex ({found.group(1)} points, at most {found.group(2)})",
                complexity=float(found.group(1)),
                maximum=float(found.group(2)),
                source=self.source,
            )
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        return ProtocolError(
            f"{prefix}: GraphQL error {code or 'without a code'}: {message}{more}", source=self.source
        )

    def _rate_limited(self, prefix: str, response: Answer, message: str = "") -> RateLimitedError:
        # Retry-After when sent (undocumented), else the refill time of what the request needs,
        # doubled at each refusal in a row (a bucket shared with other clients refills slower).
        self._refused_in_row += 1
        asked = self._asked_wait(response)
        budget = Budget.of(response.headers)
        wait = asked or budget.refill_wait(self._asking, self._clock()) * 2.0 ** (self._refused_in_row - 1)
        resets = [r - self._clock() for r in (budget.requests_reset, budget.complexity_reset) if r]
        if not asked and resets:
            wait = min(wait, max(0.0, *resets))
        return RateLimitedError(
            f"{prefix}: rate limited, waiting {wait:.0f} s" + (f" ({message})" if message else ""),
            retry_after=wait,
            source=self.source,
        )

    def _asked_wait(self, response: Answer) -> float:
        """Retry-After (undocumented for Linear, but its SDK reads it); 0 when absent."""
        return retry_after_seconds(response.headers, self._clock(), reset_header=None)

    def _scrub(self, text: str) -> str:
        token = self._settings.token.reveal().strip()
        return text.replace(token, "***") if token else text

    def _host(self) -> str:
        return httpx.URL(self._settings.url).host

    def _retrying(self) -> Retrying:
        return retry_policy(self._settings, sleep=self._sleep, jitter=self._jitter)


def _operation_name(document: str) -> str:
    found = _OPERATION.search(document)
    return found.group(1) if found else "query"


def _json_or_none(response: Answer) -> dict[str, Any] | None:
    try:
        doc = response.json()
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _code(error: object) -> str:
    extensions = error.get("extensions") if isinstance(error, Mapping) else None
    return str(extensions.get("code") or "") if isinstance(extensions, Mapping) else ""


def _first_message(doc: Mapping[str, Any] | None, limit: int = 300) -> str:
    errors = doc.get("errors") if doc else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], Mapping):
        return ""
    text = str(errors[0].get("message") or "")
    return text if len(text) <= limit else text[: limit - 3] + "..."
