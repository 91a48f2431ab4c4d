"""index on history times per issue

`store/window.py` reads, for each status change, its issue's latest history entry before it (what a
bulk close looks back to) instead of every history entry: one index seek per change.
"""

from __future__ import annotations

from alembic import op

revision, down_revision = "0012", "0011"


def upgrade() -> None:
    op.create_index("ix_histories_source_issue_at", "histories", ["source", "issue_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_histories_source_issue_at", table_name="histories")
