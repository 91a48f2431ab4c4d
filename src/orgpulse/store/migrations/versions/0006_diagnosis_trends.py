"""diagnosis trend tables (levers, flow, status time, intervention effects) and their current views

Each table is append-only per analysis run, like symptom_trends; each `*_current` view gives the
row of the latest completed run per cell, a scheduled run winning over an ad-hoc one (0004).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_RANKED = """
    SELECT {columns}, r.trigger AS run_trigger, r.as_of AS run_as_of, r.finished_at AS run_finished_at,
           ROW_NUMBER() OVER (
               PARTITION BY {partition}
               ORDER BY CASE WHEN r.trigger = 'schedule' THEN 0 ELSE 1 END, r.finished_at DESC, r.run_id DESC
           ) AS rank_in_cell
    FROM {table} t JOIN analysis_runs r ON r.run_id = t.run_id
    WHERE r.status = 'completed'
"""

VIEWS = {
    "diagnosis_trends_current": (
        "diagnosis_trends",
        ["run_id", "team", "week_start", "lever", "state", "cost_hours", "confidence"],
        ["team", "week_start", "lever"],
    ),
    "flow_trends_current": (
        "flow_trends",
        ["run_id", "team", "week_start", "metric", "value"],
        ["team", "week_start", "metric"],
    ),
    "status_time_trends_current": (
        "status_time_trends",
        ["run_id", "team", "week_start", "status", "hours", "share"],
        ["team", "week_start", "status"],
    ),
    "intervention_effects_current": (
        "intervention_effects",
        ["run_id", "intervention", "team", "metric", '"before"', '"after"', "p_value", "outcome"],
        ["intervention", "team", "metric"],
    ),
}


def _run_id() -> sa.Column[str]:
    return sa.Column("run_id", sa.String(36), sa.ForeignKey("analysis_runs.run_id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "diagnosis_trends",
        _run_id(),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("lever", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("cost_hours", sa.Float),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "lever"),
    )
    op.create_table(
        "flow_trends",
        _run_id(),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("value", sa.Float),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "metric"),
    )
    op.create_table(
        "status_time_trends",
        _run_id(),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("share", sa.Float),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "status"),
    )
    op.create_table(
        "intervention_effects",
        _run_id(),
        sa.Column("intervention", sa.String(255), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("before", sa.Float),
        sa.Column("after", sa.Float),
        sa.Column("p_value", sa.Float),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "intervention", "team", "metric"),
    )
    for view, (table, columns, partition) in VIEWS.items():
        ranked = _RANKED.format(
            columns=", ".join(f"t.{c}" for c in columns),
            partition=", ".join(f"t.{c}" for c in partition),
            table=table,
        )
        outer = ", ".join([*columns, "run_trigger", "run_as_of", "run_finished_at"])
        op.execute(f"CREATE VIEW {view} AS SELECT {outer} FROM ({ranked}) ranked WHERE rank_in_cell = 1")


def downgrade() -> None:
    for view in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for table in ("intervention_effects", "status_time_trends", "flow_trends", "diagnosis_trends"):
        op.drop_table(table)
