"""The error tree of orgpulse.

    OrgpulseError                     root: every error orgpulse raises on purpose
    ├── ConfigError                   bad or missing configuration (exit 2, before any source runs)
    ├── SourceError                   a source failed; carries the source name
    │   ├── AuthError                 credentials refused (401) or permission denied (403): never retried
    │   ├── TransientError            rate limited, 5xx, connection trouble: retried with backoff
    │   │   └── RateLimitedError      HTTP 429 / Linear RATELIMITED, with the server's wait
    │   ├── ProtocolError             the server answered something the API does not promise
    │   ├── IncompleteSyncError       stored counts differ from what was fetched
    │   └── MissingScopeError         configured projects / teams not found or not visible: the others synced
    ├── SchemaDriftError              one record does not match the API's shape: quarantined, the run goes on
    ├── StoreError                    the store cannot be reached, migrated or written
    │   ├── LockHeldError             another run holds the lock; names its holder
    │   └── LockLostError             the lock was lost while running (its connection ended)
    └── AnalysisError                 the analysis cannot run on the stored data

The runner owns the policy (retry, quarantine, abort one source and let the others finish); the
CLI maps these classes to exit codes and prints one sentence.
"""

from __future__ import annotations


class OrgpulseError(Exception):
    """Root of every error orgpulse raises on purpose."""


class ConfigError(OrgpulseError):
    """The configuration is invalid; every problem is listed, each with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class SourceError(OrgpulseError):
    """A source could not be synced."""

    def __init__(self, message: str, *, source: str = "") -> None:
        self.source = source
        super().__init__(message)


class AuthError(SourceError):
    """The source refused the credentials or the permission (HTTP 401 / 403)."""


class TransientError(SourceError):
    """A failure worth retrying: 5xx, connection reset, timeout."""


class RateLimitedError(TransientError):
    """The server asked us to wait (HTTP 429 or Linear RATELIMITED)."""

    def __init__(self, message: str, *, retry_after: float, source: str = "") -> None:
        self.retry_after = retry_after
        super().__init__(message, source=source)


class ProtocolError(SourceError):
    """The server answered with something its API does not promise (not JSON, wrong shape)."""


class IncompleteSyncError(SourceError):
    """After a sync the store does not hold what was fetched."""


class MissingScopeError(SourceError):
    """Some configured projects (Jira) or teams (Linear) do not exist or are not visible; the source's
    other projects or teams were synced (the run exits 4: part succeeded, part failed)."""

    def __init__(self, kind: str, missing: tuple[str, ...], *, source: str = "") -> None:
        self.missing = missing
        names = ", ".join(missing)
        super().__init__(
            f"{kind}{'s' if len(missing) > 1 else ''} {names} not found or not visible to the account; "
            "the others were synced",
            source=source,
        )


class SchemaDriftError(OrgpulseError):
    """One record does not have the shape the normaliser expects; it is quarantined."""

    def __init__(self, message: str, *, native_id: str = "") -> None:
        self.native_id = native_id
        super().__init__(message)


class StoreError(OrgpulseError):
    """The store cannot be reached, migrated or written."""


class LockHeldError(StoreError):
    """Another run holds the lock this run needs."""


class LockLostError(StoreError):
    """The lock this run held was lost (its connection ended, its lease was taken over)."""


class AnalysisError(OrgpulseError):
    """The analysis cannot run on the stored data."""
