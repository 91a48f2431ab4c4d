"""How one page of canonical records is written: idempotent bulk upserts keyed by source-native ids.

`save_batch` runs inside the transaction that also commits the page's cursor (`Store.save_page`).
Links are merged so one side never erases what the other side told; a link an issue no longer lists
is dropped; a census marks deleted issues and re-keys moved ones.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orgpulse.model import Batch, Census, HistoryRows, Membership
from orgpulse.store import schema as t
from orgpulse.store.bulk import Merge, bulk_upsert, bulk_upsert_columns
from orgpulse.store.packing import packer
from orgpulse.store.text import masked_payload

__all__ = ["change_records", "chunks", "columns_of", "field_values", "rows_of", "save_batch", "upsert"]

log = logging.getLogger(__name__)


def save_batch(conn: Connection, source: str, batch: Batch, now: datetime) -> None:
    if batch.statuses:
        upsert(
            conn,
            t.statuses,
            [{"source": source, **vars(s), "category": s.category.value} for s in batch.statuses],
            ("source", "status_id"),
        )
    if batch.people:
        people = {p.person_id: p for p in batch.people}
        upsert(
            conn,
            t.people,
            rows_of(source, people.values()),
            ("source", "person_id"),
            merge={"is_bot": lambda col, new: sa.or_(col, new)},
        )
    if batch.issues:
        columns = columns_of(source, batch.issues)
        count, complete = len(batch.issues), batch.history_complete
        columns.update(
            labels=[json.dumps(list(labels)) for labels in columns["labels"]],
            components=[json.dumps(list(names)) for names in columns["components"]],
            fetched_at=[now] * count,
            deleted_at=[None] * count,
            history_complete=[complete.get(issue_id, True) for issue_id in columns["issue_id"]],
        )
        upsert(conn, t.issues, columns, ("source", "issue_id"))
    if batch.histories:
        bulk_upsert_columns(
            conn, t.histories, columns_of(source, batch.histories), ("source", "issue_id", "history_id")
        )
    for name, records in change_records(batch).items():
        if records:
            bulk_upsert_columns(
                conn,
                t.CHANGE_TABLES[name],
                columns_of(source, records),
                ("source", "issue_id", "history_id", "item_index"),
            )
    if batch.workflow_statuses:
        projects = sorted({w.project_key for w in batch.workflow_statuses})
        conn.execute(
            t.workflow_statuses.delete().where(
                t.workflow_statuses.c.source == source, t.workflow_statuses.c.project_key.in_(projects)
            )
        )
        upsert(
            conn,
            t.workflow_statuses,
            rows_of(source, set(batch.workflow_statuses)),
            ("source", "project_key", "status_id"),
        )
    if batch.memberships:
        teams = sorted({m.team_key for m in batch.memberships})
        conn.execute(
            t.team_memberships.delete().where(
                t.team_memberships.c.source == source, t.team_memberships.c.team_key.in_(teams)
            )
        )
        latest: dict[tuple[str, str], Membership] = {}  # a current membership wins, else the last one
        for m in batch.memberships:
            known = latest.get((m.team_key, m.person_id))
            if known is None or (known.until is not None and (m.until is None or m.until > known.until)):
                latest[(m.team_key, m.person_id)] = m
        upsert(
            conn,
            t.team_memberships,
            rows_of(source, latest.values()),
            ("source", "team_key", "person_id"),
        )
    if batch.issues:
        _drop_stale_links(conn, source, batch)
    if batch.links:
        rows = [{"source": source, **vars(link), "kind": link.kind.value} for link in batch.links]
        # One side of a link may come alone (an incremental sync re-reads one issue): what it does
        # not know (the far side's id, a creation time) must not erase what the other side told.
        keep_known = {
            c: (lambda col, new: sa.func.coalesce(new, col))
            for c in ("created_at", "removed_at", "from_issue_id", "to_issue_id", "from_done", "to_done")
        }
        upsert(
            conn,
            t.links,
            list({r["link_id"]: r for r in rows}.values()),
            ("source", "link_id"),
            merge=keep_known,
        )
    if batch.raw:
        pack, count = packer(), len(batch.raw)
        raw: dict[str, list[Any]] = {
            "source": [source] * count,
            "kind": [kind for kind, _, _ in batch.raw],
            "native_id": [native_id for _, native_id, _ in batch.raw],
            "fetched_at": [now] * count,
            "payload": [pack(masked_payload(_utf8(payload))) for _, _, payload in batch.raw],
        }
        upsert(conn, t.raw_records, raw, ("source", "kind", "native_id"))
    if batch.issues:
        # A record that normalises now clears its earlier quarantine.
        for chunk in chunks([i.issue_id for i in batch.issues], 500):
            conn.execute(
                t.quarantine.update()
                .where(
                    t.quarantine.c.source == source,
                    t.quarantine.c.native_id.in_(chunk),
                    t.quarantine.c.resolved_at.is_(None),
                )
                .values(resolved_at=now)
            )
    if batch.quarantined:
        rows = [{"source": source, **vars(q), "at": now, "resolved_at": None} for q in batch.quarantined]
        upsert(conn, t.quarantine, rows, ("source", "kind", "native_id"))
    if batch.census is not None:
        _apply_census(conn, source, batch.census, now)


def _drop_stale_links(conn: Connection, source: str, batch: Batch) -> None:
    """A fetched issue lists all its current links: a stored one it no longer lists was removed.

    Its removal is recorded apart (a `removed:` link from the changelog, with its times), so the
    stale row of the live link id goes. Each side is looked up alone, by its own index: SQLite
    reads `from IN (...) OR to IN (...)` by scanning every link of the source, once per chunk of
    issues (a cost that grows with the square of the site's size).
    """
    links = t.links
    ids = [i.issue_id for i in batch.issues]
    current = {link.link_id for link in batch.links}
    for chunk in chunks(ids, 500):
        stored: set[str] = set()
        for side in (links.c.from_issue_id, links.c.to_issue_id):
            stored.update(
                conn.execute(
                    sa.select(links.c.link_id).where(
                        links.c.source == source,
                        side.in_(chunk),
                        sa.not_(links.c.link_id.startswith("removed:")),
                    )
                ).scalars()
            )
        stale = sorted(link_id for link_id in stored if link_id not in current)
        if stale:
            conn.execute(links.delete().where(links.c.source == source, links.c.link_id.in_(stale)))


def _apply_census(conn: Connection, source: str, census: Census, now: datetime) -> None:
    """Mark stored issues the source no longer holds as deleted; restore and re-key those it holds."""
    issues = t.issues
    stored = conn.execute(
        sa.select(issues.c.issue_id, issues.c.key, issues.c.deleted_at).where(
            issues.c.source == source, issues.c.project_key.in_(census.projects)
        )
    ).all()
    gone = [r.issue_id for r in stored if r.issue_id not in census.keys_by_id and r.deleted_at is None]
    for chunk in chunks(gone, 500):
        conn.execute(
            issues.update()
            .where(issues.c.source == source, issues.c.issue_id.in_(chunk))
            .values(deleted_at=now)
        )
    back = [r.issue_id for r in stored if r.issue_id in census.keys_by_id and r.deleted_at is not None]
    for chunk in chunks(back, 500):
        conn.execute(
            issues.update()
            .where(issues.c.source == source, issues.c.issue_id.in_(chunk))
            .values(deleted_at=None)
        )
    for r in stored:
        key = census.keys_by_id.get(r.issue_id)
        if key and key != r.key:  # an empty key: the id is known, its key was not readable
            conn.execute(
                issues.update()
                .where(issues.c.source == source, issues.c.issue_id == r.issue_id)
                .values(key=key, project_key=key.rsplit("-", 1)[0])
            )
    if gone or back:
        log.info("census %s: %d issues gone, %d back", source, len(gone), len(back))


def change_records(batch: Batch) -> dict[str, Sequence[Any]]:
    return {
        "status_changes": batch.status_changes,
        "assignee_changes": batch.assignee_changes,
        "team_changes": batch.team_changes,
        "flag_changes": batch.flag_changes,
        "parent_changes": batch.parent_changes,
        "resolution_changes": batch.resolution_changes,
    }


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]] | Mapping[str, list[Any]],
    keys: tuple[str, ...],
    *,
    merge: Merge | None = None,
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of `rows` keyed by `keys`, in bulk (`store.bulk`): rows, or
    their columns (each column's values, one per row)."""
    if isinstance(rows, Mapping):
        bulk_upsert_columns(conn, table, rows, keys, merge=merge)
    else:
        bulk_upsert(conn, table, rows, keys, merge=merge)


def _utf8(payload: str | bytes) -> bytes:
    return payload if isinstance(payload, bytes) else payload.encode()


def rows_of(source: str, records: Iterable[Any]) -> list[dict[str, Any]]:
    """Canonical records (flat frozen dataclasses) as rows of `source`: their fields, by name."""
    return [{"source": source, **vars(r)} for r in records]


def columns_of(source: str, records: Sequence[Any]) -> dict[str, list[Any]]:
    """Canonical records of one kind (flat frozen dataclasses, or `HistoryRows`) as columns of
    `source`: each field's values, one per record (the rows `rows_of` gives, without a dict per row)."""
    found: dict[str, list[Any]] = {"source": [source] * len(records)}
    if isinstance(records, HistoryRows):
        return {**found, **records.columns}
    for f in fields(records[0]):
        found[f.name] = field_values(records, f.name)
    return found


def field_values(records: Sequence[Any], name: str) -> list[Any]:
    """One field's values of canonical records of one kind, in order (`HistoryRows`: its column)."""
    if isinstance(records, HistoryRows):
        return records.columns[name]
    return list(map(attrgetter(name), records))


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
