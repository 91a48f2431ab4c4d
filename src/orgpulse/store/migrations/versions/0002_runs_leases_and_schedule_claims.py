"""runs, leases and schedule claims"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import orgpulse.store.schema

revision, down_revision = "0002", "0001"


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("issues", sa.Integer(), nullable=True),
        sa.Column("status_changes", sa.Integer(), nullable=True),
        sa.Column("assignee_changes", sa.Integer(), nullable=True),
        sa.Column("links", sa.Integer(), nullable=True),
        sa.Column("quarantined", sa.Integer(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=True),
        sa.Column("error_class", sa.String(length=60), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_kind_source_started", ["kind", "source", "started_at"], unique=False)

    op.create_table(
        "schedule_claims",
        sa.Column("tick", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("worker", sa.String(length=300), nullable=False),
        sa.Column("claimed_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tick", "source"),
    )


def downgrade() -> None:
    op.drop_table("schedule_claims")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_kind_source_started")

    op.drop_table("runs")
    op.drop_table("leases")
