"""The Jira Cloud connector's cursor: what a sync commits with each page, as JSON. Pure: no I/O.

    {"version": 1,
     "watermark_ms": 1718000000000 | null,   # largest committed `updated` minus the overlap
     "metadata": null | {"fetched_at": ISO-8601,
                         "fields": {"sprint", "flagged", "epic_link", "team"},   # ids or null
                         "link_types": [{"id", "name", "inward", "outward"}],
                         "status_ids": ["1", "3", ...],
                         "projects": ["CORE", "PAY"] | null},   # listed when none are configured
     "checkpoint": null | {"jql", "next_page_token", "max_updated_ms", "seen", "projects"},
     "census_at": ISO-8601 | null}            # when every issue id was last listed (deletions, moves)

The watermark moves only when a run ends: pages come in created order, so the largest `updated`
seen mid-run says nothing about the issues not yet read. The checkpoint lets a run that stopped
resume with the same JQL at the first page not committed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .normalise_meta import FieldIds

LOG = logging.getLogger(__name__)

CURSOR_VERSION = 1


@dataclass(frozen=True)
class Metadata:
    """What a sync needs to know about the site, cached for `metadata_ttl_hours`."""

    fetched_at: datetime
    fields: FieldIds
    link_types: tuple[Mapping[str, str], ...]
    status_ids: frozenset[str]
    projects: tuple[str, ...] | None

    def fresh(self, now: datetime, ttl_hours: float, *, need_projects: bool) -> bool:
        young = now - self.fetched_at < timedelta(hours=ttl_hours)
        return young and (bool(self.projects) or not need_projects)

    def to_json(self) -> dict[str, Any]:
        return {
            "fetched_at": self.fetched_at.isoformat(),
            "fields": self.fields.to_json(),
            "link_types": [dict(t) for t in self.link_types],
            "status_ids": sorted(self.status_ids),
            "projects": list(self.projects) if self.projects is not None else None,
        }

    @classmethod
    def from_json(cls, doc: object) -> Metadata | None:
        if not isinstance(doc, Mapping):
            return None
        try:
            fetched_at = datetime.fromisoformat(str(doc["fetched_at"]))
            projects = doc.get("projects")
            types = doc.get("link_types") or ()
            return cls(
                fetched_at=fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=UTC),
                fields=FieldIds.from_json(doc.get("fields") or {}),
                link_types=tuple(link_type_doc(t) for t in types if isinstance(t, Mapping)),
                status_ids=frozenset(str(i) for i in doc.get("status_ids") or ()),
                projects=tuple(str(p) for p in projects) if isinstance(projects, list) else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class Run:
    """Where a run stands: its JQL, the next page's token, and what it has read so far."""

    jql: str
    token: str | None = None
    max_updated_ms: int | None = None
    seen: int = 0
    resumed: bool = False  # the token came from a checkpoint and has not been accepted yet

    def checkpoint(self, projects: Sequence[str]) -> dict[str, Any]:
        return {
            "jql": self.jql,
            "next_page_token": self.token,
            "max_updated_ms": self.max_updated_ms,
            "seen": self.seen,
            "projects": list(projects),
        }

    @classmethod
    def resume(cls, doc: object, projects: Sequence[str]) -> Run | None:
        """The run a checkpoint describes, unless it is unreadable or for other projects."""
        if not isinstance(doc, Mapping):
            return None
        token, query = doc.get("next_page_token"), doc.get("jql")
        if not isinstance(token, str) or not token or not isinstance(query, str):
            return None
        if list(doc.get("projects") or ()) != list(projects):
            LOG.info("the projects changed since the checkpoint; the run starts again")
            return None
        seen = as_int(doc.get("seen")) or 0
        return cls(query, token, as_int(doc.get("max_updated_ms")), seen, resumed=True)


@dataclass(frozen=True)
class CursorState:
    """A committed cursor, read defensively: what cannot be read is left out."""

    watermark_ms: int | None = None
    metadata: Metadata | None = None
    checkpoint: object = None
    census_at: datetime | None = None

    def census_due(self, now: datetime, period_days: float) -> bool:
        return self.census_at is None or now - self.census_at >= timedelta(days=period_days)

    @classmethod
    def load(cls, cursor: Mapping[str, Any] | None) -> CursorState:
        if not cursor:
            return cls()
        if not isinstance(cursor, Mapping) or cursor.get("version") not in (None, CURSOR_VERSION):
            LOG.warning("the cursor is unreadable (not version %d); the sync starts from the beginning",
                        CURSOR_VERSION)  # fmt: skip
            return cls()
        return cls(as_int(cursor.get("watermark_ms")), Metadata.from_json(cursor.get("metadata")),
                   cursor.get("checkpoint"), _moment(cursor.get("census_at")))  # fmt: skip


def cursor_json(
    watermark_ms: int | None,
    metadata: Metadata,
    checkpoint: dict[str, Any] | None,
    census_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "version": CURSOR_VERSION,
        "watermark_ms": watermark_ms,
        "metadata": metadata.to_json(),
        "checkpoint": checkpoint,
        "census_at": census_at.isoformat() if census_at else None,
    }


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def next_watermark(
    old: int | None, max_updated_ms: int | None, overlap_minutes: float, *, full: bool
) -> int | None:
    """The watermark after a run: its largest `updated` minus the overlap, never back for an incremental."""
    if max_updated_ms is None:
        return old
    moved = int(max_updated_ms - overlap_minutes * 60_000)
    return moved if full or old is None else max(old, moved)


def link_type_doc(raw: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(raw.get(k) or "") for k in ("id", "name", "inward", "outward")}


def as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
