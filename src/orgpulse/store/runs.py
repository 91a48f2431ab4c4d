"""The `runs` journal: one row per sync of a source and per analysis, for `orgpulse status` and on-call."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import sqlalchemy as sa

from orgpulse.store import schema as t
from orgpulse.store.core import Store

COUNT_COLUMNS = ("issues", "status_changes", "assignee_changes", "links", "quarantined")


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    kind: str
    source: str | None
    trigger: str
    host: str
    pid: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    counts: Mapping[str, int | None]
    requests: int | None
    error_class: str | None
    error_message: str | None

    @property
    def seconds(self) -> float | None:
        return None if self.finished_at is None else (self.finished_at - self.started_at).total_seconds()


def start_run(store: Store, *, kind: str, source: str | None, trigger: str, now: datetime) -> str:
    """Open a journal row; a row left `running` by a process that died is closed as aborted."""
    run_id = str(uuid.uuid4())
    with store.engine.begin() as conn:
        conn.execute(
            t.runs.insert().values(
                run_id=run_id,
                kind=kind,
                source=source,
                trigger=trigger,
                host=socket.gethostname(),
                pid=os.getpid(),
                started_at=now,
                outcome="running",
            )
        )
    return run_id


def finish_run(
    store: Store,
    run_id: str,
    *,
    outcome: str,
    now: datetime,
    counts: Mapping[str, int] | None = None,
    requests: int | None = None,
    error: BaseException | None = None,
) -> None:
    values: dict[str, object] = {"outcome": outcome, "finished_at": now, "requests": requests}
    values.update({k: (counts or {}).get(k) for k in COUNT_COLUMNS})
    if error is not None:
        values.update(error_class=type(error).__name__, error_message=str(error)[:2000])
    with store.engine.begin() as conn:
        conn.execute(t.runs.update().where(t.runs.c.run_id == run_id).values(**values))


def abort_stale_runs(store: Store, *, kind: str, source: str | None, now: datetime) -> int:
    """Mark `running` rows of this kind and source as aborted: called by whoever holds the lock for them."""
    with store.engine.begin() as conn:
        result = conn.execute(
            t.runs.update()
            .where(
                t.runs.c.kind == kind,
                t.runs.c.source.is_(source) if source is None else t.runs.c.source == source,
            )
            .where(t.runs.c.outcome == "running")
            .values(
                outcome="aborted",
                finished_at=now,
                error_class="Aborted",
                error_message="the process ended before the run finished",
            )
        )
        return int(result.rowcount or 0)


def latest_runs(store: Store) -> list[RunRecord]:
    """The newest run per (kind, source), newest first."""
    with store.engine.connect() as conn:
        newest = (
            sa.select(t.runs.c.kind, t.runs.c.source, sa.func.max(t.runs.c.started_at).label("started_at"))
            .group_by(t.runs.c.kind, t.runs.c.source)
            .subquery()
        )
        rows = conn.execute(
            sa.select(t.runs)
            .join(
                newest,
                sa.and_(
                    t.runs.c.kind == newest.c.kind,
                    sa.or_(
                        t.runs.c.source == newest.c.source,
                        sa.and_(t.runs.c.source.is_(None), newest.c.source.is_(None)),
                    ),
                    t.runs.c.started_at == newest.c.started_at,
                ),
            )
            .order_by(t.runs.c.kind.desc(), t.runs.c.source)
        ).all()
    return [_record(r) for r in rows]


def last_success(store: Store, *, kind: str, source: str | None) -> datetime | None:
    with store.engine.connect() as conn:
        stmt = sa.select(sa.func.max(t.runs.c.finished_at)).where(
            t.runs.c.kind == kind, t.runs.c.outcome == "ok"
        )
        stmt = stmt.where(t.runs.c.source.is_(None) if source is None else t.runs.c.source == source)
        value = conn.execute(stmt).scalar_one_or_none()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _record(row: sa.Row[tuple[object, ...]]) -> RunRecord:
    m = row._mapping
    columns = {f.name: m[f.name] for f in fields(RunRecord) if f.name != "counts"}
    return RunRecord(**columns, counts={k: m[k] for k in COUNT_COLUMNS})
