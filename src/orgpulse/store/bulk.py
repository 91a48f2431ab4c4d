"""Bulk upserts: one compiled INSERT ... ON CONFLICT per call, the rows sent by executemany or COPY.

SQLAlchemy's per-row work (parameter construction, type processing through the compiled cache)
was most of a page's write time. Here the statement is compiled once per call, each column's
own bind processor (the store's UTC datetimes, booleans) is applied to its values, text is
cleaned (`store.text`) only in text columns, and the rows go to the DBAPI cursor's executemany
in chunks. The SQL and the stored values are the ones SQLAlchemy would have produced. On
PostgreSQL a large call COPYs its rows into a temporary staging table and merges them with one
INSERT ... SELECT ... ON CONFLICT, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from operator import attrgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from orgpulse.store.schema import UTCDateTime
from orgpulse.store.text import clean_text, secrets_in_force

CHUNK = 2000
COPY_FROM = 500  # rows from which PostgreSQL gets them by COPY and one merge rather than executemany

Merge = Mapping[str, Callable[[Any, Any], Any]]
Column = list[Any]


def bulk_upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    keys: tuple[str, ...],
    *,
    merge: Merge | None = None,
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL, in chunks; text cleaned (store.text).

    Every row carries the same keys (those of the first row that are columns are written);
    `merge` says how a column combines the stored value with the new one (default: the new one).
    """
    if not rows:
        return
    names = [c.name for c in table.columns if c.name in rows[0]]
    bulk_upsert_columns(conn, table, {n: [row[n] for row in rows] for n in names}, keys, merge=merge)


def bulk_upsert_columns(
    conn: Connection,
    table: sa.Table,
    columns: Mapping[str, Column],
    keys: tuple[str, ...],
    *,
    merge: Merge | None = None,
) -> None:
    """`bulk_upsert` of rows given column by column: each named column's values, one per row."""
    names = [c.name for c in table.columns if c.name in columns]
    count = len(columns[names[0]]) if names else 0
    if not count:
        return
    if conn.dialect.name == "postgresql" and count >= COPY_FROM and _distinct_keys(columns, keys, count):
        _copy_then_merge(conn, table, names, keys, merge or {}, columns, count)
        return
    sql, order = _statement(conn, table, names, keys, merge or {})
    convert = _converters(conn, table, order)
    positional = bool(conn.dialect.positional)
    for start in range(0, count, CHUNK):
        params = _params(columns, start, convert, sql)
        named = params if positional else [dict(zip(order, p, strict=True)) for p in params]
        conn.exec_driver_sql(sql, named)


def _params(
    columns: Mapping[str, Column],
    start: int,
    convert: Sequence[tuple[str, Callable[[Column], Column]]],
    sql: str,
) -> list[tuple[Any, ...]]:
    """The driver's values of the rows from `start` (a chunk), one tuple per row in parameter order."""
    try:
        found = [to_driver(columns[name][start : start + CHUNK]) for name, to_driver in convert]
    except (TypeError, ValueError) as exc:  # a value the column refuses, as SQLAlchemy reports it
        raise sa.exc.StatementError(str(exc), sql, None, exc) from exc
    return list(zip(*found, strict=True))


def _distinct_keys(columns: Mapping[str, Column], keys: tuple[str, ...], count: int) -> bool:
    """Whether no two rows share a key: one INSERT ... SELECT may not update a row twice."""
    return len(set(zip(*(columns[k] for k in keys), strict=True))) == count


def _copy_then_merge(
    conn: Connection,
    table: sa.Table,
    names: Sequence[str],
    keys: tuple[str, ...],
    merge: Merge,
    columns: Mapping[str, Column],
    count: int,
) -> None:
    """PostgreSQL: the rows COPYed into a session's temporary staging table, then one INSERT ... SELECT
    ... ON CONFLICT into the table, in the caller's transaction (the staging rows go at its commit)."""
    stage_name = f"orgpulse_stage_{table.name}"
    stage = sa.Table(stage_name, sa.MetaData(), *(sa.Column(n, table.c[n].type) for n in names))
    conn.exec_driver_sql(
        f'CREATE TEMPORARY TABLE IF NOT EXISTS "{stage_name}" '
        f'(LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
    )
    conn.exec_driver_sql(f'TRUNCATE "{stage_name}"')
    convert = _converters(conn, table, names)
    listed = ", ".join(f'"{n}"' for n in names)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f'COPY "{stage_name}" ({listed}) FROM STDIN') as copy:
            for start in range(0, count, CHUNK):
                for values in _params(columns, start, convert, f"COPY {stage_name}"):
                    copy.write_row(values)
    finally:
        cursor.close()
    insert = postgresql.insert(table).from_select(list(names), sa.select(*(stage.c[n] for n in names)))
    conn.exec_driver_sql(str(_on_conflict(insert, table, names, keys, merge).compile(dialect=conn.dialect)))


def _statement(
    conn: Connection, table: sa.Table, names: Sequence[str], keys: tuple[str, ...], merge: Merge
) -> tuple[str, list[str]]:
    """The SQL text of the upsert and the column names in its parameter order."""
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).values({n: sa.bindparam(n, type_=table.c[n].type) for n in names})
    compiled = _on_conflict(stmt, table, names, keys, merge).compile(dialect=conn.dialect)
    order = list(compiled.positiontup or ()) if compiled.positional else list(names)
    return str(compiled), order


def _on_conflict(
    stmt: Any, table: sa.Table, names: Sequence[str], keys: tuple[str, ...], merge: Merge
) -> Any:
    """The insert made an upsert: on a key already stored, each column takes the new value (or its merge)."""
    updates: dict[str, Any] = {}
    for name in names:
        if name in keys:
            continue
        new = stmt.excluded[name]
        combine = merge.get(name)
        updates[name] = combine(table.c[name], new) if combine else new
    if updates:
        return stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
    return stmt.on_conflict_do_nothing(index_elements=list(keys))


def _converters(
    conn: Connection, table: sa.Table, order: Sequence[str]
) -> list[tuple[str, Callable[[Column], Column]]]:
    """For each parameter, its column name and what turns the records' values into the driver's."""
    found: list[tuple[str, Callable[[Column], Column]]] = []
    for name in order:
        column_type = table.c[name].type
        process = column_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if isinstance(column_type, UTCDateTime) and conn.dialect.name == "sqlite":
            found.append((name, _sqlite_utc_column))
        elif isinstance(column_type, sa.String):
            found.append((name, _text_column(process)))
        elif process is not None:
            found.append((name, _processed_column(process)))
        else:
            found.append((name, _same))
    return found


def _same(values: Column) -> Column:
    return values


def _text_column(process: Callable[[Any], Any] | None) -> Callable[[Column], Column]:
    def convert(values: Column) -> Column:
        try:
            text = "".join(values)
        except TypeError:  # None among them, or a value that is not text
            text = "".join([v for v in values if isinstance(v, str)])
        secrets = secrets_in_force()
        masked = secrets is not None and secrets.holds_secret(text)
        if masked or "\x00" in text or not text.isascii():  # else nothing to clean: checked at once
            values = [clean_text(v, secrets) if isinstance(v, str) else v for v in values]
        return values if process is None else [None if v is None else process(v) for v in values]

    return convert


def _sqlite_utc_column(values: Column) -> Column:
    """UTC datetimes as SQLite keeps them: the text UTCDateTime and SQLAlchemy's DATETIME write.

    A column of aware datetimes (a page's history times: hundreds of thousands) is converted by
    Arrow in one pass, which writes the same text as `_sqlite_utc_text` at a fraction of its cost;
    a column holding None, a naive datetime or a time Arrow would write otherwise (past year 9999
    once in UTC) goes value by value.
    """
    try:
        naive = None in map(_TZINFO, values)
    except AttributeError:  # None among the values
        naive = True
    if naive or len(values) < _ARROW_FROM:
        return _sqlite_utc_text(values)
    try:
        moments = pa.array(values, type=_AWARE_US)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return _sqlite_utc_text(values)
    text = moments.cast(_NAIVE_US).cast(pa.string())
    if pc.max(pc.utf8_length(text)).as_py() != len("0001-01-01 00:00:00.000000"):
        return _sqlite_utc_text(values)
    found: Column = text.to_pylist()
    return found


_TZINFO = attrgetter("tzinfo")
_ARROW_FROM = 64  # values from which Arrow's fixed cost pays
_AWARE_US = pa.timestamp("us", tz="UTC")
_NAIVE_US = pa.timestamp("us")


def _sqlite_utc_text(values: Column) -> Column:
    found: Column = []
    for value in values:
        if value is None:
            found.append(None)
            continue
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} reached the store")
        u = value.astimezone(UTC)
        found.append(
            "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # noqa: UP031 - the exact SQLite DATETIME format
            % (u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond)
        )
    return found


def _processed_column(process: Callable[[Any], Any]) -> Callable[[Column], Column]:
    def convert(values: Column) -> Column:
        return [None if v is None else process(v) for v in values]

    return convert
