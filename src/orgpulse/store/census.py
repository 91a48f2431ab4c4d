"""Census safety: a census that would delete too large a share of a source's issues is refused.

A census lists every issue id the source holds; what it lacks is marked deleted. One empty or
truncated answer (a permission glitch, a proxy's error page read as an empty list, a search
index being rebuilt) would mark the whole store deleted and turn every analysis row into
`insufficient_data`. A real bulk deletion larger than the allowed share is rare enough to wait
for the next census: this one is refused with a warning and never applied, and the page's cursor
forgets it was taken (`CENSUS_AT`), so the next sync takes it again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orgpulse.model import Census
from orgpulse.store import schema as t

log = logging.getLogger(__name__)

DEFAULT_MAX_DELETED_SHARE = 0.2
CENSUS_AT = "census_at"  # the cursor key a connector records its last census under


@dataclass(frozen=True)
class CensusCheck:
    """What applying a census would delete: `gone` of the `live` stored issues in its projects."""

    live: int
    gone: int

    def refused(self, max_share: float) -> bool:
        return self.live > 0 and self.gone > max_share * self.live


def check_census(conn: Connection, source: str, census: Census) -> CensusCheck:
    issues = t.issues
    stored = conn.execute(
        sa.select(issues.c.issue_id).where(
            issues.c.source == source,
            issues.c.project_key.in_(census.projects),
            issues.c.deleted_at.is_(None),
        )
    ).scalars()
    ids = list(stored)
    return CensusCheck(live=len(ids), gone=sum(1 for i in ids if i not in census.keys_by_id))


def without_census(cursor: Mapping[str, Any]) -> dict[str, Any]:
    """The cursor as if the census had not been taken: the next sync takes it again."""
    return {**cursor, CENSUS_AT: None} if CENSUS_AT in cursor else dict(cursor)
