"""Appending a big run of rows to a PostgreSQL store as Arrow columns (the ADBC driver's binary COPY).

psycopg's COPY takes a Python row at a time: a big organisation's ~450,000 trend rows cost seconds
of the analysing process, and the server's work on them (keys, TOAST) waited for it. Here each
table's rows go as Arrow columns through the ADBC driver (`adbc-driver-postgresql`, libpq's binary
COPY), on a thread of this process while it makes the next table's rows: the driver's calls let
the interpreter go, and the server works in its own process meanwhile.

One connection, one transaction: `commit` ends it; leaving the `with` block without it (an error,
an interrupt) rolls it back, after the COPY under way ends. Binary COPY takes each value in its
column's exact type (an int8 is refused for an integer column), so each column's Arrow type is
its SQL type's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from orgpulse.errors import StoreError
from orgpulse.store.errors import driver_error_line
from orgpulse.store.inserts import arrow_column, positional

_SLICE_ROWS = 50_000
# Whether this server compresses TOAST with lz4 (PostgreSQL 14 on, when built with it).
_LZ4 = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


class PostgresWriter:
    """Use as `with PostgresWriter(engine) as write: write.ingest(...); write.commit()`."""

    def __init__(self, engine: sa.Engine) -> None:
        import adbc_driver_postgresql.dbapi as postgres_driver

        libpq = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._dialect = engine.dialect
        try:
            self._conn = postgres_driver.connect(libpq)
            try:
                _compress_fast(self._conn)
            except postgres_driver.Error:
                self._conn.close()
                raise
        except postgres_driver.Error as exc:
            raise StoreError(f"cannot write to the store: {driver_error_line(str(exc))}") from None
        self._error = postgres_driver.Error
        self._work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orgpulse-writer")
        self._sent: list[Future[None]] = []
        self._committed = False

    def __enter__(self) -> PostgresWriter:
        return self

    def __exit__(self, *_: object) -> None:
        for sent in self._sent:
            sent.cancel()
        self._work.shutdown(wait=True)  # the COPY under way ends first: one thread on the connection
        try:
            if not self._committed:
                self._conn.rollback()
        except self._error:
            pass  # a lost connection: its transaction is gone with it
        finally:
            self._conn.close()

    def ingest(self, table: sa.Table, columns: Mapping[str, Sequence[Any]]) -> None:
        """Append the rows given column by column (name -> values); nothing when there are none."""
        names = list(columns)
        if not names or not len(columns[names[0]]):
            return
        schema = pa.schema([(name, _arrow_type(table.c[name].type)) for name in names])
        count = len(columns[names[0]])

        def batches() -> Iterator[pa.RecordBatch]:  # made as COPY takes them: one slice in memory
            for start in range(0, count, _SLICE_ROWS):
                part = {name: columns[name][start : start + _SLICE_ROWS] for name in names}
                yield pa.record_batch([self._array(table.c[n], part[n]) for n in names], schema=schema)

        rows = pa.RecordBatchReader.from_batches(schema, batches())
        self._submit(lambda cursor: cursor.adbc_ingest(table.name, rows, mode="append"))

    def execute(self, statement: sa.Update) -> None:
        """Run an UPDATE in the transaction, its values bound as SQLAlchemy binds them."""
        dollars = postgresql.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
        sql, values = positional(statement, dollars, self._dialect)
        self._submit(lambda cursor: cursor.execute(sql, values))

    def commit(self) -> None:
        """Commit everything sent; StoreError, saying why, when any of it failed."""
        for sent in self._sent:
            sent.result()
        try:
            self._conn.commit()
        except self._error as exc:
            raise StoreError(f"cannot write to the store: {driver_error_line(str(exc))}") from None
        self._committed = True

    def _submit(self, call: Callable[[Any], object]) -> None:
        """Run `call` with a cursor on the writing thread, after what was sent before; a failure
        is raised here at the next request, or by `commit`."""
        for sent in self._sent:
            if sent.done():
                sent.result()

        def run() -> None:
            cursor = self._conn.cursor()
            try:
                call(cursor)
            except self._error as exc:
                raise StoreError(f"cannot write to the store: {driver_error_line(str(exc))}") from None
            finally:
                cursor.close()

        self._sent.append(self._work.submit(run))

    def _array(self, column: sa.Column[Any], values: Sequence[Any]) -> pa.Array:
        return arrow_column(column, values, self._dialect, _arrow_type(column.type))


def _arrow_type(kind: sa.types.TypeEngine[Any]) -> pa.DataType:
    """The Arrow type binary COPY takes for a column of SQL type `kind` on PostgreSQL."""
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.Float):
        return pa.float64()  # FLOAT is double precision
    if isinstance(kind, sa.BigInteger):
        return pa.int64()
    if isinstance(kind, sa.Integer):
        return pa.int32()
    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, sa.Date):
        return pa.date32()
    if isinstance(kind, sa.String):
        return pa.large_string()
    raise TypeError(f"no Arrow type for a {kind!r} column")


def _compress_fast(conn: Any) -> None:
    """The long texts this connection writes compressed with lz4 where the server has it, not pglz
    (its default): a 1M-issue run's evidence, 491 MB of JSON, took the server 4.9 s to compress
    with pglz, which the analysis waited for at commit; 1.2 s with lz4, 16% larger (90 MB, not 77).
    Values already stored keep their compression; every reader decompresses either."""
    cursor = conn.cursor()
    try:
        cursor.execute(_LZ4)
        row = cursor.fetchone()
        if row is not None and row[0]:
            cursor.execute("SET default_toast_compression = lz4")
    finally:
        cursor.close()
