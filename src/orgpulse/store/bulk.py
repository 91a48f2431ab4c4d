"""Bulk upserts: one compiled INSERT ... ON CONFLICT per call, its rows sent with the driver's executemany.

SQLAlchemy's per-row work (parameter construction, type processing through the compiled cache)
was most of a page's write time. Here the statement is compiled once per call, each column's
own bind processor (the store's UTC datetimes, booleans) is applied to its values, text is
cleaned (`store.text`) only in text columns, and the rows go to the DBAPI cursor's executemany
in chunks. The SQL and the stored values are the ones SQLAlchemy would have produced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from orgpulse.store.schema import UTCDateTime
from orgpulse.store.text import clean_text

CHUNK = 2000

Merge = Mapping[str, Callable[[Any, Any], Any]]


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
    sql, order = _statement(conn, table, names, keys, merge or {})
    convert = _converters(conn, table, order)
    positional = bool(conn.dialect.positional)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        try:
            columns = [convert_column([row[name] for row in chunk]) for name, convert_column in convert]
        except (TypeError, ValueError) as exc:  # a value the column refuses, as SQLAlchemy reports it
            raise sa.exc.StatementError(str(exc), sql, None, exc) from exc
        params = list(zip(*columns, strict=True))
        named = params if positional else [dict(zip(order, p, strict=True)) for p in params]
        conn.exec_driver_sql(sql, named)


def _statement(
    conn: Connection, table: sa.Table, names: Sequence[str], keys: tuple[str, ...], merge: Merge
) -> tuple[str, list[str]]:
    """The SQL text of the upsert and the column names in its parameter order."""
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).values({n: sa.bindparam(n, type_=table.c[n].type) for n in names})
    updates: dict[str, Any] = {}
    for name in names:
        if name in keys:
            continue
        new = stmt.excluded[name]
        combine = merge.get(name)
        updates[name] = combine(table.c[name], new) if combine else new
    stmt = (
        stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
        if updates
        else stmt.on_conflict_do_nothing(index_elements=list(keys))
    )
    compiled = stmt.compile(dialect=conn.dialect)
    order = list(compiled.positiontup or ()) if compiled.positional else list(names)
    return str(compiled), order


Column = list[Any]


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
        text = "".join(v for v in values if isinstance(v, str))
        if "\x00" in text or not text.isascii():  # else nothing to clean: the common case, checked at once
            values = [clean_text(v) if isinstance(v, str) else v for v in values]
        return values if process is None else [None if v is None else process(v) for v in values]

    return convert


def _sqlite_utc_column(values: Column) -> Column:
    """UTC datetimes as SQLite keeps them: the text UTCDateTime and SQLAlchemy's DATETIME write, faster."""
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
