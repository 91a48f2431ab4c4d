"""The Jira cursor (Cloud and Data Center): what a sync commits with each page, as JSON. Pure: no I/O.

    {"version": 1,
     "watermark_ms": 1718000000000 | null,   # largest committed `updated` minus the overlap
     "metadata": null | {"fetched_at": ISO-8601,
                         "fields": {"sprint", "flagged", "epic_link", "team"},   # ids or null
                         "link_types": [{"id", "name", "inward", "outward"}],
                         "status_ids": ["1", "3", ...],
                         "projects": ["CORE", "PAY"] | null},   # listed when none are configured
     "checkpoint": null | {"jql", "next_page_token" (Cloud) | "start_at" (DC),
                           "max_updated_ms", "seen", "projects"},
     "census_at": ISO-8601 | null}            # when every issue id was last listed (deletions, moves)

The watermark moves only when a run ends: pages come in created order, so the largest `updated`
seen mid-run says nothing about the issues not yet read. The checkpoint lets a run that stopped
resume with the same JQL at the first page not committed: by the search's page token on Cloud,
by the offset of the first issue not committed on DC. Issues created meanwhile sort last; one
deleted meanwhile shifts DC's offsets by one, which the next incremental run's overlap covers.
The envelope (version, watermark, metadata, census time) is the kit's (`kit/incremental.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ..kit.incremental import CursorFormat, as_int, resumable, within_ttl
from .normalise_meta import FieldIds

Paging = Literal["token", "offset"]  # Cloud pages its search by token, DC by offset
POSITION_KEYS: dict[Paging, str] = {"token": "next_page_token", "offset": "start_at"}


@dataclass(frozen=True)
class Metadata:
    """What a sync needs to know about the site, cached for `metadata_ttl_hours`."""

    fetched_at: datetime
    fields: FieldIds
    link_types: tuple[Mapping[str, str], ...]
    status_ids: frozenset[str]
    projects: tuple[str, ...] | None

    def fresh(self, now: datetime, ttl_hours: float, *, need_projects: bool) -> bool:
        return within_ttl(self.fetched_at, now, ttl_hours) and (bool(self.projects) or not need_projects)

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


JIRA_CURSOR: CursorFormat[int, Metadata] = CursorFormat(
    watermark_key="watermark_ms",
    read_watermark=as_int,
    write_watermark=int,
    read_metadata=Metadata.from_json,
)


@dataclass
class Run:
    """Where a run stands: its JQL, the next page's position, and what it has read so far.

    The position is `token` on Cloud (None: the first page) and `start_at` on DC (the offset of
    the first issue not committed); `paging` says which one the checkpoint keeps.
    """

    jql: str
    paging: Paging = "token"
    token: str | None = None
    start_at: int = 0
    max_updated_ms: int | None = None
    seen: int = 0
    resumed: bool = False  # the position came from a checkpoint and has not been accepted yet

    def checkpoint(self, projects: Sequence[str]) -> dict[str, Any]:
        position: str | int | None = self.token if self.paging == "token" else self.start_at
        return {
            "jql": self.jql,
            POSITION_KEYS[self.paging]: position,
            "max_updated_ms": self.max_updated_ms,
            "seen": self.seen,
            "projects": list(projects),
        }

    def restart(self, jql: str) -> None:
        """Forget the checkpoint's position: read `jql` again from its first page."""
        self.jql, self.token, self.start_at = jql, None, 0
        self.max_updated_ms, self.seen, self.resumed = None, 0, False

    @classmethod
    def resume(cls, doc: object, projects: Sequence[str], paging: Paging = "token") -> Run | None:
        """The run a checkpoint describes, unless it is unreadable or for other projects."""
        if not isinstance(doc, Mapping):
            return None
        query, position = doc.get("jql"), doc.get(POSITION_KEYS[paging])
        if not isinstance(query, str) or not query:
            return None
        token = position if isinstance(position, str) and position else None
        start_at = as_int(position)
        if (token is None) if paging == "token" else (start_at is None or start_at < 1):
            return None
        found = resumable(doc, "projects", projects)
        if found is None:
            return None
        largest, seen = as_int(found.get("max_updated_ms")), as_int(found.get("seen")) or 0
        return cls(query, paging, token, start_at or 0, largest, seen, resumed=True)


def link_type_doc(raw: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(raw.get(k) or "") for k in ("id", "name", "inward", "outward")}
