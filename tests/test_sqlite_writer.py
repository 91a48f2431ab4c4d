"""A SQLite store's trend rows written by another process (`store.sqlite_writer`): the same values
as SQLAlchemy's own INSERTs, one transaction, and nothing kept when anything fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
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
        "team": ["PAY", "W\x00EB \u00e9 <b>=1+1</b>"],
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


def stored(store: Store, *tables: sa.Table) -> dict[str, list[tuple[Any, ...]]]:
    """Every row as stored, each value with its SQLite storage class."""
    with store.engine.connect() as conn:
        out = {}
        for table in tables:
            names = [c.name for c in table.columns]
            values = ", ".join(f'"{n}", typeof("{n}")' for n in names)
            order = ", ".join(f'"{n}"' for n in names)
            sql = f"SELECT {values} FROM {table.name} ORDER BY {order}"
            out[table.name] = [tuple(r) for r in conn.exec_driver_sql(sql)]
        return out


def test_rows_are_stored_as_sqlalchemys_own_inserts_store_them(tmp_path: Path) -> None:
    written = Store.open(f"sqlite:///{tmp_path / 'written.db'}")
    inserted = Store.open(f"sqlite:///{tmp_path / 'inserted.db'}")
    for store in (written, inserted):
        start(store, "r1")
    written.finish_run(
        "r1", symptom_rows=symptom_rows("r1"), metric_rows=metric_rows("r1"), dependency_rows=[], now=T0
    )
    with inserted.engine.begin() as conn:
        insert_columns(conn, t.symptom_trends, symptom_rows("r1"))
        insert_columns(conn, t.metric_trends, metric_rows("r1"))
        conn.execute(
            t.analysis_runs.update()
            .where(t.analysis_runs.c.run_id == "r1")
            .values(status="completed", finished_at=T0)
        )
    tables = (t.symptom_trends, t.metric_trends, t.analysis_runs)
    assert stored(written, *tables) == stored(inserted, *tables)
    assert stored(written, t.analysis_runs)["analysis_runs"][0][6:8] == ("completed", "text")


def test_a_failing_table_leaves_nothing_written_and_says_why_in_one_line(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'orgpulse.db'}")
    start(store, "r1")
    twice = {name: values * 2 for name, values in metric_rows("r1").items()}  # the same keys twice
    with pytest.raises(StoreError) as failed:
        store.finish_run("r1", symptom_rows=symptom_rows("r1"), metric_rows=twice, dependency_rows=[], now=T0)
    assert str(failed.value).startswith("cannot write to the store: UNIQUE constraint failed: metric_trends.")
    assert "\n" not in str(failed.value)
    assert "INSERT" not in str(failed.value)  # the statement stays out of the message
    assert_nothing_written(store)


def test_an_error_making_the_rows_rolls_back_what_was_sent(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'orgpulse.db'}")
    start(store, "r1")

    def broken() -> Mapping[str, Sequence[Any]]:
        raise RuntimeError("a bug making the evidence")

    with pytest.raises(RuntimeError):  # the metric rows were sent before the symptom rows failed
        store.finish_run("r1", symptom_rows=broken, metric_rows=metric_rows("r1"), dependency_rows=[], now=T0)
    assert_nothing_written(store)


def assert_nothing_written(store: Store) -> None:
    """No row kept, the run still running, and the store's write lock free at once (the writer is gone)."""
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM metric_trends").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM symptom_trends").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT status FROM analysis_runs").scalar_one() == "running"
    store.abort_run("r1", now=T0)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT status FROM analysis_runs").scalar_one() == "aborted"
