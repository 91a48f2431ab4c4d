"""team memberships"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import orgpulse.store.schema

revision, down_revision = "0005", "0004"


def upgrade() -> None:
    op.create_table(
        "team_memberships",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("team_key", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("since", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("until", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source", "team_key", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("team_memberships")
