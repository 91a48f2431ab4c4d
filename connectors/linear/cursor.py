"""The Linear connector's cursor: what a sync commits with each page, as JSON. Pure: no I/O.

    {"version": 1,
     "watermark": "2026-05-01T02:00:00.000Z" | null,  # start of the last successful run - overlap
     "metadata": null | {"fetched_at": ISO-8601,
                         "teams": {"<team id>": "<team key>", ...},      # every team, archived too
                         "labels": {"<label id>": "<label name>", ...}},
     "checkpoint": null | {"after": "<endCursor of the last committed page>",
                           "run_started": ISO-8601,   # becomes the watermark when the run ends
                           "since": ISO-8601 | null,  # the run's updatedAt bound
                           "created_since": "YYYY-MM-DD" | null,
                           "teams": ["ENG", ...],     # the configured team keys
                           "seen": 240}}

The watermark is the start time of the last successful run minus the overlap, not the largest
`updatedAt` seen (LINEAR-NOTES §6.2): issues come newest-first and an issue updated during the run
moves ahead of the pages already read, so only the run's start bounds what it may have missed.
The checkpoint lets a run that stopped resume after its last committed page, with its own bound.
The envelope (version, watermark, metadata) is the kit's (`kit/incremental.py`), without a census.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from orgpulse.errors import SchemaDriftError

from ..kit.incremental import CursorFormat, as_int, resumable, within_ttl
from .normalise_meta import parse_linear_datetime
from .queries import iso

LOG = logging.getLogger(__name__)


@dataclass
class Metadata:
    """Teams and labels by id, cached for `metadata_ttl_hours` (labels grow as issues name new ones)."""

    fetched_at: datetime
    teams: dict[str, str]
    labels: dict[str, str]

    def fresh(self, now: datetime, ttl_hours: float, wanted_keys: Sequence[str]) -> bool:
        return within_ttl(self.fetched_at, now, ttl_hours) and set(wanted_keys) <= set(self.teams.values())

    def to_json(self) -> dict[str, Any]:
        return {"fetched_at": iso(self.fetched_at), "teams": dict(self.teams), "labels": dict(self.labels)}

    @classmethod
    def from_json(cls, doc: object) -> Metadata | None:
        if not isinstance(doc, Mapping):
            return None
        teams, labels = doc.get("teams"), doc.get("labels")
        if not isinstance(teams, Mapping) or not isinstance(labels, Mapping):
            return None
        try:
            fetched_at = parse_linear_datetime(doc.get("fetched_at"))
        except SchemaDriftError:
            return None
        return cls(
            fetched_at,
            {str(k): str(v) for k, v in teams.items()},
            {str(k): str(v) for k, v in labels.items()},
        )


@dataclass
class Run:
    """Where a run stands: the next page's cursor, its bounds, what it has read so far."""

    run_started: datetime
    since: datetime | None
    created_since: date | None
    teams: tuple[str, ...]
    after: str | None = None
    seen: int = 0
    resumed: bool = False  # `after` came from a checkpoint and has not been accepted yet

    def checkpoint(self) -> dict[str, Any]:
        return {
            "after": self.after,
            "run_started": iso(self.run_started),
            "since": iso(self.since) if self.since else None,
            "created_since": self.created_since.isoformat() if self.created_since else None,
            "teams": list(self.teams),
            "seen": self.seen,
        }

    def restart(self) -> None:
        """Forget the checkpoint's page cursor: read the run's bounds again from the first page."""
        self.after, self.seen, self.resumed = None, 0, False

    @classmethod
    def resume(cls, doc: object, teams: Sequence[str]) -> Run | None:
        """The run a checkpoint describes, unless it is unreadable or for other teams."""
        if not isinstance(doc, Mapping):
            return None
        after = doc.get("after")
        if not isinstance(after, str) or not after or resumable(doc, "teams", teams) is None:
            return None
        try:
            started = parse_linear_datetime(doc.get("run_started"))
            since = parse_linear_datetime(doc["since"]) if doc.get("since") else None
            created = date.fromisoformat(str(doc["created_since"])) if doc.get("created_since") else None
        except (SchemaDriftError, ValueError):
            LOG.info("the checkpoint is unreadable; the run starts again")
            return None
        return cls(
            started,
            since,
            created,
            tuple(teams),
            after=after,
            seen=as_int(doc.get("seen")) or 0,
            resumed=True,
        )


def _watermark(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return parse_linear_datetime(value)
    except SchemaDriftError:
        LOG.warning("the cursor's watermark is unreadable; the sync starts from the beginning")
        return None


LINEAR_CURSOR: CursorFormat[datetime, Metadata] = CursorFormat(
    watermark_key="watermark",
    read_watermark=_watermark,
    write_watermark=iso,
    read_metadata=Metadata.from_json,
    census=False,
)
