"""The SQLite side of `store.sqlite_writer`, run as a child process:
`python sqlite_writer_child.py DATABASE BUSY_MS`.

It appends rows with the ADBC SQLite driver's bulk ingest (Arrow columns bound to SQLite's C API,
no Python per row) in a process of its own, for the reason `store/arrow_child.py` gives: the driver
links its own copy of SQLite, and two copies in one process break each other's POSIX locks.

Requests come on stdin, each a JSON line: {"ingest": TABLE} followed by an Arrow IPC stream of the
rows (columns named as the table's), {"sql": ..., "params": [...]} for a statement, or
{"commit": true}. Everything runs in one transaction, committed only by the commit request: end
of input without it (the parent stopped, or was killed) rolls it all back. Each request is answered
on stdout by one byte, 0 (done) or 1 (failed) followed by a 4-byte big-endian length and the error
text in UTF-8; after a failure the process stops, its transaction rolled back, since the input may
be in the middle of a stream it could not read. It imports neither orgpulse nor pandas.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import struct
import sys
import threading
from typing import Any, BinaryIO

import pyarrow as pa
from child_driver import sqlite_driver  # its sibling: this file runs as a script

_TEXT_LIMIT = 2000  # the error text sent back: a driver's first lines, never a whole statement


def serve(database: str, busy_ms: int, requests: BinaryIO, answers: BinaryIO) -> None:
    connection = sqlite_driver.connect(database, autocommit=True)
    try:
        cursor = connection.cursor()
        # The store's own connection settings (store.core): wait for another writer's lock rather
        # than fail, and no sync of the WAL at each commit (WAL mode keeps the store consistent).
        # Its commit moves nothing from the WAL into the database file, which would keep the parent
        # waiting: that is done once the parent has its answer (below).
        for pragma in (f"busy_timeout={busy_ms}", "synchronous=NORMAL", "cache_size=-65536"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        connection.adbc_connection.set_autocommit(False)
        # The requests are read ahead, each table whole, while SQLite writes the previous ones: the
        # parent's writes never wait on SQLite's work (a pipe holds 64 KB), it goes on making rows.
        pending: queue.Queue[Request | Exception | None] = queue.Queue()
        threading.Thread(target=_read_ahead, args=(requests, pending), daemon=True).start()
        while (request := pending.get()) is not None:
            try:
                if isinstance(request, Exception):
                    raise request
                _handle(connection, cursor, *request)
            except (sqlite_driver.Error, pa.ArrowException, KeyError, TypeError, ValueError) as exc:
                text = (str(exc).strip() or type(exc).__name__).encode()[:_TEXT_LIMIT]
                answers.write(b"\x01" + struct.pack(">I", len(text)) + text)
                answers.flush()
                return  # the finally rolls back: nothing of this transaction is kept
            answers.write(b"\x00")
            answers.flush()
            if request[0].get("commit"):
                # Committed: the rows go from the WAL into the database file as far as readers allow
                # (the store's other connections do the rest). Meanwhile a commit of the parent's
                # finds this checkpoint under way and does not wait for it. Nothing comes after.
                with contextlib.suppress(sqlite_driver.Error):  # a checkpoint left to the others
                    connection.adbc_connection.set_autocommit(True)
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                return
    finally:
        connection.close()  # without a commit: rolled back


Request = tuple[dict[str, Any], pa.Table | None]


def _read_ahead(requests: BinaryIO, pending: queue.Queue[Request | Exception | None]) -> None:
    """Each request with its rows, read whole, onto `pending`; None at the end of the input."""
    try:
        for line in requests:
            request = json.loads(line)
            rows = pa.ipc.open_stream(requests).read_all() if "ingest" in request else None
            pending.put((request, rows))
    except (pa.ArrowException, ValueError, OSError) as exc:  # a request or stream it cannot read
        pending.put(exc)
        return
    pending.put(None)


def _handle(connection: Any, cursor: Any, request: dict[str, Any], rows: pa.Table | None) -> None:
    if rows is not None:
        cursor.adbc_ingest(str(request["ingest"]), rows, mode="append")
    elif "sql" in request:
        cursor.execute(request["sql"], request["params"])
    elif request.get("commit"):
        # The driver's own commit: the DB-API wrapper's does nothing for a connection opened in
        # autocommit mode (as this one is, to set the pragmas outside a transaction).
        connection.adbc_connection.commit()
    else:
        raise ValueError(f"unknown request {sorted(request)}")


if __name__ == "__main__":
    # An interrupt is the parent's to handle: it ends this input, which rolls back.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        serve(sys.argv[1], int(sys.argv[2]), sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:  # the parent stopped reading: it is gone or gave up; rolled back
        os._exit(1)  # no flush of the broken pipe at exit
