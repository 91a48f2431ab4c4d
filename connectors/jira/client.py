"""Transport to Jira: the `jira` library for the session, auth and server info; one retry policy.

Every call goes through `JiraClient.call`, which counts each HTTP attempt, maps failures onto
the orgpulse error tree through the kit's classification (`kit/http.py`) and retries with tenacity:

    401 / 403                  -> AuthError (never retried)
    429                        -> RateLimitedError, waits at least Retry-After / X-RateLimit-Reset
    5xx                        -> ServerBusyError, exponential backoff with jitter, Retry-After honoured
    timeout, connection        -> TransientError, exponential backoff with jitter
    other 4xx                  -> HTTPStatusError (a ProtocolError carrying the status)
    not JSON                   -> ProtocolError

Two pitfalls of `jira` 3.10.5 (DESIGN.md): `str(JIRAError)` contains the request headers,
Authorization among them, so a JIRAError is never formatted nor chained (`from None`) — messages
carry the status and the path only; and its own retry caps Retry-After at 60 s, so it is built
with `max_retries=0` and the policy here is the only one.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from requests import Session
from requests.exceptions import RequestException, Timeout
from tenacity import Retrying
from urllib3.exceptions import HTTPError, ReadTimeoutError
from urllib3.response import HTTPResponse

from jira import JIRA
from orgpulse.config import SourceSettings
from orgpulse.errors import AuthError, ProtocolError, RateLimitedError, SourceError, TransientError
from orgpulse.redact import Redactor, redact_url
from orgpulse.retry import retry_policy

from ..kit.http import (
    HTTPStatusError,
    Outcome,
    ServerBusyError,
    auth_refusal,
    classify_status,
    retry_after_seconds,
)
from ..kit.transport import MEGABYTE, READ_PIECE, Answer, RequestDeadline, ResponseTooLargeError, read_body

LOG = logging.getLogger(__name__)

API = "/rest/api/3/"

Decode = Callable[[bytes], Any]


def _decoded_chunks(raw: Any) -> Iterator[bytes]:
    """The body as it arrives, decompressed a bounded piece at a time (urllib3's `read1`)."""
    bounded = isinstance(raw, HTTPResponse)  # else a stand-in (a cassette's), whose body is plain
    while True:
        chunk = raw.read1(READ_PIECE, decode_content=True) if bounded else raw.read(READ_PIECE)
        if not chunk:
            return
        yield chunk


def jira_error_messages(response: Any, limit: int = 300) -> str:
    """Jira's own explanation of a refusal (`errorMessages`, `errors`): body text, never headers."""
    try:
        doc = response.json()
    except (AttributeError, ValueError, TypeError):
        return ""
    if not isinstance(doc, Mapping):
        return ""
    messages = doc.get("errorMessages")
    found = [str(m) for m in messages] if isinstance(messages, list) else []
    errors = doc.get("errors")
    if isinstance(errors, Mapping):
        found += [f"{k}: {v}" for k, v in errors.items()]
    text = "; ".join(found)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class JiraClient:
    """A Jira Cloud session that counts its requests; constructing it does no I/O.

    Subclasses for other deployments (`client_dc.JiraDataCenterClient`) change the class
    attributes below and `connect`'s deployment check.
    """

    api = API  # the REST prefix every call path is joined to
    rest_api_version = "3"
    credential_hint = "the e-mail and API token variables"

    def __init__(
        self,
        settings: SourceSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jira_factory: Callable[..., Any] = JIRA,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._factory = jira_factory
        self._jitter = jitter
        self._jira: Any = None
        self._requests = 0

    @property
    def requests(self) -> int:
        """HTTP attempts so far: the library's serverInfo, retries and refused ones included."""
        return self._requests

    @property
    def source(self) -> str:
        return self._settings.name

    @property
    def version(self) -> tuple[int, ...]:
        """The server's version numbers, from serverInfo (empty before connecting)."""
        found = getattr(self._jira, "_version", ()) if self._jira is not None else ()
        return tuple(int(v) for v in found if isinstance(v, int))

    @property
    def deployment_type(self) -> str | None:
        return getattr(self._jira, "deploymentType", None) if self._jira is not None else None

    def connect(self) -> None:
        """Open the session (the library asks serverInfo) and check this is Jira Cloud."""
        if self._jira is not None:
            return
        self._jira = self._retrying()(self._construct)
        if self.deployment_type != "Cloud":
            found = self.deployment_type or "unknown"
            self.close()
            raise ProtocolError(
                f"{redact_url(self._settings.url)} is not Jira Cloud (serverInfo deploymentType: {found}); "
                'for Jira Data Center or Server use kind = "jira_dc"',
                source=self._settings.name,
            )

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any], *, decode: Decode | None = None) -> Any:
        return self.call("POST", path, body=body, decode=decode)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        decode: Decode | None = None,
    ) -> Any:
        """One REST call under the retry policy; the parsed JSON answer (by `decode` when given: a
        page's own decoder, which raises ValueError on a body that is not JSON)."""
        self.connect()
        return self._retrying()(self._attempt, method, path, params, body, decode)

    def close(self) -> None:
        if self._jira is not None:
            try:
                self._jira.close()
            finally:
                self._jira = None

    def _construct(self) -> Any:
        settings = self._settings
        auth: dict[str, Any]
        if settings.auth == "basic" and settings.user is not None:
            auth = {"basic_auth": (settings.user.reveal(), settings.token.reveal())}
        else:
            auth = {"token_auth": settings.token.reveal()}
        # The library's own serverInfo call logs a body that is not JSON at ERROR, whatever it
        # holds (a login page, 50 MB, an echoed Authorization header): serverInfo is read here,
        # through the same guarded path as every other call.
        jira = self._factory(
            server=settings.url,
            options={"rest_api_version": self.rest_api_version, "check_update": False},
            max_retries=0,
            get_server_info=False,
            timeout=settings.timeout_seconds,
            **auth,
        )
        not_jira = ProtocolError(
            f"{redact_url(settings.url)} did not answer serverInfo as Jira does (is the URL a Jira site?)",
            source=settings.name,
        )
        try:
            info = self._send(jira, "GET", "serverInfo", None, None)
        except ProtocolError as exc:
            if isinstance(exc, HTTPStatusError | ResponseTooLargeError):
                raise
            raise not_jira from None
        numbers = info.get("versionNumbers") if isinstance(info, Mapping) else None
        if not isinstance(numbers, list):
            raise not_jira
        jira._version = tuple(n for n in numbers if isinstance(n, int))
        jira.deploymentType = info.get("deploymentType")
        return jira

    def _attempt(self, *call: Any) -> Any:
        """One attempt of `call` (`_send`'s arguments after the session) under the retry policy, on
        the open session: what the retry loop repeats, and where the crash tests kill a sync."""
        return self._send(self._jira, *call)

    def _send(
        self,
        jira: Any,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        decode: Decode | None = None,
    ) -> Any:
        """One HTTP attempt, its body read under the size cap and the overall deadline (kit.transport).

        `requests.Session.request` is called on the library's session (its auth and headers) but
        not through the library's wrapper, which reads whole error bodies and retries on its own.
        """
        url = jira.server_url + self.api + path
        where = self.api + path
        what = f"{method} {where} on {urlsplit(self._settings.url).hostname or 'the server'}"
        self._requests += 1
        deadline = RequestDeadline(self._settings.deadline_seconds)
        try:
            response = Session.request(
                jira._session,
                method,
                url,
                params=dict(params) if params else None,
                data=json.dumps(body) if body else None,
                timeout=self._settings.timeout_seconds,
                stream=True,
            )
            try:
                answer = Answer(
                    response.status_code,
                    response.headers,
                    read_body(
                        _decoded_chunks(response.raw),
                        max_bytes=int(self._settings.max_response_mb * MEGABYTE),
                        deadline=deadline,
                        what=what,
                        source=self._settings.name,
                    ),
                )
            finally:
                response.close()
        except (RequestException, HTTPError) as exc:
            raise self._network_error(exc, method, where) from None
        if answer.status_code >= 400:
            raise self._http_error(answer.status_code, answer, method, where)
        try:
            return answer.json() if decode is None else decode(answer.body)
        except ValueError:
            raise ProtocolError(
                f"HTTP {answer.status_code} on {method} {where}: the answer is not JSON "
                f"({answer.content_type})",
                source=self._settings.name,
            ) from None

    def _http_error(self, status: int, response: Any, method: str, where: str) -> SourceError:
        name = self._settings.name
        headers: Mapping[str, str] = getattr(response, "headers", None) or {}
        prefix = f"HTTP {status} on {method} {where}"
        outcome = classify_status(status)
        if outcome is Outcome.AUTH:
            return AuthError(
                f"{prefix}: {auth_refusal(status)} (check {self.credential_hint} and the account's access)",
                source=name,
            )
        if outcome is Outcome.RATE_LIMITED:
            wait = retry_after_seconds(headers, self._clock())
            return RateLimitedError(
                f"{prefix}: rate limited (asked to wait {wait:.0f} s)", retry_after=wait, source=name
            )
        if outcome is Outcome.BUSY:
            wait = retry_after_seconds(headers, self._clock())
            return ServerBusyError(f"{prefix}: server error", retry_after=wait, source=name)
        what = "this API was removed from Jira Cloud" if status == 410 else "request refused"
        reason = self._scrub(jira_error_messages(response))
        return HTTPStatusError(
            f"{prefix}: {what}" + (f" ({reason})" if reason else ""), status=status, source=name
        )

    def _network_error(self, exc: Exception, method: str, where: str) -> SourceError:
        host = urlsplit(self._settings.url).hostname or "the server"
        timed_out = isinstance(exc, Timeout | ReadTimeoutError)
        what = "timed out" if timed_out else f"failed ({type(exc).__name__})"
        return TransientError(f"{method} {where} on {host} {what}", source=self._settings.name)

    def _scrub(self, text: str) -> str:
        """The server's text without the credentials it may echo (an Authorization header quoted back)."""
        settings = self._settings
        users = [settings.user.reveal()] if settings.user is not None else []
        return Redactor([settings.token.reveal()], users)(text)

    def _retrying(self) -> Retrying:
        return retry_policy(self._settings, sleep=self._sleep, jitter=self._jitter)
