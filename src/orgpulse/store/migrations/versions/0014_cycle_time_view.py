"""the current view of cycle times issue by issue, for BI tools like the other trend tables

`cycle_time_trends_current` gives each (team, week, issue) row of the latest completed run, a
scheduled run winning over an ad-hoc one, with the run's trigger, as_of and finish (as 0006's views).
"""

from __future__ import annotations

from alembic import op

from orgpulse.store.migrations.shapes import current_view

revision, down_revision = "0014", "0013"


def upgrade() -> None:
    current_view(
        "cycle_time_trends_current",
        "cycle_time_trends",
        ["run_id", "team", "week_start", "issue", "cycle_hours"],
        ["team", "week_start", "issue"],
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS cycle_time_trends_current")
