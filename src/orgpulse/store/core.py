"""The store: opens the database, applies migrations, and commits what syncs and analyses produce.

Only this package writes the database. A sync page's records and its cursor are committed in one
transaction, with idempotent upserts keyed by source-native ids, so a crash at any point loses
nothing and a rerun duplicates nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from itertools import repeat
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from orgpulse.analysis.result import AnalysisResult
from orgpulse.errors import IncompleteSyncError, StoreError
from orgpulse.model import Batch
from orgpulse.redact import Redactor, redact_url
from orgpulse.store import schema as t
from orgpulse.store.batch import change_records, chunks, field_values, save_batch, upsert
from orgpulse.store.census import DEFAULT_MAX_DELETED_SHARE, check_census, without_census
from orgpulse.store.errors import db_error_line
from orgpulse.store.migrating import SALT_KEY, migrate
from orgpulse.store.packing import unpack
from orgpulse.store.sqlite_writer import start_writer
from orgpulse.store.text import masking
from orgpulse.store.trend_writes import Made, write_run
from orgpulse.store.trends import trend_rows

log = logging.getLogger(__name__)

_BUSY_SECONDS = 30  # how long a SQLite connection waits for another's lock


class Store:
    """A migrated database. Construct with `Store.open(url)`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._salt: bytes | None = None

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect and apply pending migrations; raise StoreError with one clear sentence."""
        try:
            engine = sa.create_engine(url, future=True)
        except (sa.exc.ArgumentError, ImportError, ValueError, TypeError) as exc:
            reason = redact_url(str(exc)) if url not in str(exc) else "it cannot be parsed"
            raise StoreError(f"the store URL {_safe_url(url)} is not usable: {reason}") from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot connect to the store {_safe_url(url)}: {_first_line(exc)}") from None
        if migrate:
            store.migrate()
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent; `store.migrating`)."""
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- pseudonyms -------------------------------------------------------------------------------

    def pseudonym(self, person_uid: str) -> str:
        """A stable pseudonym for a person, salted per store so two stores cannot be joined."""
        if self._salt is None:
            with self.engine.connect() as conn:
                value = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == SALT_KEY)).scalar_one()
            self._salt = bytes.fromhex(value)
        digest = hmac.new(self._salt, person_uid.encode(), hashlib.sha256).hexdigest()
        return f"person-{digest[:8]}"

    # -- sync -------------------------------------------------------------------------------------

    def save_source(self, name: str, kind: str, url: str) -> None:
        with self.engine.begin() as conn:
            upsert(conn, t.sources, [{"name": name, "kind": kind, "url": url}], ("name",))

    def load_cursor(self, source: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.sync_cursors.c.cursor).where(t.sync_cursors.c.source == source)
            ).first()
        return dict(json.loads(row[0])) if row else {}

    def save_page(
        self,
        source: str,
        batch: Batch,
        cursor: Mapping[str, Any],
        *,
        now: datetime,
        census_max_share: float = DEFAULT_MAX_DELETED_SHARE,
        secrets: Redactor | None = None,
    ) -> None:
        """Commit one page's records and its cursor together, then check the counts it promised.

        A census that would delete more than `census_max_share` of the source's live issues is
        refused (store.census): the rest of the page is saved, the census is taken again next sync.
        `secrets` (the source's credentials) are masked wherever the server echoed them (store.text).
        """
        with self.engine.begin() as conn, masking(secrets):
            if batch.census is not None:
                found = check_census(conn, source, batch.census)
                if found.refused(census_max_share):
                    log.warning(
                        "census %s: refused, it would delete %d of %d issues (more than %.0f%%); "
                        "it is taken again at the next sync",
                        source, found.gone, found.live, census_max_share * 100,
                    )  # fmt: skip
                    batch = replace(batch, census=None)
                    cursor = without_census(cursor)
            save_batch(conn, source, batch, now)
            upsert(
                conn,
                t.sync_cursors,
                [{"source": source, "cursor": json.dumps(cursor, sort_keys=True), "updated_at": now}],
                ("source",),
            )
        self._check_counts(source, batch)

    def _check_counts(self, source: str, batch: Batch) -> None:
        """Every history entry and change fetched must now be stored: a mismatch fails loudly."""
        # Rows fetched by issue id, counted with repeats: the distinct ones are counted only for an
        # issue the store seems short of (`_distinct_rows`), as a repeated key is stored once.
        expected: dict[str, tuple[Any, Counter[str]]] = {}
        for name, records in (("histories", batch.histories), *change_records(batch).items()):
            if records:
                expected[name] = (records, Counter(field_values(records, "issue_id")))
        with self.engine.connect() as conn:
            for name, (records, per_issue) in expected.items():
                table = t.histories if name == "histories" else t.CHANGE_TABLES[name]
                ids = list(per_issue)
                stored: dict[str, int] = {}
                ids_in = table.c.issue_id.in_(sa.bindparam("ids", expanding=True))
                query = (
                    sa.select(table.c.issue_id, sa.func.count())
                    .where(table.c.source == source, ids_in)
                    .group_by(table.c.issue_id)
                )
                for chunk in chunks(ids, 500):
                    stored.update(conn.execute(query, {"ids": list(chunk)}).all())
                short = [i for i, fetched in per_issue.items() if stored.get(i, 0) < fetched]
                if short:
                    distinct = _distinct_rows(records, name != "histories", set(short))
                    short = [i for i in short if stored.get(i, 0) < distinct[i]]
                if short:
                    raise IncompleteSyncError(
                        f"{name}: the store holds fewer rows than were fetched for {len(short)} issue(s), "
                        f"e.g. issue id {short[0]}",
                        source=source,
                    )

    def source_totals(self, source: str) -> dict[str, int]:
        """The counts `sync --format json` reports for one source (DESIGN.md)."""
        with self.engine.connect() as conn:

            def count(table: sa.Table, *live: sa.ColumnElement[bool]) -> int:
                """The source's rows of `table` that meet `live` (not deleted, removed or resolved)."""
                where = sa.select(sa.func.count()).select_from(table).where(table.c.source == source, *live)
                return int(conn.execute(where).scalar_one())

            return {
                "issues": count(t.issues, t.issues.c.deleted_at.is_(None)),
                "status_changes": count(t.status_changes),
                "assignee_changes": count(t.assignee_changes),
                "links": count(t.links, t.links.c.removed_at.is_(None)),
                "quarantined": count(t.quarantine, t.quarantine.c.resolved_at.is_(None)),
            }

    def read_raw(self, source: str, kind: str, native_id: str) -> str | None:
        """A kept raw payload (JSON text), to re-run a better normaliser without re-fetching."""
        with self.engine.connect() as conn:
            payload = conn.execute(
                sa.select(t.raw_records.c.payload).where(
                    t.raw_records.c.source == source,
                    t.raw_records.c.kind == kind,
                    t.raw_records.c.native_id == native_id,
                )
            ).scalar_one_or_none()
        return None if payload is None else unpack(payload).decode()

    # -- analysis runs ----------------------------------------------------------------------------

    def start_run(
        self,
        run_id: str,
        *,
        trigger: str,
        as_of: datetime,
        weeks: int,
        timezone: str,
        fingerprint: str,
        now: datetime,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.analysis_runs.update()
                .where(t.analysis_runs.c.status == "running")
                .values(status="aborted", finished_at=now)
            )
            conn.execute(
                t.analysis_runs.insert().values(
                    run_id=run_id,
                    started_at=now,
                    status="running",
                    trigger=trigger,
                    as_of=as_of,
                    weeks=weeks,
                    timezone=timezone,
                    fingerprint=fingerprint,
                )
            )

    def prune_runs(self, *, before: datetime) -> int:
        """Delete analysis runs that finished before `before`, with their trend rows.

        The latest completed scheduled run is always kept, so the BI views never empty out.
        """
        runs = t.analysis_runs
        with self.engine.begin() as conn:
            keep = conn.execute(
                sa.select(runs.c.run_id)
                .where(runs.c.status == "completed", runs.c.trigger == "schedule")
                .order_by(runs.c.finished_at.desc())
                .limit(1)
            ).scalar_one_or_none()
            old = [
                r
                for (r,) in conn.execute(
                    sa.select(runs.c.run_id).where(runs.c.started_at < before, runs.c.status != "running")
                )
                if r != keep
            ]
            for chunk in chunks(old, 500):
                for table in t.TREND_TABLES:
                    conn.execute(table.delete().where(table.c.run_id.in_(chunk)))
                conn.execute(runs.delete().where(runs.c.run_id.in_(chunk)))
        return len(old)

    def abort_run(self, run_id: str, *, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.analysis_runs.update()
                .where(t.analysis_runs.c.run_id == run_id)
                .values(status="aborted", finished_at=now)
            )

    def prepare_save(self) -> None:
        """Get ready to save a result: on a SQLite file, start the process that will write it."""
        start_writer(self.engine, _BUSY_SECONDS)

    def save_result(
        self,
        run_id: str,
        result: AnalysisResult,
        *,
        now: datetime,
        meanwhile: Callable[[], object] | None = None,
    ) -> None:
        """Append `result` as the run's trend rows (`store.trends`) and mark the run completed;
        `meanwhile` runs before the commit, while the rows sent are written (`trend_writes`)."""
        self.finish_run(run_id, **trend_rows(run_id, result), now=now, meanwhile=meanwhile)

    def claim_tick(self, tick: str, source: str, worker: str, now: datetime) -> bool:
        """True when `worker` is the first to claim (tick, source): a unique row decides, once."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    t.schedule_claims.insert().values(tick=tick, source=source, worker=worker, claimed_at=now)
                )
        except sa.exc.IntegrityError:
            return False
        return True

    def finish_run(
        self,
        run_id: str,
        *,
        symptom_rows: Made,
        metric_rows: Made,
        dependency_rows: Made,
        now: datetime,
        diagnosis_rows: Made = (),
        flow_rows: Made = (),
        status_time_rows: Made = (),
        effect_rows: Made = (),
        cycle_time_rows: Made = (),
        meanwhile: Callable[[], object] | None = None,
    ) -> None:
        """Append the run's trend rows and mark it completed, in one transaction. Each table's rows
        come as mappings, as columns (name -> values) or as a function making them (`store.trends`),
        written as Arrow columns while the next table's are made, the symptom rows last: a SQLite file
        by another process (`store.sqlite_writer`), PostgreSQL on a thread (`store.postgres_writer`)."""
        tables = (
            (t.metric_trends, metric_rows),
            (t.dependency_trends, dependency_rows),
            (t.diagnosis_trends, diagnosis_rows),
            (t.flow_trends, flow_rows),
            (t.status_time_trends, status_time_rows),
            (t.cycle_time_trends, cycle_time_rows),
            (t.intervention_effects, effect_rows),
            (t.symptom_trends, symptom_rows),
        )
        completed = (
            t.analysis_runs.update()
            .where(t.analysis_runs.c.run_id == run_id)
            .values(status="completed", finished_at=now)
        )
        write_run(self.engine, tables, completed, busy_seconds=_BUSY_SECONDS, meanwhile=meanwhile)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # The busy timeout first: switching a new file to WAL takes its exclusive lock, which waits for
    # the other processes opening it (the driver's default wait, 5 s, ran out on a loaded machine).
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_SECONDS * 1000}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode (nothing to do once it is). Two connections switching a new file
    together can each hold the shared lock the other must see released: SQLite then answers
    "database is locked" at once rather than wait (its busy handler would deadlock), so the switch
    is tried again until the busy timeout has passed."""
    deadline = time.monotonic() + _BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _safe_url(url: str) -> str:
    """The URL without its password, in its user part or its query (`?password=`)."""
    try:
        shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError, TypeError):
        return "(unparsable URL)"
    return redact_url(shown).replace("%2A%2A%2A", "***")


def _first_line(exc: BaseException) -> str:
    return db_error_line(exc)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _distinct_rows(records: Any, itemised: bool, issues: set[str]) -> Counter[str]:
    """The distinct rows (issue, history, item index) of these issues among `records`, by issue id."""
    ids = field_values(records, "issue_id")
    histories = field_values(records, "history_id")
    indexes = field_values(records, "item_index") if itemised else repeat(0)
    # repeat(0) has no end: zip stops with the records.
    keys = {key for key in zip(ids, histories, indexes, strict=False) if key[0] in issues}
    return Counter(map(itemgetter(0), keys))
