"""A run's trend rows written in one transaction (`write_run`), the way the store is reached.

A SQLite file: by its writer process (`store.sqlite_writer`); PostgreSQL: by binary COPY on a
thread (`store.postgres_writer`); an in-memory SQLite store: by SQLAlchemy's INSERTs. Each table's
rows are made when it is written (a function making them), while the table before is written.

The commit is asked for last, after `meanwhile`: the caller's own work (the CLI makes its output)
runs while the writer finishes the rows sent, and a failure of it leaves nothing committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from orgpulse.store.inserts import Rows, by_column, insert_columns
from orgpulse.store.postgres_writer import PostgresWriter
from orgpulse.store.sqlite_writer import SqliteWriter, is_sqlite_file

Made = Rows | Callable[[], Mapping[str, Sequence[Any]]]


def write_run(
    engine: sa.Engine,
    tables: Sequence[tuple[sa.Table, Made]],
    completed: sa.Update,
    *,
    busy_seconds: int,
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """Append each table's rows, in order, then run `completed` (the run's row marked completed),
    then `meanwhile` (if given), then commit; nothing is kept when any of it fails."""
    writer: SqliteWriter | PostgresWriter | None = None
    if is_sqlite_file(engine):
        writer = SqliteWriter(engine, busy_seconds)
    elif engine.dialect.name == "postgresql":
        writer = PostgresWriter(engine)
    if writer is not None:
        with writer as write:
            for table, rows in tables:
                write.ingest(table, columns_of(rows))
            write.execute(completed)
            if meanwhile is not None:
                meanwhile()
            write.commit()
        return
    with engine.begin() as conn:  # an in-memory SQLite store
        for table, rows in tables:
            insert_columns(conn, table, columns_of(rows))
        conn.execute(completed)
        if meanwhile is not None:
            meanwhile()


def columns_of(rows: Made) -> Mapping[str, Sequence[Any]]:
    """A table's rows given as `write_run` takes them, column by column."""
    if callable(rows):
        return rows()
    return rows if isinstance(rows, Mapping) else by_column(rows)
