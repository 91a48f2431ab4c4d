"""Where a Jira Data Center run stands, and its checkpoint. Pure: no I/O.

The cursor is the Cloud one (`cursor.py`: version, watermark, metadata, census time); only the
checkpoint differs, since DC pages by offset rather than by token:

    "checkpoint": null | {"jql", "start_at", "max_updated_ms", "seen", "projects"}

`start_at` is the offset of the first issue not committed. Pages come in created order, so a
resumed run asks the same JQL from that offset; issues created meanwhile sort last, and one
deleted meanwhile shifts the rest by one (the overlap of the next incremental run covers it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .cursor import as_int

LOG = logging.getLogger(__name__)


@dataclass
class OffsetRun:
    """A run paging one JQL by offset: the next offset, the largest `updated` read, issues read."""

    jql: str
    start_at: int = 0
    max_updated_ms: int | None = None
    seen: int = 0
    resumed: bool = False

    def checkpoint(self, projects: Sequence[str]) -> dict[str, Any]:
        return {
            "jql": self.jql,
            "start_at": self.start_at,
            "max_updated_ms": self.max_updated_ms,
            "seen": self.seen,
            "projects": list(projects),
        }

    @classmethod
    def resume(cls, doc: object, projects: Sequence[str]) -> OffsetRun | None:
        """The run a checkpoint describes, unless it is unreadable or for other projects."""
        if not isinstance(doc, Mapping):
            return None
        start, query = as_int(doc.get("start_at")), doc.get("jql")
        if start is None or start < 1 or not isinstance(query, str) or not query:
            return None
        if list(doc.get("projects") or ()) != list(projects):
            LOG.info("the projects changed since the checkpoint; the run starts again")
            return None
        seen = as_int(doc.get("seen")) or 0
        return cls(query, start, as_int(doc.get("max_updated_ms")), seen, resumed=True)
