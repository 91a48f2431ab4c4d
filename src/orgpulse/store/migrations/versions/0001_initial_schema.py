"""initial schema"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import orgpulse.store.schema
from orgpulse.store.migrations.shapes import change_table, run_id, team_week_key

revision, down_revision = "0001", None


def upgrade() -> None:
    op.create_table(
        "analysis_runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("started_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("as_of", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_id"),
    )
    change_table(
        "assignee_changes",
        sa.Column("from_person", sa.String(length=128), nullable=True),
        sa.Column("to_person", sa.String(length=128), nullable=True),
    )
    change_table(
        "flag_changes",
        sa.Column("flagged", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "histories",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("issue_id", sa.String(length=64), nullable=False),
        sa.Column("history_id", sa.String(length=64), nullable=False),
        sa.Column("at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "issue_id", "history_id"),
    )
    op.create_table(
        "issues",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("issue_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("project_key", sa.String(length=64), nullable=False),
        sa.Column("team_key", sa.String(length=128), nullable=True),
        sa.Column("type_name", sa.Text(), nullable=False),
        sa.Column("is_epic", sa.Boolean(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("labels", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("parent_key", sa.String(length=64), nullable=True),
        sa.Column("created", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("status_id", sa.String(length=64), nullable=False),
        sa.Column("assignee_id", sa.String(length=128), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("history_total", sa.Integer(), nullable=True),
        sa.Column("history_complete", sa.Boolean(), nullable=False),
        sa.Column("components", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("team_field", sa.Text(), nullable=True),
        sa.Column("deleted_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "issue_id"),
    )
    op.create_table(
        "links",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("link_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_issue_id", sa.String(length=64), nullable=True),
        sa.Column("from_issue_key", sa.String(length=64), nullable=False),
        sa.Column("to_issue_id", sa.String(length=64), nullable=True),
        sa.Column("to_issue_key", sa.String(length=64), nullable=False),
        sa.Column("type_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("from_done", sa.Boolean(), nullable=True),
        sa.Column("to_done", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("source", "link_id"),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "people",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("source", "person_id"),
    )
    op.create_table(
        "quarantine",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("native_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source", "kind", "native_id"),
    )
    op.create_table(
        "raw_records",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("native_id", sa.String(length=128), nullable=False),
        sa.Column("fetched_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("source", "kind", "native_id"),
    )
    op.create_table(
        "sources",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    change_table(
        "status_changes",
        sa.Column("from_status", sa.String(length=64), nullable=True),
        sa.Column("to_status", sa.String(length=64), nullable=True),
    )
    op.create_table(
        "statuses",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("status_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("category_known", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("source", "status_id"),
    )
    op.create_table(
        "sync_cursors",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("updated_at", orgpulse.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    change_table(
        "team_changes",
        sa.Column("from_team", sa.String(length=128), nullable=True),
        sa.Column("to_team", sa.String(length=128), nullable=True),
    )
    op.create_table(
        "dependency_trends",
        run_id(),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("blocked_team", sa.String(length=200), nullable=False),
        sa.Column("blocking_team", sa.String(length=200), nullable=False),
        sa.Column("blocked_issues", sa.Integer(), nullable=False),
        sa.Column("blocked_hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "week_start", "blocked_team", "blocking_team"),
    )
    op.create_table(
        "metric_trends",
        *team_week_key(),
        sa.Column("symptom", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "symptom", "metric"),
    )
    op.create_table(
        "symptom_trends",
        *team_week_key(),
        sa.Column("symptom", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("direction", sa.String(length=20), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("explain", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "team", "week_start", "symptom"),
    )


def downgrade() -> None:
    op.drop_table("symptom_trends")
    op.drop_table("metric_trends")
    op.drop_table("dependency_trends")
    op.drop_table("team_changes")
    op.drop_table("sync_cursors")
    op.drop_table("statuses")
    op.drop_table("status_changes")
    op.drop_table("sources")
    op.drop_table("raw_records")
    op.drop_table("quarantine")
    op.drop_table("people")
    op.drop_table("meta")
    op.drop_table("links")
    op.drop_table("issues")
    op.drop_table("histories")
    op.drop_table("flag_changes")
    op.drop_table("assignee_changes")
    op.drop_table("analysis_runs")
