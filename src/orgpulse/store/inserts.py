"""Bulk INSERTs of rows given column by column through the driver's executemany, with no per-row
SQLAlchemy statement handling: the trend tables' writer for an in-memory SQLite store (a SQLite file
and PostgreSQL are written as Arrow columns: `store.sqlite_writer`, `store.postgres_writer`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

Rows = Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]


def by_column(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Rows (all with the keys of the first) as columns."""
    return {name: [row[name] for row in rows] for name in rows[0]} if rows else {}


def insert_columns(conn: sa.Connection, table: sa.Table, columns: Mapping[str, Sequence[Any]]) -> None:
    """INSERT the rows given column by column through the driver's executemany, each value through
    its column type's own bind processor, once per distinct value where the values repeat (dates,
    names): SQLAlchemy's per-row statement handling costs several times the database's work."""
    names = list(columns)
    if not names or not len(columns[names[0]]):
        return
    processed: dict[str, Sequence[Any]] = {}
    for name in names:
        values = columns[name]
        if isinstance(values, pa.Array | pa.ChunkedArray):  # a column made by Arrow (the evidence text)
            values = values.to_pylist()
        process = _processor(table.c[name].type, conn.dialect)
        processed[name] = _processed(values, process) if process else values
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=names)
    if compiled.positional:
        order = list(compiled.positiontup or ())
        params: list[Any] = list(zip(*(processed[name] for name in order), strict=True))
    else:
        params = [dict(zip(names, values, strict=True)) for values in zip(*processed.values(), strict=True)]
    conn.exec_driver_sql(compiled.string, params)


def _processed(values: Sequence[Any], process: Callable[[Any], Any]) -> list[Any]:
    """`process` of each value, computed once per distinct value (all hashable: dates, text, numbers)."""
    try:
        done = {value: process(value) for value in set(values)}
    except TypeError:  # an unhashable value: one call per value
        return [process(value) for value in values]
    return [done[value] for value in values]


def arrow_column(
    column: sa.Column[Any], values: Sequence[Any], dialect: sa.Dialect, kind: pa.DataType
) -> pa.Array:
    """`values` of `column` as an Arrow array of `kind`, each made what SQLAlchemy would bind for
    `dialect` (its type's bind processor, once per distinct value: dates, names repeat): the Arrow
    writers store what an INSERT through SQLAlchemy would. A column made by Arrow already (the
    evidence text) is taken as it is where no processor applies."""
    process = _processor(column.type, dialect)
    if isinstance(values, pa.ChunkedArray):  # a slice of it: one chunk's slice is taken as it is
        values = values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    if isinstance(values, pa.Array):
        if process is None:
            return values.cast(kind)
        values = values.to_pylist()
    if process is None:
        return pa.array(values, kind)
    return pa.array(_processed(values, process), kind)


def bound(kind: sa.types.TypeEngine[Any], dialect: sa.Dialect, value: Any) -> Any:
    """`value` as SQLAlchemy binds it for a column of type `kind` on `dialect`."""
    process = _processor(kind, dialect)
    return process(value) if process is not None else value


def _processor(kind: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    """The bind processor SQLAlchemy runs on a value of type `kind` for `dialect` (None: as it is)."""
    return kind.dialect_impl(dialect).bind_processor(dialect)


def positional(statement: sa.Update, compile_for: sa.Dialect, bind_for: sa.Dialect) -> tuple[str, list[Any]]:
    """`statement` as SQL text with positional parameters (`compile_for`'s style), and their values as
    SQLAlchemy binds them on `bind_for`: for a driver connection outside SQLAlchemy."""
    compiled = statement.compile(dialect=compile_for)
    params = compiled.construct_params()
    order: Sequence[str] = getattr(compiled, "positiontup", None) or ()
    return compiled.string, [bound(compiled.binds[name].type, bind_for, params[name]) for name in order]
