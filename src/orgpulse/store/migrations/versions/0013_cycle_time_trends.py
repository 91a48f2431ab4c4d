"""cycle times issue by issue, for the report's scatter

Revision ID: 0013
Revises: 0012

Append-only per analysis run, like the other trend tables: per team and week, the cycle time of
each committed issue completed in it (at most `analysis.flow.CYCLE_POINTS` per team and week), the
sample behind `cycle_p50_hours` and `cycle_p85_hours` in flow_trends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cycle_time_trends",
        sa.Column("run_id", sa.String(36), sa.ForeignKey("analysis_runs.run_id"), nullable=False),
        sa.Column("team", sa.Text, nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("issue", sa.Text, nullable=False),
        sa.Column("cycle_hours", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "issue"),
    )


def downgrade() -> None:
    op.drop_table("cycle_time_trends")
