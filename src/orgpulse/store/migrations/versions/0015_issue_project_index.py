"""index on issues' projects

Revision ID: 0015
Revises: 0014

`store/window.py` reads every (source, project key) an analysis may name, whatever the window: a
walk of this index instead of a scan of the issues (a site's years of finished issues included).
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_issues_source_project_created", "issues", ["source", "project_key", "created"])


def downgrade() -> None:
    op.drop_index("ix_issues_source_project_created", table_name="issues")
