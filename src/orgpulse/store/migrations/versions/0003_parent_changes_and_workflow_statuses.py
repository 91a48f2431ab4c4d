"""parent changes and workflow statuses"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orgpulse.store.migrations.shapes import change_table

revision, down_revision = "0003", "0002"


def upgrade() -> None:
    change_table(
        "parent_changes",
        sa.Column("from_parent_id", sa.String(length=64), nullable=True),
        sa.Column("from_parent_key", sa.String(length=64), nullable=True),
        sa.Column("to_parent_id", sa.String(length=64), nullable=True),
        sa.Column("to_parent_key", sa.String(length=64), nullable=True),
    )
    op.create_table(
        "workflow_statuses",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("project_key", sa.String(length=64), nullable=False),
        sa.Column("status_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("source", "project_key", "status_id"),
    )


def downgrade() -> None:
    op.drop_table("workflow_statuses")
    op.drop_table("parent_changes")
