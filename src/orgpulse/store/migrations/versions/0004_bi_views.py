"""BI views: the current row per (team, week, symptom or metric) of the trend tables

A scheduled run always wins over an ad-hoc one, so a manual `orgpulse analyze` never silently
replaces the nightly numbers in a BI tool; among runs of the same kind the latest completed one
wins; a cell only ad-hoc runs have computed shows the latest of those. Aborted and running runs
are never read.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
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
    "symptom_trends_current": (
        "symptom_trends",
        [
            "run_id",
            "team",
            "week_start",
            "symptom",
            "severity",
            "score",
            "direction",
            "confidence",
            "sample_size",
            "evidence",
            '"explain"',
        ],
        ["team", "week_start", "symptom"],
    ),
    "metric_trends_current": (
        "metric_trends",
        ["run_id", "team", "week_start", "symptom", "metric", "value"],
        ["team", "week_start", "symptom", "metric"],
    ),
    "dependency_trends_current": (
        "dependency_trends",
        ["run_id", "week_start", "blocked_team", "blocking_team", "blocked_issues", "blocked_hours"],
        ["week_start", "blocked_team", "blocking_team"],
    ),
}


def upgrade() -> None:
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
