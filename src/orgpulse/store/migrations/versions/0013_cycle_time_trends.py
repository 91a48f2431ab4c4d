"""cycle times issue by issue, for the report's scatter

Append-only per analysis run, like the other trend tables: per team and week, the cycle time of
each committed issue completed in it (at most `analysis.flow.CYCLE_POINTS` per team and week), the
sample behind `cycle_p50_hours` and `cycle_p85_hours` in flow_trends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orgpulse.store.migrations.shapes import team_week_key

revision, down_revision = "0013", "0012"


def upgrade() -> None:
    op.create_table(
        "cycle_time_trends",
        *team_week_key(unlimited=True),
        sa.Column("issue", sa.Text, nullable=False),
        sa.Column("cycle_hours", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "issue"),
    )


def downgrade() -> None:
    op.drop_table("cycle_time_trends")
