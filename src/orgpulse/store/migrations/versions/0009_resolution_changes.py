"""resolution changes

Revision ID: 0009
Revises: 0008

Jira `resolution` changelog items, kept so that statuses the site no longer lists get a category
and completions statuses cannot place are found (SYMPTOMS.md). Issues synced before this revision
get theirs at their next update, or at once with `orgpulse sync --full`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import orgpulse.store.schema

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resolution_changes",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("issue_id", sa.Text(), nullable=False),
        sa.Column("history_id", sa.Text(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Text(), nullable=True),
        sa.Column("from_resolution", sa.Text(), nullable=True),
        sa.Column("to_resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("source", "issue_id", "history_id", "item_index"),
    )


def downgrade() -> None:
    op.drop_table("resolution_changes")
