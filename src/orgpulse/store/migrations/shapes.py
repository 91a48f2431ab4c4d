"""What several migrations build alike: a history-change table, a trend table's run key, and the
`*_current` BI view over a trend table.

Migrations are history: once a migration uses a block here, what the block builds never changes
(tests/test_migrations.py holds a fresh store to the declared schema); a new shape is a new block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from orgpulse.store.schema import UTCDateTime


def change_table(name: str, *columns: sa.Column[Any], unlimited: bool = False) -> None:
    """A table of one kind of changelog item, keyed by source, issue, history entry and item.

    `unlimited`: its ids as TEXT (the tables created after 0007); before, as VARCHAR(n)."""

    def text(length: int) -> sa.types.TypeEngine[str]:
        return sa.Text() if unlimited else sa.String(length=length)

    op.create_table(
        name,
        sa.Column("source", text(100), nullable=False),
        sa.Column("issue_id", text(64), nullable=False),
        sa.Column("history_id", text(64), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", text(128), nullable=True),
        *columns,
        sa.PrimaryKeyConstraint("source", "issue_id", "history_id", "item_index"),
    )


def run_id() -> sa.Column[str]:
    """A trend table's first key: the analysis run that wrote the row."""
    return sa.Column("run_id", sa.String(36), sa.ForeignKey("analysis_runs.run_id"), nullable=False)


def team_week_key(*, unlimited: bool = False) -> list[sa.Column[Any]]:
    """A trend table's keys for a team's ISO week: the run, the team, the week's Monday.

    `unlimited`: the team as TEXT (the tables created after 0007); before, as VARCHAR(200)."""
    team = sa.Column("team", sa.Text() if unlimited else sa.String(length=200), nullable=False)
    return [run_id(), team, sa.Column("week_start", sa.Date(), nullable=False)]


# The row of the run that wins each cell: a scheduled run over an ad-hoc one (a manual `analyze`
# never silently replaces the nightly numbers in a BI tool), then the latest completed one.
_RANKED = """
    SELECT {columns}, r.trigger AS run_trigger, r.as_of AS run_as_of, r.finished_at AS run_finished_at,
           ROW_NUMBER() OVER (
               PARTITION BY {partition}
               ORDER BY CASE WHEN r.trigger = 'schedule' THEN 0 ELSE 1 END, r.finished_at DESC, r.run_id DESC
           ) AS rank_in_cell
    FROM {table} t JOIN analysis_runs r ON r.run_id = t.run_id
    WHERE r.status = 'completed'
"""


def current_view(
    view: str, table: str, columns: Sequence[str], cell: Sequence[str], extra: Sequence[str] = ()
) -> None:
    """(Re)creates `view`: `columns` of `table` from the winning run of each `cell`, then `extra`
    expressions over them, then the run's trigger, as-of and finish time."""
    ranked = _RANKED.format(
        columns=", ".join(f"t.{c}" for c in columns),
        partition=", ".join(f"t.{c}" for c in cell),
        table=table,
    )
    outer = ", ".join([*columns, *extra, "run_trigger", "run_as_of", "run_finished_at"])
    op.execute(f"DROP VIEW IF EXISTS {view}")
    op.execute(f"CREATE VIEW {view} AS SELECT {outer} FROM ({ranked}) ranked WHERE rank_in_cell = 1")


def rebuild_sqlite_tables(tables: Sequence[str], edit: Callable[[str], str]) -> None:
    """SQLite: each of `tables` created anew from its own CREATE statement as `edit` rewrites it,
    its rows copied, the old table dropped and the new one renamed (SQLite changes neither a table's
    storage nor its constraints in place). Every view is dropped first and recreated from its own
    stored SQL after, unchanged: renaming a table re-reads every view, and a view naming a table
    that is gone for the moment would fail it. Nothing on other databases."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    views = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'view'").all()
    for name, _ in views:
        op.execute(f'DROP VIEW "{name}"')
    for table in tables:
        (create,) = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).one()
        columns = edit(create).partition("(")[2]
        op.execute(f'CREATE TABLE "{table}__rebuilt" ({columns}')
        op.execute(f'INSERT INTO "{table}__rebuilt" SELECT * FROM "{table}"')
        op.execute(f'DROP TABLE "{table}"')
        op.execute(f'ALTER TABLE "{table}__rebuilt" RENAME TO "{table}"')
    for _, sql in views:
        op.execute(sql)
