"""Arrow reads of the store (store/arrow.py): column types whatever the values, and a store that
stays writable around them (SQLite's rows come through the same library as the store's own)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from orgpulse.errors import StoreError
from orgpulse.model import Batch, Issue, Membership
from orgpulse.store import Store, arrow
from orgpulse.store.arrow import TIME, Read, arrow_reader, start_reader
from orgpulse.store.frames import load_frames

T0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)


def _issue(n: int, *, resolved: datetime | None = None) -> Issue:
    return Issue(
        issue_id=f"{10000 + n}", key=f"PAY-{n}", project_key="PAY", team_key=None, type_name="Task",
        is_epic=False, title=f"t{n}", created=T0 + timedelta(minutes=n), updated=T0, status_id="1",
        resolved=resolved,
    )  # fmt: skip


def test_columns_keep_their_types_when_the_first_rows_are_null(store: Store) -> None:
    late = T0 + timedelta(days=3)
    issues = [_issue(n) for n in range(300)] + [_issue(300, resolved=late)]
    store.save_page("cloud", Batch(issues=issues), {}, now=T0)
    schema = {"issue_id": pa.string(), "resolved": TIME, "is_epic": pa.bool_(), "parent_id": pa.string()}
    with arrow_reader(store.engine) as read:
        table = read.table(
            "SELECT issue_id, resolved, is_epic, parent_id FROM issues ORDER BY issue_id", schema
        )
        nothing = read.table("SELECT issue_id, resolved, is_epic, parent_id FROM issues WHERE 1 = 0", schema)
    assert table.schema == pa.schema(schema)
    assert nothing.schema == pa.schema(schema)
    assert nothing.num_rows == 0
    assert table.column("resolved").null_count == 300
    assert table.column("resolved")[300].as_py() == late
    assert table.column("issue_id")[0].as_py() == "10000"
    assert not any(table.column("is_epic").to_pylist())


def test_the_store_stays_writable_between_reads(store: Store) -> None:
    store.save_page("cloud", Batch(issues=[_issue(1)], memberships=[Membership("PAY", "a")]), {}, now=T0)
    assert list(load_frames(store, as_of=T0 + timedelta(days=1)).memberships["person_uid"]) == ["cloud:a"]
    store.save_page("cloud", Batch(memberships=[Membership("PAY", "b")]), {}, now=T0)
    assert list(load_frames(store, as_of=T0 + timedelta(days=1)).memberships["person_uid"]) == ["cloud:b"]
    frames = load_frames(store, as_of=T0 + timedelta(days=1))
    assert str(frames.issues["created"].dtype) == "datetime64[ns, UTC]"
    assert frames.issues["created"].iloc[0] == T0 + timedelta(minutes=1)


def test_a_reader_started_early_serves_the_next_read_once(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        return  # PostgreSQL is read in-process: nothing to start
    store.save_page("cloud", Batch(issues=[_issue(1)]), {}, now=T0)
    url = store.engine.url.render_as_string(hide_password=False)
    start_reader(url)
    started = arrow._started[str(store.engine.url.database)]
    schema = {"issue_id": pa.string()}
    with arrow_reader(store.engine) as read:
        assert read.table("SELECT issue_id FROM issues", schema).column("issue_id").to_pylist() == ["10001"]
    assert started.wait(timeout=30) == 0  # taken, then closed with the reader
    assert arrow._started == {}
    with arrow_reader(store.engine) as read:  # the next reader starts its own
        assert read.table("SELECT issue_id FROM issues", schema).num_rows == 1


def test_a_batch_of_reads_fails_at_its_failing_query_and_leaves_the_reader_usable(store: Store) -> None:
    store.save_page("cloud", Batch(issues=[_issue(1), _issue(2)]), {}, now=T0)
    schema = {"issue_id": pa.string()}
    good = Read("SELECT issue_id FROM issues ORDER BY issue_id", schema)
    bad = Read("SELECT issue_id FROM no_such_table", schema)
    with arrow_reader(store.engine) as read:
        tables = read.tables([good, bad, good, good])
        assert next(tables).column("issue_id").to_pylist() == ["10001", "10002"]
        with pytest.raises(StoreError, match="no_such_table"):
            next(tables)
        read.rollback()  # PostgreSQL's transaction fails with its statement
        # The batch is abandoned: the answers it left are not taken for the next query's.
        assert read.table("SELECT COUNT(*) AS n FROM issues", {"n": pa.int64()}).column("n")[0].as_py() == 2
        again = list(read.tables([good, good]))
    assert [t.num_rows for t in again] == [2, 2]


def test_a_reader_closed_with_answers_pending_does_not_wait_for_them(store: Store) -> None:
    store.save_page("cloud", Batch(issues=[_issue(n) for n in range(50)]), {}, now=T0)
    slow = Read(  # a few seconds of work for SQLite: closing must not wait for it
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000)"
        " SELECT CAST(MAX(x) AS TEXT) AS issue_id FROM n",
        {"issue_id": pa.string()},
    )
    started = time.monotonic()
    with arrow_reader(store.engine) as read:
        tables = read.tables([Read("SELECT issue_id FROM issues", {"issue_id": pa.string()}), slow, slow])
        assert next(tables).num_rows == 50
    assert time.monotonic() - started < 30


def test_the_reader_waits_for_a_lock_held_by_another_connection(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        return  # PostgreSQL readers never wait on a file lock
    store.save_page("cloud", Batch(issues=[_issue(1)]), {}, now=T0)
    store.engine.dispose()
    holder = sqlite3.connect(str(store.engine.url.database), isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")  # held, readers included, until it is normal again
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE issues SET title = 'held'")

    def release() -> None:
        holder.execute("COMMIT")
        holder.execute("PRAGMA locking_mode=NORMAL")
        holder.execute("SELECT COUNT(*) FROM issues").fetchall()  # the mode takes effect at the next read
        holder.close()

    timer = threading.Timer(1.0, release)
    timer.start()
    try:
        with arrow_reader(store.engine) as read:  # a reader started while the lock is held waits for it
            titles = read.table("SELECT title FROM issues", {"title": pa.string()}).column("title")
    finally:
        timer.join()
    assert titles.to_pylist() == ["held"]


@pytest.mark.parametrize("child", ["arrow_child.py", "sqlite_writer_child.py"])
def test_the_store_children_load_the_driver_without_pandas(child: str) -> None:
    """A child starts with the driver and pyarrow, never pandas (store/child_driver.py)."""
    folder = Path(arrow.__file__).parent
    code = (
        "import runpy, sys; sys.path.insert(0, sys.argv[1]); runpy.run_path(sys.argv[2]);"
        " print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pyarrow', 'adbc_driver_sqlite'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(folder / child)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.split() == ["['adbc_driver_sqlite',", "'pyarrow']"]
