"""the narrow trend tables clustered on their key (SQLite WITHOUT ROWID)

A trend table's row is its key (run, team, week, and what keys further) and one or two numbers.
As a rowid table, SQLite stores each row twice: in the table and in its primary key's index, which
repeats the whole key. WITHOUT ROWID stores it once, in key order: half the pages for every run's
rows (a big organisation's analysis writes ~260,000 metric rows), a quarter less CPU to insert
them, and pruning a run deletes a range of the key. `symptom_trends` stays a rowid table: its rows
carry the evidence text, kilobytes each (SQLite advises WITHOUT ROWID for small rows only).

SQLite cannot change a table's storage in place: each table is rebuilt (`shapes.rebuild_sqlite_tables`).
PostgreSQL has no such storage choice: nothing to do there.
"""

from __future__ import annotations

from orgpulse.store.migrations.shapes import rebuild_sqlite_tables

revision, down_revision = "0017", "0016"

NARROW = (
    "metric_trends",
    "dependency_trends",
    "diagnosis_trends",
    "flow_trends",
    "status_time_trends",
    "cycle_time_trends",
    "intervention_effects",
)


def upgrade() -> None:
    rebuild_sqlite_tables(NARROW, lambda create: f"{_rowid(create)} WITHOUT ROWID")


def downgrade() -> None:
    rebuild_sqlite_tables(NARROW, _rowid)


def _rowid(create: str) -> str:
    return create.rstrip().removesuffix("WITHOUT ROWID").rstrip()
