"""text without limits: every VARCHAR(n) column becomes TEXT on PostgreSQL

A tracker decides how long its names and ids are: a team mapped from a 300-character component,
a status id, a link id built from two keys. SQLite never enforced the VARCHAR lengths; PostgreSQL
did, and one long value aborted the whole page (or every analysis, for a team name). Views that
read these columns are dropped and recreated around the change, as PostgreSQL refuses to alter
a column a view reads. SQLite has nothing to change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0007", "0006"

_LIMITED = """
    SELECT c.table_name, c.column_name
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      AND c.data_type = 'character varying' AND c.character_maximum_length IS NOT NULL
      AND c.table_name <> 'alembic_version'
    ORDER BY c.table_name, c.ordinal_position
"""

_VIEWS = """
    SELECT c.relname, pg_get_viewdef(c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'v' AND n.nspname = current_schema()
    ORDER BY c.oid
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    views = [(str(name), str(body)) for name, body in bind.execute(sa.text(_VIEWS))]
    for name, _ in reversed(views):
        op.execute(f'DROP VIEW IF EXISTS "{name}" CASCADE')
    for table, column in bind.execute(sa.text(_LIMITED)).all():
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE TEXT')
    for name, body in views:
        op.execute(f'CREATE VIEW "{name}" AS {body}')


def downgrade() -> None:
    # Shortening columns could truncate what the store holds: TEXT stays.
    pass
