"""The trend rows written as Arrow columns (`store.sqlite_writer`: SQLite, by another process;
`store.postgres_writer`: PostgreSQL's binary COPY): the same values as SQLAlchemy's own INSERTs,
one transaction, and nothing kept when anything fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from orgpulse.errors import StoreError
from orgpulse.store import Store
from orgpulse.store import schema as t
from orgpulse.store.inserts import insert_columns

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEKS = [date(2026, 2, 16), date(2026, 2, 23)]


def symptom_rows(run_id: str) -> dict[str, list[Any]]:
    return {
        "run_id": [run_id, run_id],
        "team": ["PAY", "WEB \u00e9 <b>=1+1</b>\u200b"],
        "week_start": WEEKS,
        "symptom": ["approval_bottleneck", "handoffs"],
        "severity": ["watch", "ok"],
        "score": [0.5, None],
        "direction": [None, "worse"],
        "confidence": [0.9, 1],
        "sample_size": [9, 0],
        "evidence": ['[{"issue": "PAY-1"}]', "[]"],
        "explain": ["{}", '{"n": 2}'],
    }


def metric_rows(run_id: str) -> dict[str, list[Any]]:
    return {
        "run_id": [run_id] * 3,
        "team": ["PAY", "PAY", "WEB"],
        "week_start": [WEEKS[0], WEEKS[1], WEEKS[1]],
        "symptom": ["approval_bottleneck"] * 3,
        "metric": ["approval_wait_share"] * 3,
        "value": [0.2, float("nan"), 3],
    }


def start(store: Store, run_id: str) -> None:
    store.start_run(run_id, trigger="manual", as_of=T0, weeks=2, timezone="UTC", fingerprint="f", now=T0)


def stored(store: Store, run_id: str, *tables: sa.Table) -> dict[str, list[tuple[Any, ...]]]:
    """A run's rows as stored, run id aside; on SQLite each value with its storage class too."""
    sqlite = store.engine.dialect.name == "sqlite"
    with store.engine.connect() as conn:
        out = {}
        for table in tables:
            names = [c.name for c in table.columns if c.name != "run_id"]
            values = ", ".join(f'"{n}", typeof("{n}")' if sqlite else f'"{n}"' for n in names)
            order = ", ".join(f'"{n}"' for n in names)
            sql = f"SELECT {values} FROM {table.name} WHERE run_id = %s ORDER BY {order}"
            rows = conn.exec_driver_sql(sql.replace("%s", "?" if sqlite else "%s"), (run_id,))
            out[table.name] = [tuple("NaN" if v != v else v for v in r) for r in rows]  # NaN equal to NaN
        return out


def test_rows_are_stored_as_sqlalchemys_own_inserts_store_them(any_store: Store) -> None:
    """The Arrow writers (SQLite's child process, PostgreSQL's binary COPY) against executemany."""
    for run_id in ("written", "inserted"):
        start(any_store, run_id)
    any_store.finish_run(
        "written",
        symptom_rows=symptom_rows("written"),
        metric_rows=metric_rows("written"),
        dependency_rows=[],
        now=T0,
    )
    with any_store.engine.begin() as conn:
        insert_columns(conn, t.symptom_trends, symptom_rows("inserted"))
        insert_columns(conn, t.metric_trends, metric_rows("inserted"))
    tables = (t.symptom_trends, t.metric_trends)
    assert stored(any_store, "written", *tables) == stored(any_store, "inserted", *tables)
    assert len(stored(any_store, "written", t.metric_trends)["metric_trends"]) == 3
    with any_store.engine.connect() as conn:
        runs = conn.execute(
            sa.select(t.analysis_runs.c.run_id, t.analysis_runs.c.status, t.analysis_runs.c.finished_at)
        )
        assert {r.run_id: (r.status, r.finished_at) for r in runs}["written"] == ("completed", T0)


def test_a_failing_table_leaves_nothing_written_and_says_why_in_one_line(any_store: Store) -> None:
    start(any_store, "r1")
    twice = {name: values * 2 for name, values in metric_rows("r1").items()}  # the same keys twice
    with pytest.raises(StoreError) as failed:
        any_store.finish_run(
            "r1", symptom_rows=symptom_rows("r1"), metric_rows=twice, dependency_rows=[], now=T0
        )
    told = str(failed.value)
    assert told.startswith("cannot write to the store: ")
    assert "UNIQUE constraint failed: metric_trends." in told or "duplicate key value" in told
    assert "\n" not in told
    assert "INSERT" not in told  # the statement stays out of the message
    assert_nothing_written(any_store)


def test_an_error_making_the_rows_rolls_back_what_was_sent(any_store: Store) -> None:
    start(any_store, "r1")

    def broken() -> Mapping[str, Sequence[Any]]:
        raise RuntimeError("a bug making the evidence")

    with pytest.raises(RuntimeError):  # the metric rows were sent before the symptom rows failed
        any_store.finish_run(
            "r1", symptom_rows=broken, metric_rows=metric_rows("r1"), dependency_rows=[], now=T0
        )
    assert_nothing_written(any_store)


def assert_nothing_written(store: Store) -> None:
    """No row kept, the run still running, and the store free to write at once (the writer is gone)."""
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM metric_trends").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM symptom_trends").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT status FROM analysis_runs").scalar_one() == "running"
    store.abort_run("r1", now=T0)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT status FROM analysis_runs").scalar_one() == "aborted"


def test_postgresql_compresses_the_long_texts_with_lz4_where_it_can(any_store: Store) -> None:
    """The COPY writer's long texts (a run's evidence: hundreds of MB at a million issues) are
    compressed with lz4 when the server has it: pglz took four times the server's CPU."""
    if any_store.engine.dialect.name != "postgresql":
        pytest.skip("TOAST compression is PostgreSQL's")
    with any_store.engine.connect() as conn:
        lz4 = conn.exec_driver_sql(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        ).scalar()
    start(any_store, "r1")
    rows = symptom_rows("r1")
    item = '{"kind": "issue", "issue": "PAY-%s"}'
    rows["evidence"] = ["[" + ",".join(item % (team * 1000 + n) for n in range(400)) + "]" for team in (1, 2)]
    any_store.finish_run("r1", symptom_rows=rows, metric_rows=metric_rows("r1"), dependency_rows=[], now=T0)
    with any_store.engine.connect() as conn:
        kept = conn.exec_driver_sql(
            "SELECT evidence, pg_column_compression(evidence) FROM symptom_trends ORDER BY team"
        ).all()
    assert [text for text, _ in kept] == rows["evidence"]
    assert {method for _, method in kept} == {"lz4" if lz4 else "pglz"}
