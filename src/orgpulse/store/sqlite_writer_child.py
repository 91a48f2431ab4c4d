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

import json
import os
import signal
import struct
import sys
from typing import Any, BinaryIO

import adbc_driver_sqlite.dbapi as sqlite_driver
import pyarrow as pa

_TEXT_LIMIT = 2000  # the error text sent back: a driver's first lines, never a whole statement


def serve(database: str, busy_ms: int, requests: BinaryIO, answers: BinaryIO) -> None:
    connection = sqlite_driver.connect(database, autocommit=True)
    try:
        cursor = connection.cursor()
        # The store's own connection settings (store.core): wait for another writer's lock rather
        # than fail, and no sync of the WAL at each commit (WAL mode keeps the store consistent).
        for pragma in (f"busy_timeout={busy_ms}", "synchronous=NORMAL", "cache_size=-65536"):
            cursor.execute(f"PRAGMA {pragma}")
        connection.adbc_connection.set_autocommit(False)
        for line in requests:
            try:
                _handle(connection, cursor, json.loads(line), requests)
            except (sqlite_driver.Error, pa.ArrowException, KeyError, TypeError, ValueError) as exc:
                text = (str(exc).strip() or type(exc).__name__).encode()[:_TEXT_LIMIT]
                answers.write(b"\x01" + struct.pack(">I", len(text)) + text)
                answers.flush()
                return  # the finally rolls back: nothing of this transaction is kept
            answers.write(b"\x00")
            answers.flush()
    finally:
        connection.close()  # without a commit: rolled back


def _handle(connection: Any, cursor: Any, request: dict[str, Any], requests: BinaryIO) -> None:
    if "ingest" in request:
        rows = pa.ipc.open_stream(requests)
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
