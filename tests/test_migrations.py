"""The migrations build exactly the schema the code declares (`store/schema.py`), on both stores.

Migrations are history: they may be tidied, never changed in what they build. This holds the
tables, columns, types, nullability, keys and indexes a fresh store gets from them to the declared
metadata. One difference is by design: migration 0007 made every VARCHAR(n) a TEXT on PostgreSQL
(a tracker decides how long its names are) and SQLite never enforced a length, so a string
column's length is not compared — whether it is a string is.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from orgpulse.store import Store
from orgpulse.store.schema import metadata


def _types_differ(
    context: Any, inspected: Any, declared: Any, inspected_type: Any, declared_type: Any
) -> bool | None:
    if isinstance(inspected_type, sa.String) and isinstance(declared_type, sa.String):
        return False  # VARCHAR(n) and TEXT alike: only a string's length may differ
    return None  # alembic's own comparison


def test_a_migrated_store_has_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": _types_differ})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_schema_head_is_alembics_head() -> None:
    """`Store.migrate` skips Alembic for a store at `schema_head`: it must name Alembic's own head."""
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from orgpulse.store.migrating import schema_head

    config = Config()
    config.set_main_option("script_location", str(resources.files("orgpulse.store") / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == schema_head()


def test_a_store_at_the_head_opens_without_alembic(tmp_path: Any) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'orgpulse.db'}"
    Store.open(url).close()
    code = (
        f"import sys; from orgpulse.store import Store; Store.open({url!r}); print('alembic' in sys.modules)"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        == "False\n"
    )
