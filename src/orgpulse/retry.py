"""The one retry policy every connector's transport runs under (a tenacity `Retrying`).

Retried: TransientError and its RateLimitedError (5xx, timeouts, connection resets, HTTP 429,
Linear's RATELIMITED). A rate-limited answer is waited out for at least what the server asked
(Retry-After, a reset time), with a little jitter on top; other failures back off exponentially
from one second with jitter. Never retried: every other error — a refused credential above all.
A server asking for a longer wait than `max_retry_wait_seconds` is given up at once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from orgpulse.config import SourceSettings
from orgpulse.errors import TransientError

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 1.0


def retry_policy(
    settings: SourceSettings,
    *,
    sleep: Callable[[float], None],
    jitter: Callable[[], float] = random.random,
) -> Retrying:
    """The policy for one source: `settings.max_retries` retries, each wait capped by the settings."""
    cap = settings.max_retry_wait_seconds

    def retryable(exc: BaseException) -> bool:
        return isinstance(exc, TransientError) and asked_wait(exc) <= cap

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = asked_wait(exc) if exc is not None else 0.0
        if asked > 0:
            return min(cap, asked + jitter() * min(1.0, asked * 0.1))
        backoff = BACKOFF_BASE_SECONDS * 2.0 ** (state.attempt_number - 1)
        return min(cap, backoff * (0.5 + 0.5 * jitter()))

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        seconds = float(state.next_action.sleep) if state.next_action else 0.0
        log.warning("%s: %s; retry %d in %.1f s", settings.name, exc, state.attempt_number, seconds)

    return Retrying(
        stop=stop_after_attempt(max(0, settings.max_retries) + 1),
        wait=wait,
        retry=retry_if_exception(retryable),
        sleep=sleep,
        reraise=True,
        before_sleep=before_sleep,
    )


def asked_wait(exc: BaseException) -> float:
    """The wait the server asked for with this error (0 when it asked none)."""
    wait = getattr(exc, "retry_after", 0.0)
    return float(wait) if isinstance(wait, int | float) else 0.0
