"""Alembic environment: runs on the connection orgpulse hands over (never reads alembic.ini URLs)."""

from __future__ import annotations

from alembic import context

from orgpulse.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("orgpulse migrations run through orgpulse.store.Store, which passes a connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
