"""low_confidence in the symptom BI view

Revision ID: 0010
Revises: 0009

`symptom_trends_current` gains `low_confidence` (confidence < 0.5, SYMPTOMS.md "Confidence and
honesty"), so a BI tool marks such rows as the terminal, the JSON and the report do. The view is
otherwise the one of 0004: a scheduled run wins over an ad-hoc one, then the latest completed.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COLUMNS = [
    "run_id", "team", "week_start", "symptom", "severity", "score", "direction", "confidence",
    "sample_size", "evidence", '"explain"',
]  # fmt: skip
_RANKED = """
    SELECT {columns}, r.trigger AS run_trigger, r.as_of AS run_as_of, r.finished_at AS run_finished_at,
           ROW_NUMBER() OVER (
               PARTITION BY t.team, t.week_start, t.symptom
               ORDER BY CASE WHEN r.trigger = 'schedule' THEN 0 ELSE 1 END, r.finished_at DESC, r.run_id DESC
           ) AS rank_in_cell
    FROM symptom_trends t JOIN analysis_runs r ON r.run_id = t.run_id
    WHERE r.status = 'completed'
"""


def _create(extra: list[str]) -> None:
    ranked = _RANKED.format(columns=", ".join(f"t.{c}" for c in _COLUMNS))
    outer = ", ".join([*_COLUMNS, *extra, "run_trigger", "run_as_of", "run_finished_at"])
    op.execute("DROP VIEW IF EXISTS symptom_trends_current")
    op.execute(
        f"CREATE VIEW symptom_trends_current AS SELECT {outer} FROM ({ranked}) ranked WHERE rank_in_cell = 1"
    )


def upgrade() -> None:
    _create(["CASE WHEN confidence < 0.5 THEN 1 ELSE 0 END AS low_confidence"])


def downgrade() -> None:
    _create([])
