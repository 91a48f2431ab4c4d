"""Query results as Arrow tables, column by column: no Python code runs per row.

PostgreSQL: the ADBC driver (`adbc-driver-postgresql`, libpq, binary COPY) returns Arrow batches.
SQLite: the rows come through Python's own `sqlite3` (C code), in batches turned into Arrow columns.
The ADBC SQLite driver is not used on purpose: it links its own copy of SQLite, and two copies in
one process break each other's POSIX locks on the same file (sqlite.org/howtocorrupt.html, 2.2.1) —
closing its connection deleted the WAL under the store's pooled connections.

A query is textual SQL with positional parameters; each column is cast to the Arrow type the
caller names. Times are stored as UTC text on SQLite and as timestamptz on PostgreSQL; both come out
as `timestamp[ns, UTC]`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from orgpulse.errors import StoreError

TIME = pa.timestamp("ns", tz="UTC")
_SQLITE_BATCH = 200_000


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
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql, list(params) if params or self.dialect == "sqlite" else None)
        except Exception as exc:
            raise StoreError(f"cannot read the store: {_first_line(exc)}") from exc
        finally:
            cursor.close()

    def rollback(self) -> None:
        self._conn.rollback()

    def table(self, sql: str, schema: Mapping[str, pa.DataType], params: Sequence[object] = ()) -> pa.Table:
        """The result with exactly the columns of `schema`, in its order and types."""
        cursor = self._conn.cursor()
        try:
            if self.dialect == "sqlite":
                cursor.execute(sql, list(params))
                result = _sqlite_table(cursor, [d[0] for d in cursor.description])
            else:
                cursor.execute(sql, list(params) if params else None)
                result = cursor.fetch_arrow_table()
        except Exception as exc:
            raise StoreError(f"cannot read the store: {_first_line(exc)}") from exc
        finally:
            cursor.close()
        return pa.table({name: _cast(result.column(name), kind) for name, kind in schema.items()})


@contextmanager
def arrow_reader(engine: sa.Engine) -> Iterator[ArrowReader]:
    """A driver connection to the database `engine` points at, closed on exit."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        pooled = engine.raw_connection()
        try:
            yield ArrowReader(pooled.driver_connection, "sqlite")
        finally:
            pooled.close()
        return
    try:
        if url.get_backend_name() == "postgresql":
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


def _sqlite_table(cursor: Any, names: list[str]) -> pa.Table:
    """The cursor's rows as an Arrow table, built a batch of rows at a time."""
    batches = []
    while rows := cursor.fetchmany(_SQLITE_BATCH):
        columns = list(zip(*rows, strict=True))
        batches.append(pa.table({name: _column(values) for name, values in zip(names, columns, strict=True)}))
    if not batches:
        return pa.table({name: pa.nulls(0) for name in names})
    return pa.concat_tables(batches, promote_options="permissive")


def _column(values: tuple[object, ...]) -> pa.Array:
    """One SQLite column: its values' own type (text, integer, real), NULL-only as null."""
    return pa.array(values, from_pandas=False)


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
