"""indexes for window-bounded analysis reads

`store/window.py` finds an analysis's live issues by their last update, and what they reference by
id or by key: links from either side, issues by key. Change tables are read by their primary key
(source, issue_id, ...), which needs no index of its own.
"""

from __future__ import annotations

from alembic import op

revision, down_revision = "0011", "0010"

INDEXES = {
    "ix_issues_source_key": ("issues", ["source", "key"]),
    "ix_issues_source_updated": ("issues", ["source", "updated"]),
    "ix_links_source_from_issue_id": ("links", ["source", "from_issue_id"]),
    "ix_links_source_to_issue_id": ("links", ["source", "to_issue_id"]),
    "ix_links_source_from_issue_key": ("links", ["source", "from_issue_key"]),
    "ix_links_source_to_issue_key": ("links", ["source", "to_issue_key"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
