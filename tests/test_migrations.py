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


def test_clustering_the_narrow_trend_tables_keeps_their_rows_and_views(tmp_path: Any) -> None:
    """Migration 0017 rebuilds SQLite's narrow trend tables WITHOUT ROWID: a store at 0016 holding
    a run keeps its rows, its BI views read them as before, and `symptom_trends` stays a rowid table.
    Migration 0018 then edits their foreign keys out in place: the store stays whole."""
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path / 'orgpulse.db'}"
    engine = sa.create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(resources.files("orgpulse.store") / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0016")
        conn.exec_driver_sql(
            "INSERT INTO analysis_runs VALUES ('r1', '2026-11-02 00:00:00.000000',"
            " '2026-11-02 00:01:00.000000', 'completed', 'schedule', '2026-11-02 00:00:00.000000',"
            " 4, 'UTC', 'f')"
        )
        for week, value in (("2026-10-19", 1.5), ("2026-10-26", None)):
            metric = "INSERT INTO metric_trends VALUES ('r1', 'PAY', ?, 'handoffs', 'handoff_rate', ?)"
            conn.exec_driver_sql(metric, (week, value))
            conn.exec_driver_sql("INSERT INTO flow_trends VALUES ('r1', 'PAY', ?, 'throughput', 3)", (week,))
    before = _current_rows(engine)
    Store.open(url).close()
    with engine.connect() as conn:
        created = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    assert created["metric_trends"].rstrip().endswith("WITHOUT ROWID")
    assert created["flow_trends"].rstrip().endswith("WITHOUT ROWID")
    assert not created["symptom_trends"].rstrip().endswith("WITHOUT ROWID")
    assert not any("FOREIGN KEY" in created[name] for name in ("symptom_trends", "metric_trends"))  # 0018
    assert _current_rows(engine) == before
    assert before["metric_trends_current"] == [
        ("PAY", "2026-10-19", "handoffs", "handoff_rate", 1.5),
        ("PAY", "2026-10-26", "handoffs", "handoff_rate", None),
    ]


def _current_rows(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            view: [tuple(r) for r in conn.exec_driver_sql(f"SELECT {columns} FROM {view} ORDER BY 1, 2, 3")]
            for view, columns in (
                ("metric_trends_current", "team, week_start, symptom, metric, value"),
                ("flow_trends_current", "team, week_start, metric, value"),
            )
        }
