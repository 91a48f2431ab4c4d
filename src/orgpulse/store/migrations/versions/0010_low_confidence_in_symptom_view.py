"""low_confidence in the symptom BI view

`symptom_trends_current` gains `low_confidence` (confidence < 0.5, SYMPTOMS.md "Confidence and
honesty"), so a BI tool marks such rows as the terminal, the JSON and the report do. The view is
otherwise the one of 0004: a scheduled run wins over an ad-hoc one, then the latest completed.
"""

from __future__ import annotations

from orgpulse.store.migrations.shapes import current_view

revision, down_revision = "0010", "0009"

_COLUMNS = [
    "run_id", "team", "week_start", "symptom", "severity", "score", "direction", "confidence",
    "sample_size", "evidence", '"explain"',
]  # fmt: skip
_CELL = ["team", "week_start", "symptom"]


def upgrade() -> None:
    current_view(
        "symptom_trends_current",
        "symptom_trends",
        _COLUMNS,
        _CELL,
        ["CASE WHEN confidence < 0.5 THEN 1 ELSE 0 END AS low_confidence"],
    )


def downgrade() -> None:
    current_view("symptom_trends_current", "symptom_trends", _COLUMNS, _CELL)
