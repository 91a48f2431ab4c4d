"""What the store holds of some issues already: what an incremental run need not read again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from orgpulse.store import schema as t
from orgpulse.store.batch import chunks
from orgpulse.store.core import Store


def load_settled_updates(store: Store, source: str, issue_ids: Sequence[str]) -> dict[str, datetime]:
    """The stored `updated` of each of these issues that is settled: live, and with a complete history.

    An issue missing here (never stored, deleted, or kept with an incomplete history) is to be
    read whole again; one whose `updated` still equals the stored one holds nothing new.
    """
    issues = t.issues
    found: dict[str, datetime] = {}
    with store.engine.connect() as conn:
        for chunk in chunks(list(issue_ids), 500):
            rows = conn.execute(
                sa.select(issues.c.issue_id, issues.c.updated).where(
                    issues.c.source == source,
                    issues.c.issue_id.in_(chunk),
                    issues.c.deleted_at.is_(None),
                    issues.c.history_complete.is_(True),
                )
            )
            found.update((str(issue_id), updated) for issue_id, updated in rows)
    return found
