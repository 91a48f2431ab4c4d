"""One incremental state for every connector: watermark, checkpoint, metadata age, census age. Pure.

A connector's cursor is the JSON a sync commits with each page (DESIGN.md, Cursors):

    {"version": 1,
     "<watermark key>": ...,      # where the next incremental run starts (its form is the connector's)
     "metadata": {...} | null,    # the site's cached metadata, with its `fetched_at`
     "checkpoint": {...} | null,  # where an unfinished run resumes (the connector's own fields)
     "census_at": ISO-8601 | null}   # when every id was last listed (connectors that take a census)

`CursorFormat` names, per connector, the watermark's key and form, how its metadata reads, and
whether it keeps a census time; `load` reads a committed cursor defensively (what cannot be read
is left out, a cursor of another version is ignored) and `dump` writes it with the same field
names, so cursors stored by earlier versions keep loading.

The watermark moves only when a run ends, through pure functions (as dlt's incremental does):
`next_watermark` never moves it back on an incremental run, and `lagged_ms` / `lagged` take the
overlap window off the basis each tracker allows (the largest `updated` committed for Jira, the
run's start for Linear). `resumable` is the shared first step of reading a checkpoint: it must be
an object written for the same scope (projects, teams), else the run starts again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

LOG = logging.getLogger(__name__)

CURSOR_VERSION = 1

W = TypeVar("W", int, datetime)  # a watermark: epoch milliseconds or an aware UTC datetime


class CachedMetadata(Protocol):
    """What a connector caches about its site: written as JSON, aged by `fetched_at`."""

    @property
    def fetched_at(self) -> datetime: ...

    def to_json(self) -> dict[str, Any]: ...


M = TypeVar("M", bound=CachedMetadata)


@dataclass(frozen=True)
class State(Generic[W, M]):
    """A committed cursor as read: each part None when absent or unreadable."""

    watermark: W | None = None
    metadata: M | None = None
    checkpoint: object = None  # read by the connector's run (`resume`), which knows its fields
    census_at: datetime | None = None

    def census_due(self, now: datetime, period_days: float) -> bool:
        return self.census_at is None or now - self.census_at >= timedelta(days=period_days)


@dataclass(frozen=True)
class CursorFormat(Generic[W, M]):
    """One connector's cursor: the watermark's key and form, its metadata, whether it has a census."""

    watermark_key: str
    read_watermark: Callable[[object], W | None]
    write_watermark: Callable[[W], object]
    read_metadata: Callable[[object], M | None]
    census: bool = True

    def load(self, cursor: Mapping[str, Any] | None) -> State[W, M]:
        if not cursor:
            return State()
        if not isinstance(cursor, Mapping) or cursor.get("version") not in (None, CURSOR_VERSION):
            LOG.warning("the cursor is unreadable (not version %d); the sync starts from the beginning",
                        CURSOR_VERSION)  # fmt: skip
            return State()
        raw = cursor.get(self.watermark_key)
        return State(
            watermark=self.read_watermark(raw) if raw is not None else None,
            metadata=self.read_metadata(cursor.get("metadata")),
            checkpoint=cursor.get("checkpoint"),
            census_at=moment(cursor.get("census_at")) if self.census else None,
        )

    def dump(
        self,
        watermark: W | None,
        metadata: M,
        checkpoint: Mapping[str, Any] | None,
        census_at: datetime | None = None,
    ) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "version": CURSOR_VERSION,
            self.watermark_key: self.write_watermark(watermark) if watermark is not None else None,
            "metadata": metadata.to_json(),
            "checkpoint": dict(checkpoint) if checkpoint is not None else None,
        }
        if self.census:
            doc["census_at"] = census_at.isoformat() if census_at else None
        return doc


def next_watermark(old: W | None, candidate: W | None, *, full: bool) -> W | None:
    """The watermark after a run: the candidate on a full run, never back on an incremental one.

    No candidate (a run that read nothing dated) leaves the watermark where it was.
    """
    if candidate is None:
        return old
    return candidate if full or old is None else max(old, candidate)


def lagged_ms(largest_ms: int | None, overlap_minutes: float) -> int | None:
    """A watermark candidate in epoch milliseconds: the largest time committed minus the overlap."""
    return None if largest_ms is None else int(largest_ms - overlap_minutes * 60_000)


def lagged(basis: datetime, overlap_minutes: float) -> datetime:
    """A watermark candidate as a datetime: the basis (a run's start) minus the overlap."""
    return basis - timedelta(minutes=overlap_minutes)


def within_ttl(fetched_at: datetime, now: datetime, ttl_hours: float) -> bool:
    """Whether metadata fetched at `fetched_at` is still within its time to live at `now`."""
    return now - fetched_at < timedelta(hours=ttl_hours)


def resumable(doc: object, scope_key: str, scope: Sequence[str]) -> Mapping[str, Any] | None:
    """A checkpoint written for this scope (projects, teams), else None: the run starts again."""
    if not isinstance(doc, Mapping):
        return None
    if list(doc.get(scope_key) or ()) != list(scope):
        LOG.info("the %s changed since the checkpoint; the run starts again", scope_key)
        return None
    return doc


def as_int(value: object) -> int | None:
    """An integer read from JSON (a boolean is not one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def moment(value: object) -> datetime | None:
    """An ISO-8601 time read from JSON as an aware UTC datetime (naive: taken as UTC); else None."""
    try:
        found = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return found.replace(tzinfo=UTC) if found is not None and found.tzinfo is None else found
