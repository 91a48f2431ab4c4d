"""trend rows without a foreign key to their run

Each trend table's run_id referred to analysis_runs. PostgreSQL checks such a key row by row, with a
query and a row lock on the run: a big organisation's analysis appends ~450,000 trend rows, and the
checks made a third of the time its save takes (6.2-7.0 s against 4.2-4.4 s without them, ~430 teams).
SQLite never checked them (the store does not turn its foreign keys on). The rows are still
written only for a run that exists (`Store.start_run` commits it first, `Store.finish_run` marks it
completed in the same transaction as its rows) and pruned with it; the BI views join them to their
run as before.

SQLite keeps a table's constraints in its CREATE statement, and a foreign key changes nothing of
how its rows are stored: the statements are edited in place, as sqlite.org/lang_altertable.html
(section 7) describes for such changes, in the migration's transaction, and the schema version
moved on so every connection reads them again. No copy of the tables: a big store's trend rows
(gigabytes of evidence) would need as much free disk again. PostgreSQL drops the constraints by
the names it gave them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0018", "0017"

TRENDS = (
    "symptom_trends",
    "metric_trends",
    "dependency_trends",
    "diagnosis_trends",
    "flow_trends",
    "status_time_trends",
    "cycle_time_trends",
    "intervention_effects",
)
_KEY = "FOREIGN KEY(run_id) REFERENCES analysis_runs (run_id)"
_RUN_KEY = re.compile(r",\s*FOREIGN KEY\s*\(run_id\)\s*REFERENCES\s*analysis_runs\s*\(run_id\)")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _edit_sqlite_tables(lambda create: _RUN_KEY.sub("", create))
        return
    inspector = sa.inspect(conn)
    for table in TRENDS:
        for key in inspector.get_foreign_keys(table):
            if key["referred_table"] == "analysis_runs" and key["name"]:
                op.drop_constraint(key["name"], table, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _edit_sqlite_tables(_with_key)
        return
    for table in TRENDS:
        op.create_foreign_key(f"{table}_run_id_fkey", table, "analysis_runs", ["run_id"], ["run_id"])


def _edit_sqlite_tables(edit: Callable[[str], str]) -> None:
    conn = op.get_bind()
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    for table in TRENDS:
        create = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).scalar_one()
        conn.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (edit(create), table)
        )
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _with_key(create: str) -> str:
    """The CREATE statement with the run's foreign key last among its constraints."""
    body, close, rest = create.rpartition(")")
    return f"{body.rstrip()}, \n\t{_KEY}\n{close}{rest}"
