"""Linear's rate-limit budget: what an answer's headers leave, and how long a query must wait. Pure.

Linear limits each user by requests and by complexity points, two leaky buckets that refill over
one hour (LINEAR-NOTES §3.2). Every answer reports what is left and when each bucket resets;
`Budget.wait_before` tells the client how long to hold the next query so that it fits, and
`Budget.refill_wait` how long a RATELIMITED request waits before it goes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

RATE_LIMIT_FALLBACK_SECONDS = 60.0  # RATELIMITED without a reset header
BUCKET_PERIOD_SECONDS = 3600.0  # Linear's limits refill over one hour (§3.2)
REQUESTS_RESERVE = 5  # requests kept back for other clients of the same user


@dataclass(frozen=True)
class Budget:
    """The rate-limit headers of one answer (None: not sent). Resets are epoch seconds."""

    requests_limit: int | None = None
    requests_remaining: int | None = None
    requests_reset: float | None = None
    complexity_limit: int | None = None
    complexity_remaining: int | None = None
    complexity_reset: float | None = None
    complexity: int | None = None  # X-Complexity: what this query cost

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> Budget:
        return cls(
            requests_limit=_int(headers.get("X-RateLimit-Requests-Limit")),
            requests_remaining=_int(headers.get("X-RateLimit-Requests-Remaining")),
            requests_reset=_epoch(headers.get("X-RateLimit-Requests-Reset")),
            complexity_limit=_int(headers.get("X-RateLimit-Complexity-Limit")),
            complexity_remaining=_int(headers.get("X-RateLimit-Complexity-Remaining")),
            complexity_reset=_epoch(headers.get("X-RateLimit-Complexity-Reset")),
            complexity=_int(headers.get("X-Complexity")),
        )

    def wait_before(self, points: int, now: float) -> float:
        """Seconds to wait so that one more query of `points` fits both buckets (0: send now)."""
        waits = [0.0]
        for limit, remaining, reset, need in (
            (self.requests_limit, self.requests_remaining, self.requests_reset, 1 + REQUESTS_RESERVE),
            (self.complexity_limit, self.complexity_remaining, self.complexity_reset, points),
        ):
            if remaining is None or remaining >= need:
                continue
            # The bucket refills at limit / period (a leaky bucket); never past its announced reset.
            refill = (need - remaining) * BUCKET_PERIOD_SECONDS / limit if limit else float("inf")
            until_reset = reset - now if reset is not None else float("inf")
            wait = min(refill, until_reset)
            waits.append(wait if wait != float("inf") else RATE_LIMIT_FALLBACK_SECONDS)
        return max(0.0, *waits)

    def refill_wait(self, points: int, now: float) -> float:
        """After a RATELIMITED answer: the time the buckets take to refill what one request needs.

        Linear's buckets leak back at limit / period (LINEAR-NOTES §3.2), so a refused request
        can go again once its own need has dripped back: one request, and its complexity points,
        never later than the bucket's announced reset. A bucket whose limit is not sent is
        waited out until its reset, at most RATE_LIMIT_FALLBACK_SECONDS.
        """
        waits: list[float] = []
        for limit, remaining, reset, need in (
            (self.requests_limit, self.requests_remaining, self.requests_reset, 1),
            (self.complexity_limit, self.complexity_remaining, self.complexity_reset, max(1, points)),
        ):
            until_reset = reset - now if reset is not None else float("inf")
            if remaining is not None and remaining >= need:
                continue
            if limit:
                short = need - (remaining if remaining is not None and remaining > 0 else 0)
                waits.append(min(short * BUCKET_PERIOD_SECONDS / limit, until_reset))
            elif remaining is not None or reset is not None:
                waits.append(min(until_reset, RATE_LIMIT_FALLBACK_SECONDS))
        if not waits:  # refused though the headers show room (another limit): one request's refill
            rate = BUCKET_PERIOD_SECONDS / self.requests_limit if self.requests_limit else None
            return rate if rate is not None else RATE_LIMIT_FALLBACK_SECONDS
        return max(0.0, *waits)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


def _epoch(value: str | None) -> float | None:
    """Linear's reset headers are UTC epoch milliseconds."""
    number = _int(value)
    return number / 1000.0 if number is not None else None
