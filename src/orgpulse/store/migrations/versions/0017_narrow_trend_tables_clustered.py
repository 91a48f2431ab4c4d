"""the narrow trend tables clustered on their key (SQLite WITHOUT ROWID)

A trend table's row is its key (run, team, week, and what keys further) and one or two numbers.
As a rowid table, SQLite stores each row twice: in the table and in its primary key's index, which
repeats the whole key. WITHOUT ROWID stores it once, in key order: half the pages for every run's
rows (a big organisation's analysis writes ~260,000 metric rows), a quarter less CPU to insert
them, and pruning a run deletes a range of the key. `symptom_trends` stays a rowid table: its rows
carry the evidence text, kilobytes each (SQLite advises WITHOUT ROWID for small rows only).

SQLite cannot change a table's storage in place: each table is rebuilt (created anew from its own
CREATE statement, rows copied, the old one dropped, the new renamed). The BI views over the trend
tables are dropped first and recreated from their own stored SQL after, unchanged: renaming a table
re-reads every view, and a view naming a table that is gone for the moment would fail it.
PostgreSQL has no such storage choice: nothing to do there.
"""

from __future__ import annotations

from alembic import op

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
    _rebuild(clustered=True)


def downgrade() -> None:
    _rebuild(clustered=False)


def _rebuild(*, clustered: bool) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    views = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'view'").all()
    for name, _ in views:
        op.execute(f'DROP VIEW "{name}"')
    for table in NARROW:
        (create,) = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).one()
        body = create.rstrip().removesuffix("WITHOUT ROWID").rstrip()
        columns = body.partition("(")[2]
        op.execute(f'CREATE TABLE "{table}__rebuilt" ({columns}' + (" WITHOUT ROWID" if clustered else ""))
        op.execute(f'INSERT INTO "{table}__rebuilt" SELECT * FROM "{table}"')
        op.execute(f'DROP TABLE "{table}"')
        op.execute(f'ALTER TABLE "{table}__rebuilt" RENAME TO "{table}"')
    for _, sql in views:
        op.execute(sql)
