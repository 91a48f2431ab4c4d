"""the current view of cycle times issue by issue, for BI tools like the other trend tables

Revision ID: 0014
Revises: 0013

`cycle_time_trends_current` gives each (team, week, issue) row of the latest completed run, a
scheduled run winning over an ad-hoc one, with the run's trigger, as_of and finish (as 0006's views).
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_COLUMNS = ("run_id", "team", "week_start", "issue", "cycle_hours")


def upgrade() -> None:
    inner = ", ".join(f"t.{c}" for c in _COLUMNS)
    outer = ", ".join([*_COLUMNS, "run_trigger", "run_as_of", "run_finished_at"])
    op.execute(
        f"""CREATE VIEW cycle_time_trends_current AS SELECT {outer} FROM (
            SELECT {inner}, r.trigger AS run_trigger, r.as_of AS run_as_of, r.finished_at AS run_finished_at,
                   ROW_NUMBER() OVER (
                       PARTITION BY t.team, t.week_start, t.issue
                       ORDER BY CASE WHEN r.trigger = 'schedule' THEN 0 ELSE 1 END, r.finished_at DESC,
                                r.run_id DESC
                   ) AS rank_in_cell
            FROM cycle_time_trends t JOIN analysis_runs r ON r.run_id = t.run_id
            WHERE r.status = 'completed'
        ) ranked WHERE rank_in_cell = 1"""
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS cycle_time_trends_current")
