"""Brings a store's schema to the newest migration (Alembic, `store/migrations/`), one process at a time.

A store already at the newest migration, with its pseudonym salt, is left as it is without Alembic:
its import and its reading of every migration script cost about a tenth of a second of every
`orgpulse` command that opens the store.
"""

from __future__ import annotations

import secrets
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from orgpulse.errors import StoreError
from orgpulse.store import schema as t
from orgpulse.store.errors import db_error_line

SALT_KEY = "pseudonym_salt"  # the meta row holding the store's pseudonym salt
_MIGRATION_LOCK = 0x6F7267707573  # "orgpus": a fixed key for pg_advisory_xact_lock


def schema_head() -> str:
    """The newest migration's revision: migrations are named and numbered `NNNN_what.py`, each
    revision its number (tests/test_migrations.py holds this to Alembic's own head)."""
    versions = resources.files("orgpulse.store") / "migrations" / "versions"
    return max(p.name[:4] for p in versions.iterdir() if p.name[:4].isdigit() and p.name.endswith(".py"))


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration and give the store its salt (idempotent)."""
    if _up_to_date(engine):
        return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(resources.files("orgpulse.store") / "migrations"))
    try:
        with engine.connect() as conn:
            # Migrations take the store-wide lock first, so processes that start together
            # migrate one at a time: PostgreSQL's advisory lock, SQLite's write lock (BEGIN
            # IMMEDIATE waits up to the busy timeout instead of failing as "database is locked").
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            elif conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            if conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == SALT_KEY)).first() is None:
                conn.execute(t.meta.insert().values(key=SALT_KEY, value=secrets.token_hex(16)))
            conn.commit()
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the store: {db_error_line(exc)}") from exc


def _up_to_date(engine: Engine) -> bool:
    """Whether the store holds the newest migration (`schema_head`) and the pseudonym salt."""
    try:
        with engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
            salt = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == SALT_KEY)).first()
    except sa.exc.SQLAlchemyError:
        return False  # a new store: no version table yet
    return [tuple(v) for v in versions] == [(schema_head(),)] and salt is not None
