"""Query results as Arrow tables, column by column: no Python code runs per row.

PostgreSQL: the ADBC driver (`adbc-driver-postgresql`, libpq, binary COPY) returns Arrow batches.
SQLite: the ADBC SQLite driver, in a child process (`store/arrow_child.py`), which sends its Arrow
tables back as an IPC stream: the driver links its own copy of SQLite, and two copies in one
process break each other's POSIX locks on the same file (sqlite.org/howtocorrupt.html, 2.2.1) —
closing its connection in the analysing process deleted the WAL under the store's pooled
connections. Python's own `sqlite3` made a Python object of every value: four times the CPU.

A query is textual SQL with positional parameters; each column is cast to the Arrow type the
caller names. Times are stored as UTC text on SQLite and as timestamptz on PostgreSQL; both come out
as `timestamp[ns, UTC]`.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from orgpulse.errors import StoreError

TIME = pa.timestamp("ns", tz="UTC")


class Read(NamedTuple):
    """One query of `ArrowReader.tables`: its SQL, the columns it gives, its positional parameters."""

    sql: str
    schema: Mapping[str, pa.DataType]
    params: Sequence[object] = ()


class ArrowReader:
    """Runs queries on one driver connection; use as `with arrow_reader(engine) as read: ...`."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self._conn = connection
        self.dialect = dialect

    def param(self, index: int) -> str:
        """The placeholder of the `index`-th (1-based) positional parameter in this dialect."""
        return f"${index}" if self.dialect == "postgresql" else "?"

    def time_param(self, moment: datetime) -> object:
        """A bound value comparable with a stored time column."""
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment!r} used as a bound")
        utc = moment.astimezone(UTC)
        # SQLAlchemy's SQLite DateTime stores this exact text; text order is time order.
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self.dialect == "sqlite" else utc

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """Run a statement that returns no rows (a temporary table of the reads)."""
        self._run(sql, params, rows=False)

    def rollback(self) -> None:
        self._conn.rollback()

    def table(self, sql: str, schema: Mapping[str, pa.DataType], params: Sequence[object] = ()) -> pa.Table:
        """The result with exactly the columns of `schema`, in its order and types."""
        return _typed(self._run(sql, params, rows=True), schema)

    def tables(self, reads: Sequence[Read]) -> Iterator[pa.Table]:
        """`table` of each read, in order. A SQLite store's reader process is sent them all at once:
        it runs the next query while this process takes in (and the caller uses) the last answer."""
        if not isinstance(self._conn, _SqliteChild):
            yield from (self.table(*read) for read in reads)
            return
        self._conn.send([(read.sql, list(read.params), True) for read in reads])
        for read in reads:
            yield _typed(self._conn.receive(), read.schema)

    def _run(self, sql: str, params: Sequence[object], *, rows: bool) -> pa.Table:
        if isinstance(self._conn, _SqliteChild):
            return self._conn.run(sql, list(params), rows=rows)
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql, list(params) if params else None)
            return cursor.fetch_arrow_table() if rows else pa.table({})
        except Exception as exc:
            raise StoreError(f"cannot read the store: {_first_line(exc)}") from exc
        finally:
            cursor.close()


_started: dict[str, subprocess.Popen[bytes]] = {}  # by database file: reader processes started early


def start_reader(url: str) -> None:
    """Start the reader process of the SQLite store at `url` now, for the next `arrow_reader` of it
    to take: its start-up (pyarrow, the driver: ~0.4 s CPU) then runs on another core while the
    caller imports the analysis. Nothing for other stores, nor for a file that does not exist yet."""
    parsed = sa.engine.make_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and Path(database).is_file():
        _started.setdefault(database, _spawn(database))


def _spawn(database: str) -> subprocess.Popen[bytes]:
    child = Path(__file__).with_name("arrow_child.py")
    return subprocess.Popen(
        [sys.executable, str(child), database], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )


class _SqliteChild:
    """The child process reading a SQLite store (`arrow_child.py`), as a connection: the one
    `start_reader` started for this database if any (once), else a new one."""

    def __init__(self, database: str) -> None:
        started = _started.pop(database, None)
        self._process = started if started is not None and started.poll() is None else _spawn(database)
        self._pending: deque[bool] = deque()  # requests sent, answers not taken: whether each has rows

    def run(self, sql: str, params: list[object], *, rows: bool) -> pa.Table:
        self.send([(sql, params, rows)])
        return self.receive()

    def rollback(self) -> None:
        self._drain()
        self._write([{"rollback": True}])
        self._pending.append(False)
        self.receive()

    def send(self, queries: Sequence[tuple[str, list[object], bool]]) -> None:
        """Queue queries (sql, params, whether it returns rows); `receive` takes their answers in order."""
        self._drain()
        self._write([{"sql": sql, "params": params, "rows": rows} for sql, params, rows in queries])
        self._pending.extend(rows for _, _, rows in queries)

    def receive(self) -> pa.Table:
        """The answer to the oldest query sent and not received (an empty table for one without rows)."""
        rows = self._pending.popleft()
        stdout = self._process.stdout
        if stdout is None:
            raise StoreError("cannot read the store: its reader process has no pipes")
        try:
            status = stdout.read(1)
            if status == b"\x01":
                (length,) = struct.unpack(">I", stdout.read(4))
                text = stdout.read(length).decode(errors="replace")
                raise StoreError(f"cannot read the store: {_first_line(RuntimeError(text))}")
            if status != b"\x00":
                self._pending.clear()  # nothing more comes from a process that stopped
                stopped = self._process.poll()
                raise StoreError(f"cannot read the store: its reader process stopped (exit {stopped})")
            return pa.ipc.open_stream(stdout).read_all() if rows else pa.table({})
        except (OSError, struct.error, pa.ArrowInvalid) as exc:
            self._pending.clear()
            raise StoreError(f"cannot read the store: its reader process stopped ({exc})") from exc

    def _drain(self) -> None:
        """Take the answers a failed or abandoned batch left, so the next answer read is the next asked."""
        while self._pending:
            try:
                self.receive()
            except StoreError:
                continue

    def _write(self, requests: list[dict[str, Any]]) -> None:
        stdin = self._process.stdin
        if stdin is None:
            raise StoreError("cannot read the store: its reader process has no pipes")
        try:
            stdin.write(b"".join(json.dumps(request).encode() + b"\n" for request in requests))
            stdin.flush()
        except OSError as exc:
            raise StoreError(f"cannot read the store: its reader process stopped ({exc})") from exc

    def close(self) -> None:
        if self._pending:  # a batch abandoned (an error, an interrupt): its answers are not waited for
            self._process.kill()
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


@contextmanager
def arrow_reader(engine: sa.Engine) -> Iterator[ArrowReader]:
    """A driver connection to the database `engine` points at, closed on exit."""
    url = engine.url
    try:
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                raise StoreError("no Arrow reader for an in-memory SQLite store")
            connection: Any = _SqliteChild(url.database)
        elif url.get_backend_name() == "postgresql":
            import adbc_driver_postgresql.dbapi as postgres_driver

            libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
            connection = postgres_driver.connect(libpq)
        else:
            raise StoreError(f"no Arrow reader for {url.get_backend_name()} stores (SQLite, PostgreSQL)")
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"cannot open an Arrow connection to the store: {_first_line(exc)}") from exc
    try:
        yield ArrowReader(connection, url.get_backend_name())
    finally:
        connection.close()


def _typed(result: pa.Table, schema: Mapping[str, pa.DataType]) -> pa.Table:
    return pa.table({name: _cast(result.column(name), kind) for name, kind in schema.items()})


def _cast(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    if column.type == kind:
        return column
    if pa.types.is_timestamp(kind):
        if pa.types.is_timestamp(column.type):
            return column.cast(kind)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            # SQLite text "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (older rows may carry "+00:00").
            text = pc.utf8_slice_codeunits(column, 0, 26)
            return pc.cast(text, pa.timestamp("ns")).cast(kind)
        return pa.nulls(len(column), kind) if column.null_count == len(column) else column.cast(kind)
    if column.null_count == len(column):
        return pa.chunked_array([pa.nulls(len(column), kind)], kind)
    return column.cast(kind)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
