"""What every connector offers the sync runner: pages of canonical records, each with its cursor.

A connector is the only code that touches the network. It yields `Page`s; the runner commits each
page's batch and cursor in one transaction, so a crash resumes from the last committed page and
the cursor never moves past rows that were not committed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from orgpulse.model import Batch, Status


@dataclass(frozen=True)
class Page:
    """One unit of work: its records and the cursor to commit with them."""

    batch: Batch
    cursor: Mapping[str, Any]
    # A human-readable note on progress (issues seen so far), for the progress bar.
    seen: int = 0
    # Issue ids whose stored rows must equal what this page fetched (count check after commit).
    check_ids: tuple[str, ...] = field(default_factory=tuple)


class Connector(Protocol):
    """Fetches one source. `requests` counts every HTTP attempt made so far (retries included)."""

    @property
    def requests(self) -> int: ...

    def fetch(self, cursor: Mapping[str, Any], *, full: bool, now: datetime) -> Iterator[Page]:
        """Yield pages from `cursor` (empty: from the beginning); `full` ignores the watermark."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SourceCheck:
    """What `orgpulse doctor` learns from one source: who we are there, and what orgpulse will read."""

    server: str  # e.g. "Jira Cloud 1001.0.0"
    account: str  # how the credentials were accepted (never the credential itself)
    projects: tuple[str, ...]  # the projects (Linear: teams) that will be synced
    missing_projects: tuple[str, ...]  # configured but not visible to the account
    fields: Mapping[str, str | None]  # custom field -> id found by schema, or None
    statuses: tuple[Status, ...]
    blocking_link_types: tuple[str, ...]  # names of the link types judged "blocks"
    requests: int


class Checkable(Protocol):
    def check(self, *, now: datetime) -> SourceCheck: ...
