"""Appending a big run of rows to a SQLite store from another process (`sqlite_writer_child.py`).

An analysis of a big organisation appends hundreds of thousands of trend rows. Bound by Python's
`sqlite3` one value at a time, they cost seconds of the analysing process; sent as Arrow columns to
a child that ingests them through the ADBC driver, SQLite's work runs on the other core while this
process makes the next table's rows, and binding them costs no Python per value.

The values are first made what SQLAlchemy would store (each column type's bind processor: a date
as ISO text, a time as the store's UTC text), then typed by the column's SQL type, so a row reads
back the same whichever way it was written. Everything goes in one transaction: `commit` ends it;
leaving the `with` block without it (an error, an interrupt) rolls it back, and the child is gone
before the block is left, its lock released.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import struct
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from orgpulse.errors import StoreError
from orgpulse.store.errors import driver_error_line
from orgpulse.store.inserts import arrow_column, positional

_WAIT_SECONDS = 60  # for the child to end after its input ends
_SLICE_ROWS = 50_000


_started: dict[tuple[str, int], subprocess.Popen[bytes]] = {}  # writers started early, by database


def start_writer(engine: sa.Engine, busy_seconds: int) -> None:
    """Start the writer process of the SQLite file `engine` points at now, for the next
    `SqliteWriter` of it to take: its start-up (pyarrow, the driver) then runs while the caller
    analyses, not while the rows wait. It opens no transaction until it is given rows."""
    if is_sqlite_file(engine):
        key = (str(engine.url.database), busy_seconds)
        if key not in _started or _started[key].poll() is not None:
            _started[key] = _spawn(*key)


def is_sqlite_file(engine: sa.Engine) -> bool:
    database = engine.url.database
    return engine.dialect.name == "sqlite" and bool(database) and database != ":memory:"


def _spawn(database: str, busy_seconds: int) -> subprocess.Popen[bytes]:
    child = Path(__file__).with_name("sqlite_writer_child.py")
    command = [sys.executable, str(child), database, str(busy_seconds * 1000)]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)


class SqliteWriter:
    """Use as `with SqliteWriter(engine, busy_seconds) as write: write.ingest(...); write.commit()`:
    the writer `start_writer` started for this database if any (once), else a new one."""

    def __init__(self, engine: sa.Engine, busy_seconds: int) -> None:
        self._dialect = engine.dialect
        _wait_finishing()  # one writer at a time: the one before has moved its rows
        key = (str(engine.url.database), busy_seconds)
        started = _started.pop(key, None)
        self._process = started if started is not None and started.poll() is None else _spawn(*key)
        self._pending = 0  # requests sent, their answers not read yet
        self._committed = False

    def __enter__(self) -> SqliteWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self._close()

    def ingest(self, table: sa.Table, columns: Mapping[str, Sequence[Any]]) -> None:
        """Append the rows given column by column (name -> values); nothing when there are none."""
        names = list(columns)
        if not names or not len(columns[names[0]]):
            return
        self._send({"ingest": table.name}, [(table.c[name], columns[name]) for name in names])

    def execute(self, statement: sa.Update) -> None:
        """Run an UPDATE in the transaction, its values bound as SQLAlchemy binds them."""
        sql, values = positional(statement, self._dialect, self._dialect)
        self._send({"sql": sql, "params": values})

    def commit(self) -> None:
        """Commit everything sent; StoreError, saying why, when any of it failed."""
        self._send({"commit": True})
        self._answers()
        self._committed = True

    def _array(self, column: sa.Column[Any], values: Sequence[Any]) -> pa.Array:
        return arrow_column(column, values, self._dialect, _arrow_type(column.type))

    def _send(
        self, request: dict[str, Any], columns: Sequence[tuple[sa.Column[Any], Sequence[Any]]] = ()
    ) -> None:
        """`request`, then the rows of `columns` as an Arrow stream, a slice of rows at a time (never
        a second copy of a big table here)."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(request).encode() + b"\n")
            if columns:
                schema = pa.schema([(column.name, _arrow_type(column.type)) for column, _ in columns])
                with pa.ipc.new_stream(stdin, schema) as stream:
                    for start in range(0, len(columns[0][1]), _SLICE_ROWS):
                        arrays = [self._array(c, v[start : start + _SLICE_ROWS]) for c, v in columns]
                        stream.write_batch(pa.record_batch(arrays, schema=schema))
            stdin.flush()
        except OSError:  # the child stopped: its answers say why
            self._answers()
            raise StoreError("cannot write to the store: its writer process stopped") from None
        self._pending += 1

    def _answers(self) -> None:
        """Read the answers of the requests sent; StoreError at the first failure."""
        stdout = self._process.stdout
        assert stdout is not None
        while self._pending:
            status = stdout.read(1)
            self._pending -= 1
            if status == b"\x00":
                continue
            if status == b"\x01":
                (length,) = struct.unpack(">I", stdout.read(4))
                text = stdout.read(length).decode(errors="replace")
                raise StoreError(f"cannot write to the store: {driver_error_line(text)}")
            stopped = self._process.poll()
            raise StoreError(f"cannot write to the store: its writer process stopped (exit {stopped})")

    def _close(self) -> None:
        """End the child's input, then drop its answers. Without a commit it rolls back at once, and
        is waited for: its lock is gone when the block is left. After a commit it moves the rows it
        wrote from the WAL into the database file, which holds nobody up: it is waited for when the
        next writer starts, or when this process ends."""
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):  # a child that stopped: the pipe is broken
                self._process.stdin.close()
        if self._process.stdout is not None:
            self._process.stdout.close()
        if self._committed:
            _finishing.append(self._process)
        else:
            _wait(self._process)


_finishing: list[subprocess.Popen[bytes]] = []  # writers done, still checkpointing


@atexit.register
def _wait_finishing() -> None:
    while _finishing:
        _wait(_finishing.pop())


def _wait(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _arrow_type(kind: sa.types.TypeEngine[Any]) -> pa.DataType:
    """The Arrow type of the values a column of SQL type `kind` stores on SQLite."""
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.Float):
        return pa.float64()
    if isinstance(kind, sa.Integer | sa.Boolean):
        return pa.int64()
    if isinstance(kind, sa.String | sa.Date | sa.DateTime):
        return pa.large_string()  # 64-bit offsets: a run's evidence text may pass 2 GB
    raise TypeError(f"no Arrow type for a {kind!r} column")
