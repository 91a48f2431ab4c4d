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
from orgpulse.redact import Redactor

_WAIT_SECONDS = 60  # for the child to end after its input ends


class SqliteWriter:
    """Use as `with SqliteWriter(engine, busy_seconds) as write: write.ingest(...); write.commit()`."""

    def __init__(self, engine: sa.Engine, busy_seconds: int) -> None:
        self._dialect = engine.dialect
        child = Path(__file__).with_name("sqlite_writer_child.py")
        command = [sys.executable, str(child), str(engine.url.database), str(busy_seconds * 1000)]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._pending = 0  # requests sent, their answers not read yet

    def __enter__(self) -> SqliteWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self._close()

    def ingest(self, table: sa.Table, columns: Mapping[str, Sequence[Any]]) -> None:
        """Append the rows given column by column (name -> values); nothing when there are none."""
        names = list(columns)
        if not names or not len(columns[names[0]]):
            return
        rows = pa.table({name: self._array(table.c[name], columns[name]) for name in names})
        self._send({"ingest": table.name}, rows)

    def execute(self, statement: sa.Update) -> None:
        """Run an UPDATE in the transaction, its values bound as SQLAlchemy binds them."""
        compiled = statement.compile(dialect=self._dialect)
        params = compiled.construct_params()
        order: Sequence[str] = getattr(compiled, "positiontup", None) or ()
        values = [_stored(compiled.binds[name].type, self._dialect, params[name]) for name in order]
        self._send({"sql": compiled.string, "params": values})

    def commit(self) -> None:
        """Commit everything sent; StoreError, saying why, when any of it failed."""
        self._send({"commit": True})
        self._answers()

    def _array(self, column: sa.Column[Any], values: Sequence[Any]) -> pa.Array:
        kind = _arrow_type(column.type)
        process = column.type.dialect_impl(self._dialect).bind_processor(self._dialect)
        if process is None:
            return pa.array(values, kind)
        done: dict[Any, Any] = {}
        return pa.array([done[v] if v in done else done.setdefault(v, process(v)) for v in values], kind)

    def _send(self, request: dict[str, Any], rows: pa.Table | None = None) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(request).encode() + b"\n")
            if rows is not None:
                with pa.ipc.new_stream(stdin, rows.schema) as stream:
                    stream.write_table(rows)
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
                text = stdout.read(length).decode(errors="replace").strip().splitlines()
                line = Redactor([])(text[0] if text else "unknown error")
                raise StoreError(f"cannot write to the store: {line}")
            stopped = self._process.poll()
            raise StoreError(f"cannot write to the store: its writer process stopped (exit {stopped})")

    def _close(self) -> None:
        """End the child's input (without a commit, a rollback), wait for it, then drop its answers."""
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):  # a child that stopped: the pipe is broken
                self._process.stdin.close()
        try:
            self._process.wait(timeout=_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def _arrow_type(kind: sa.types.TypeEngine[Any]) -> pa.DataType:
    """The Arrow type of the values a column of SQL type `kind` stores on SQLite."""
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.Float):
        return pa.float64()
    if isinstance(kind, sa.Integer | sa.Boolean):
        return pa.int64()
    if isinstance(kind, sa.String | sa.Date | sa.DateTime):
        return pa.string()
    raise TypeError(f"no Arrow type for a {kind!r} column")


def _stored(kind: sa.types.TypeEngine[Any], dialect: sa.Dialect, value: Any) -> Any:
    process = kind.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None else value
