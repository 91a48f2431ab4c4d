"""BI views: the current row per (team, week, symptom or metric) of the trend tables

A scheduled run always wins over an ad-hoc one, so a manual `orgpulse analyze` never silently
replaces the nightly numbers in a BI tool; among runs of the same kind the latest completed one
wins; a cell only ad-hoc runs have computed shows the latest of those. Aborted and running runs
are never read.
"""

from __future__ import annotations

from alembic import op

from orgpulse.store.migrations.shapes import current_view

revision, down_revision = "0004", "0003"

_SYMPTOM_COLUMNS = [
    "run_id", "team", "week_start", "symptom", "severity", "score", "direction", "confidence",
    "sample_size", "evidence", '"explain"',
]  # fmt: skip

VIEWS = {
    "symptom_trends_current": ("symptom_trends", _SYMPTOM_COLUMNS, ["team", "week_start", "symptom"]),
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
    for view, (table, columns, cell) in VIEWS.items():
        current_view(view, table, columns, cell)


def downgrade() -> None:
    for view in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
