"""Locks shared by every process that uses one store: one sync per source, one store-wide analysis.

PostgreSQL: a session-level advisory lock held on a dedicated connection (released by the server if
the holder dies), plus a lease row that names the holder for whoever is refused. SQLite: the lease
row is the lock; it expires unless renewed, and a background thread renews it every 30 s, so a
crashed holder blocks nobody for long and a four-hour backfill is never cut off. A holder on
this host whose process is gone is taken over at once.

A lock can be lost under a running holder: its PostgreSQL connection terminated (an idle-session
timeout, a pooler, a failover) releases the advisory lock, and a SQLite lease missed for longer
than it lasts can be taken over. The renewal thread keeps the PostgreSQL connection busy (no
idle timeout ends it), and `check()`, called before each write the lock protects, raises
LockLostError when the lock is no longer this holder's: a second run may already be writing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from orgpulse.errors import LockHeldError, LockLostError
from orgpulse.store import schema as t
from orgpulse.store.core import Store

log = logging.getLogger(__name__)

RENEW_SECONDS = 30.0
LEASE_SECONDS = 90.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, as another user
    return True


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.sha256(f"orgpulse:{name}".encode()).digest()[:8], "big", signed=True)


def _held_here(key: int) -> sa.Select[Any]:
    """How many grants of the advisory lock `key` this session holds (pg_locks splits the key in two)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    locks = sa.table(
        "pg_locks",
        sa.column("locktype"), sa.column("pid"), sa.column("granted"),
        sa.column("classid"), sa.column("objid"), sa.column("objsubid"),
    )  # fmt: skip
    return (
        sa.select(sa.func.count())
        .select_from(locks)
        .where(
            locks.c.locktype == "advisory",
            locks.c.pid == sa.func.pg_backend_pid(),
            locks.c.granted,
            locks.c.objsubid == 1,
            sa.cast(locks.c.classid, sa.BigInteger) == unsigned >> 32,
            sa.cast(locks.c.objid, sa.BigInteger) == unsigned & 0xFFFFFFFF,
        )
    )


class Lease:
    """A named lock on the store; `with Lease(store, "sync:acme"):` or acquire()/release()."""

    def __init__(
        self,
        store: Store,
        name: str,
        *,
        renew_seconds: float = RENEW_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.store = store
        self.name = name
        self.holder = uuid.uuid4().hex
        self.renew_seconds = renew_seconds
        self.lease_seconds = lease_seconds
        self._pg_conn: Connection | None = None
        self._pg_guard = threading.Lock()  # the renewal thread and check() share the lock connection
        self._lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    @property
    def _postgres(self) -> bool:
        return self.store.engine.dialect.name == "postgresql"

    def acquire(self) -> None:
        """Take the lock or raise LockHeldError naming the holder (host, pid, start)."""
        now = datetime.now(UTC)
        if self._postgres:
            conn = self.store.engine.connect()
            got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(_advisory_key(self.name)))).scalar_one()
            conn.commit()
            if not got:
                conn.close()
                raise self._held_error()
            self._pg_conn = conn
            with self.store.engine.begin() as tx:
                tx.execute(t.leases.delete().where(t.leases.c.name == self.name))
                tx.execute(t.leases.insert().values(**self._row(now)))
            self._start_renewer()
            return
        with self.store.engine.begin() as tx:
            self._clear_dead_holder(tx)
            stmt = sqlite.insert(t.leases).values(**self._row(now))
            stmt = stmt.on_conflict_do_update(
                index_elements=["name"],
                set_={c: stmt.excluded[c] for c in ("holder", "host", "pid", "started_at", "expires_at")},
                where=t.leases.c.expires_at < now,
            )
            tx.execute(stmt)
            holder = tx.execute(sa.select(t.leases.c.holder).where(t.leases.c.name == self.name)).scalar_one()
        if holder != self.holder:
            raise self._held_error()
        self._start_renewer()

    def check(self) -> None:
        """Raise LockLostError unless this holder still holds the lock (call it before each write)."""
        if self._lost is None:
            self._lost = self._verify()
        if self._lost is not None:
            raise LockLostError(
                f"{self._what()}: the lock was lost ({self._lost}); stopped before writing more"
            )

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        try:
            with self.store.engine.begin() as tx:
                tx.execute(
                    t.leases.delete().where(t.leases.c.name == self.name, t.leases.c.holder == self.holder)
                )
        except sa.exc.SQLAlchemyError as exc:  # the lease row expires by itself
            log.warning("could not delete the lease %s: %s", self.name, type(exc).__name__)
        if self._pg_conn is not None:
            with self._pg_guard:
                try:
                    self._pg_conn.execute(sa.select(sa.func.pg_advisory_unlock(_advisory_key(self.name))))
                    self._pg_conn.commit()
                except sa.exc.SQLAlchemyError:  # a lost connection has released the lock already
                    log.info("lease %s: its connection had ended; the server released the lock", self.name)
                finally:
                    self._pg_conn.close()
                    self._pg_conn = None

    def _start_renewer(self) -> None:
        self._renewer = threading.Thread(target=self._renew_loop, name=f"lease {self.name}", daemon=True)
        self._renewer.start()

    def _verify(self) -> str | None:
        """None while the lock is this holder's; else why it is not."""
        if self._pg_conn is not None:
            with self._pg_guard:
                try:
                    held = self._pg_conn.execute(_held_here(_advisory_key(self.name))).scalar_one()
                    self._pg_conn.commit()
                except sa.exc.SQLAlchemyError:
                    return "its database connection ended"
            return None if held else "the database no longer holds it for this run"
        try:
            with self.store.engine.connect() as conn:
                row = conn.execute(
                    sa.select(t.leases.c.holder, t.leases.c.expires_at).where(t.leases.c.name == self.name)
                ).first()
        except sa.exc.SQLAlchemyError:
            return None  # the store itself is unreachable: the write that follows says so
        if row is None or row.holder != self.holder:
            return "another run took it over"
        if row.expires_at < datetime.now(UTC):
            return "it expired before it was renewed"
        return None

    def _clear_dead_holder(self, tx: Connection) -> None:
        """A lease held by a process of this host that no longer runs is released at once."""
        row = tx.execute(
            sa.select(t.leases.c.host, t.leases.c.pid).where(t.leases.c.name == self.name)
        ).first()
        if row is None or row.host != socket.gethostname() or _alive(row.pid):
            return
        log.warning("lease %s: its holder (pid %d on this host) is gone; taking it over", self.name, row.pid)
        tx.execute(t.leases.delete().where(t.leases.c.name == self.name, t.leases.c.pid == row.pid))

    def _row(self, now: datetime) -> dict[str, object]:
        return {
            "name": self.name,
            "holder": self.holder,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": now,
            "expires_at": now + timedelta(seconds=self.lease_seconds),
        }

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.renew_seconds):
            if self._pg_conn is not None:
                self._lost = self._lost or self._verify()  # also keeps the connection from idling out
                continue
            try:
                with self.store.engine.begin() as tx:
                    tx.execute(
                        t.leases.update()
                        .where(t.leases.c.name == self.name, t.leases.c.holder == self.holder)
                        .values(expires_at=datetime.now(UTC) + timedelta(seconds=self.lease_seconds))
                    )
            except sa.exc.SQLAlchemyError as exc:  # the next renewal tries again; the lease outlives one miss
                log.warning("could not renew the lease %s: %s", self.name, type(exc).__name__)

    def _what(self) -> str:
        return self.name.replace("sync:", "a sync of source ") if self.name.startswith("sync:") else self.name

    def _held_error(self) -> LockHeldError:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t.leases).where(t.leases.c.name == self.name)).first()
        what = self._what()
        if row is None:
            return LockHeldError(f"{what} is already running elsewhere")
        started = row.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return LockHeldError(f"{what} is already running (host {row.host}, pid {row.pid}, started {started})")

    def __enter__(self) -> Lease:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
