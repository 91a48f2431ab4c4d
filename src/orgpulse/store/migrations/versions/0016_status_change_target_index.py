"""index on the status a change enters

Revision ID: 0016
Revises: 0015

A status the site no longer lists takes its category from the history entries into it, all of
them, whatever the analysed window (analysis/retired.py): a bounded analysis counts them in SQL
(`store/window.py`), from those few statuses through this index instead of a scan of every change.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_status_changes_source_to_status", "status_changes", ["source", "to_status"])


def downgrade() -> None:
    op.drop_index("ix_status_changes_source_to_status", table_name="status_changes")
