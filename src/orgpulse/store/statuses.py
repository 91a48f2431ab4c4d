"""Reads what `orgpulse doctor` shows from the store: the statuses a source no longer lists, with the
history entries that decide their category, and the accounts taken for bots.

Frames use the columns of `orgpulse.analysis.frames` (statuses, status_changes,
resolution_changes), limited to one source and to the statuses of unknown category, so the
doctor stays cheap on a large store.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from orgpulse.analysis.frames import RESOLUTION_CHANGE_COLUMNS, STATUS_CHANGE_COLUMNS, STATUS_COLUMNS
from orgpulse.store import schema as t
from orgpulse.store.core import Store


@dataclass(frozen=True)
class StatusHistory:
    statuses: pd.DataFrame  # the source's statuses of unknown category, and those missing from it
    status_changes: pd.DataFrame  # changes into them
    resolution_changes: pd.DataFrame  # resolution items of the same issues
    missing: frozenset[str]  # status uids the history names but no status record holds


def load_status_history(store: Store, source: str) -> StatusHistory:
    """The statuses of `source` whose category is unknown, and the history that can decide them."""
    s, c, r = t.statuses, t.status_changes, t.resolution_changes
    with store.engine.connect() as conn:
        listed = pd.read_sql(sa.select(s).where(s.c.source == source), conn)
        unknown = set(listed.loc[~listed["category_known"].astype(bool), "status_id"].astype(str))
        referenced = {
            str(v)
            for (v,) in conn.execute(
                sa.union(
                    sa.select(c.c.to_status).where(c.c.source == source),
                    sa.select(c.c.from_status).where(c.c.source == source),
                )
            )
            if v is not None
        }
        missing = sorted(referenced - set(listed["status_id"].astype(str)))
        wanted = sorted(unknown | set(missing))
        changes = pd.read_sql(sa.select(c).where(c.c.source == source, c.c.to_status.in_(wanted)), conn)
        # The resolution items of the entries into those statuses (same issue and history id).
        entries = sa.select(c.c.issue_id, c.c.history_id).where(
            c.c.source == source, c.c.to_status.in_(wanted)
        )
        resolutions = pd.read_sql(
            sa.select(r).where(r.c.source == source, sa.tuple_(r.c.issue_id, r.c.history_id).in_(entries)),
            conn,
        )
    rows = listed.loc[listed["status_id"].astype(str).isin(unknown)]
    statuses = pd.DataFrame(
        {
            "status_uid": source + ":" + rows["status_id"].astype(str),
            "source": source,
            "status_id": rows["status_id"].astype(str),
            "name": rows["name"],
            "category": rows["category"],
            "category_known": False,
        }
    )
    absent = pd.DataFrame(
        {
            "status_uid": [f"{source}:{m}" for m in missing],
            "source": source,
            "status_id": missing,
            "name": missing,
            "category": "todo",
            "category_known": False,
        }
    )
    statuses = pd.concat([statuses, absent], ignore_index=True)[list(STATUS_COLUMNS)]

    def uid(values: pd.Series) -> pd.Series:
        return (source + ":" + values.astype(str)).where(values.notna(), None)

    status_changes = pd.DataFrame(
        {
            "issue_uid": uid(changes["issue_id"]),
            "history_id": changes["history_id"],
            "item_index": changes["item_index"],
            "at": pd.to_datetime(changes["at"], utc=True, format="ISO8601"),
            "from_status_uid": uid(changes["from_status"]),
            "to_status_uid": uid(changes["to_status"]),
            "actor_uid": uid(changes["actor_id"]),
            "actor_is_bot": False,
        }
    )[list(STATUS_CHANGE_COLUMNS)]
    resolution_changes = pd.DataFrame(
        {
            "issue_uid": uid(resolutions["issue_id"]),
            "history_id": resolutions["history_id"],
            "item_index": resolutions["item_index"],
            "at": pd.to_datetime(resolutions["at"], utc=True, format="ISO8601"),
            "from_resolution": resolutions["from_resolution"],
            "to_resolution": resolutions["to_resolution"],
            "actor_uid": uid(resolutions["actor_id"]),
        }
    )[list(RESOLUTION_CHANGE_COLUMNS)]
    return StatusHistory(
        statuses, status_changes, resolution_changes, frozenset(f"{source}:{m}" for m in missing)
    )


def stored_sources(store: Store) -> set[str]:
    """The names of the sources the store holds history of (those with statuses stored: a small table)."""
    with store.engine.connect() as conn:
        return {str(name) for (name,) in conn.execute(sa.select(t.statuses.c.source).distinct())}


def load_bots(store: Store, source: str) -> list[tuple[str, str]]:
    """(account id, display name) of every account of `source` taken for a bot, sorted by name."""
    p = t.people
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(p.c.person_id, p.c.display_name).where(p.c.source == source, p.c.is_bot)
        ).all()
    return sorted(((str(i), str(n)) for i, n in rows), key=lambda r: (r[1].casefold(), r[0]))
