"""resolution changes

Jira `resolution` changelog items, kept so that statuses the site no longer lists get a category
and completions statuses cannot place are found (SYMPTOMS.md). Issues synced before this revision
get theirs at their next update, or at once with `orgpulse sync --full`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orgpulse.store.migrations.shapes import change_table

revision, down_revision = "0009", "0008"


def upgrade() -> None:
    change_table(
        "resolution_changes",
        sa.Column("from_resolution", sa.Text(), nullable=True),
        sa.Column("to_resolution", sa.Text(), nullable=True),
        unlimited=True,
    )


def downgrade() -> None:
    op.drop_table("resolution_changes")
