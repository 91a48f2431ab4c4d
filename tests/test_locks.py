from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from orgpulse.errors import LockHeldError
from orgpulse.store import Store
from orgpulse.store.locks import Lease
from orgpulse.store.runs import abort_stale_runs, finish_run, latest_runs, start_run


def test_a_second_holder_is_refused_with_the_holders_name(store: Store) -> None:
    with Lease(store, "sync:acme"):
        with pytest.raises(LockHeldError) as caught:
            Lease(store, "sync:acme").acquire()
        message = str(caught.value)
        assert "a sync of source acme is already running" in message
        assert f"host {socket.gethostname()}" in message
        assert f"pid {os.getpid()}" in message
        # Another source is another lock.
        with Lease(store, "sync:other"):
            pass
    with Lease(store, "sync:acme"):  # released: free again
        pass


def test_a_crashed_holders_lease_expires_on_sqlite(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    dead = Lease(store, "sync:acme", lease_seconds=0.2, renew_seconds=3600)
    dead.acquire()
    dead._stop.set()  # the holder "dies": nobody renews its lease any more
    with pytest.raises(LockHeldError):
        Lease(store, "sync:acme").acquire()
    time.sleep(0.3)
    with Lease(store, "sync:acme"):
        pass


def test_a_live_holder_keeps_renewing_its_lease(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    with Lease(store, "sync:acme", lease_seconds=0.5, renew_seconds=0.1):
        time.sleep(1.0)  # longer than the lease: only renewal keeps it
        with pytest.raises(LockHeldError):
            Lease(store, "sync:acme").acquire()


def test_runs_journal_and_stale_runs_are_aborted(store: Store) -> None:
    now = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    stale = start_run(store, kind="sync", source="acme", trigger="schedule", now=now)
    assert abort_stale_runs(store, kind="sync", source="acme", now=now) == 1
    fresh = start_run(store, kind="sync", source="acme", trigger="manual", now=now.replace(hour=3))
    finish_run(store, fresh, outcome="ok", now=now.replace(hour=4), counts={"issues": 5}, requests=7)
    (latest,) = latest_runs(store)
    assert latest.run_id == fresh != stale
    assert latest.outcome == "ok"
    assert latest.counts["issues"] == 5
    assert latest.requests == 7
    assert latest.seconds == 3600


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(tmp_path: object) -> None:
    import subprocess
    import sys

    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that no longer runs
    dead = Lease(store, "sync:acme", renew_seconds=3600)
    dead.acquire()
    dead._stop.set()
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE leases SET pid = :pid"), {"pid": child.pid})
    with Lease(store, "sync:acme"):  # no 90 s wait for the lease to expire
        pass


def test_processes_opening_a_new_sqlite_store_together_migrate_one_at_a_time(tmp_path: object) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path}/fresh.db"
    code = f"from orgpulse.store import Store; Store.open({url!r}).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    errors = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(rc == 0 for rc, _ in errors), errors
    with Store.open(url).engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM meta")).scalar_one() == 1  # one salt


def test_opening_a_store_waits_for_a_reader_of_the_new_file_longer_than_the_drivers_default(
    tmp_path: object,
) -> None:
    """Switching a new file to WAL needs every other lock released: a store opened while another
    process reads the file waits for it (here 6 s, past the sqlite3 driver's 5 s default)."""
    import sqlite3
    import threading

    path = f"{tmp_path}/fresh.db"
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    reader.execute("CREATE TABLE other (a)")
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM other").fetchall()  # a shared lock until the commit
    release = threading.Timer(6.0, lambda: reader.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    try:
        Store.open(f"sqlite:///{path}").close()
    finally:
        release.join()
        reader.close()
    assert time.monotonic() - started >= 5.5
