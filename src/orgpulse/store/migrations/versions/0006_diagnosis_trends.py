"""diagnosis trend tables (levers, flow, status time, intervention effects) and their current views

Each table is append-only per analysis run, like symptom_trends; each `*_current` view gives the
row of the latest completed run per cell, a scheduled run winning over an ad-hoc one (0004).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orgpulse.store.migrations.shapes import current_view, run_id, team_week_key

revision, down_revision = "0006", "0005"

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


def upgrade() -> None:
    op.create_table(
        "diagnosis_trends",
        *team_week_key(),
        sa.Column("lever", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("cost_hours", sa.Float),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "lever"),
    )
    op.create_table(
        "flow_trends",
        *team_week_key(),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("value", sa.Float),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "metric"),
    )
    op.create_table(
        "status_time_trends",
        *team_week_key(),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("share", sa.Float),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "status"),
    )
    op.create_table(
        "intervention_effects",
        run_id(),
        sa.Column("intervention", sa.String(255), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("before", sa.Float),
        sa.Column("after", sa.Float),
        sa.Column("p_value", sa.Float),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "intervention", "team", "metric"),
    )
    for view, (table, columns, cell) in VIEWS.items():
        current_view(view, table, columns, cell)


def downgrade() -> None:
    for view in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for table in ("intervention_effects", "status_time_trends", "flow_trends", "diagnosis_trends"):
        op.drop_table(table)
