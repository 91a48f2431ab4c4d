"""The SQLite side of `store.arrow`, run as a child process: `python arrow_child.py DATABASE`.

It reads with the ADBC SQLite driver (Arrow columns straight from SQLite's C API) in a process of its
own: the driver links its own copy of SQLite, and two copies in one process break each other's
POSIX locks on the same file (sqlite.org/howtocorrupt.html, 2.2.1); across processes the locks work
as SQLite means them to. It imports neither orgpulse nor pandas: it starts in a fraction of a second.

Requests come on stdin, one JSON line each: {"sql": ..., "params": [...], "rows": true|false} or
{"rollback": true}. Each answer on stdout is one byte, then: for 0 (done) with rows, an Arrow IPC
stream of the result; for 1 (failed), a 4-byte big-endian length and the error text in UTF-8. One
connection, one transaction: every read sees the same snapshot of the store.
"""

from __future__ import annotations

import json
import struct
import sys
from typing import Any, BinaryIO

import pyarrow as pa
from child_driver import sqlite_driver  # its sibling: this file runs as a script

# The driver infers each column's type from the first batch: one batch of all rows types a column
# that is NULL in its first thousand rows by its values, not as a NULL column.
_BATCH_ROWS = str(10**9)
# The store's own connections' busy timeout (store.core), set first: the cache size reads the schema,
# which fails at once without it while another connection holds the file's lock (the last connection
# of a run that just ended checkpointing the WAL: "database is locked", seen between two bench runs).
_BUSY_PRAGMA = "PRAGMA busy_timeout=30000"
# The page cache of the store's own connections (store.core): SQLite's default 2 MB re-reads the pages
# of the indexes a bounded read probes (its primary keys, the history index) from the OS cache, page
# by page, one system call each.
_CACHE_PRAGMA = "PRAGMA cache_size=-65536"


def serve(database: str, requests: BinaryIO, answers: BinaryIO) -> None:
    connection = sqlite_driver.connect(database)
    cursor = connection.cursor()
    cursor.execute(_BUSY_PRAGMA)
    cursor.execute(_CACHE_PRAGMA)
    cursor.close()
    try:
        for line in requests:
            request: dict[str, Any] = json.loads(line)
            try:
                if request.get("rollback"):
                    connection.rollback()
                    answers.write(b"\x00")
                else:
                    _answer(connection, request, answers)
            except (sqlite_driver.Error, pa.ArrowException, KeyError, TypeError, ValueError) as exc:
                text = (str(exc).strip() or type(exc).__name__).encode()
                answers.write(b"\x01" + struct.pack(">I", len(text)) + text)
            answers.flush()
    finally:
        connection.close()


def _answer(connection: Any, request: dict[str, Any], answers: BinaryIO) -> None:
    cursor = connection.cursor()
    try:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": _BATCH_ROWS})
        cursor.execute(request["sql"], request["params"])
        table = cursor.fetch_arrow_table() if request["rows"] else None
    finally:
        cursor.close()
    answers.write(b"\x00")
    if table is not None:
        with pa.ipc.new_stream(answers, table.schema) as stream:
            stream.write_table(table)


if __name__ == "__main__":
    serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
