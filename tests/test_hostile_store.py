"""Hostile data and lost connections at the store: NUL bytes, any length, empty censuses, lost locks."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from orgpulse.config import Secret, Settings, SourceSettings, parse_settings
from orgpulse.connector import Page
from orgpulse.errors import LockLostError
from orgpulse.model import Batch, Category, Census, Issue, Person, Status, StatusChange
from orgpulse.store import Store
from orgpulse.store import schema as t
from orgpulse.store.frames import load_frames
from orgpulse.store.locks import Lease
from orgpulse.store.runs import latest_runs
from orgpulse.store.text import clean_text
from orgpulse.sync import run_sync

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LONG = "T" * 300


def issue(n: int, **changes: Any) -> Issue:
    base = Issue(
        issue_id=str(10000 + n),
        key=f"PAY-{n}",
        project_key="PAY",
        team_key="PAY",
        type_name="Story",
        is_epic=False,
        title=f"issue {n}",
        created=T0,
        updated=T0 + timedelta(days=1),
        status_id="1",
    )
    return replace(base, **changes)


def rows(store: Store, table: sa.Table) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table))]


def test_clean_text_drops_nul_and_replaces_lone_surrogates() -> None:
    assert clean_text("a\x00b") == "ab"
    assert clean_text("x\ud800y") == "x\ufffdy"
    assert clean_text("déjà \U0001f600") == "déjà \U0001f600"


def test_nul_bytes_surrogates_and_any_length_are_stored_on_every_dialect(store: Store) -> None:
    b = Batch()
    b.statuses = [Status("1", "In\x00 Progress", Category.IN_PROGRESS), Status(LONG, LONG, Category.DONE)]
    b.people = [Person("acc-\x001", "Ada\x00\ud800")]
    b.issues = [
        issue(1, title="Pay\x00 the bill", labels=("a\x00",), components=(LONG,), team_key=LONG),
        issue(2, key="PAY-" + "9" * 100, status_id=LONG, assignee_id="acc-\x001"),
    ]
    b.status_changes = [StatusChange("10001", LONG, 0, T0, None, from_status="1", to_status=LONG)]
    store.save_page("cloud", b, {"watermark": "x\x00"}, now=T0)
    issues = {r["issue_id"]: r for r in rows(store, t.issues)}
    assert issues["10001"]["title"] == "Pay the bill"
    assert issues["10001"]["team_key"] == LONG
    assert issues["10002"]["status_id"] == LONG
    assert issues["10002"]["assignee_id"] == "acc-1"
    names = {r["status_id"]: r["name"] for r in rows(store, t.statuses)}
    assert names == {"1": "In Progress", LONG: LONG}
    assert [r["display_name"] for r in rows(store, t.people)] == ["Ada\ufffd"]
    assert load_frames(store, as_of=T0 + timedelta(days=3)).issues.shape[0] == 2


def test_a_team_name_of_any_length_is_kept_in_the_trend_tables(store: Store) -> None:
    store.start_run("run-1", trigger="manual", as_of=T0, weeks=1, timezone="UTC", fingerprint="f", now=T0)
    row = {
        "run_id": "run-1", "team": LONG, "week_start": T0.date(), "symptom": "oversized_team",
        "severity": "none", "score": 0.0, "direction": None, "confidence": 1.0, "sample_size": 3,
        "evidence": "[]", "explain": "{}",
    }  # fmt: skip
    store.finish_run("run-1", symptom_rows=[row], metric_rows=[], dependency_rows=[], now=T0)
    assert [r["team"] for r in rows(store, t.symptom_trends)] == [LONG]


def _stored_issues(store: Store, count: int) -> None:
    b = Batch()
    b.statuses = [Status("1", "To Do", Category.TODO)]
    b.issues = [issue(n) for n in range(count)]
    store.save_page("cloud", b, {}, now=T0)


def test_a_census_deleting_too_much_is_refused_and_taken_again(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    _stored_issues(store, 50)
    cursor = {"watermark_ms": 5, "census_at": T0.isoformat()}
    with caplog.at_level(logging.WARNING):
        store.save_page("cloud", Batch(census=Census(("PAY",), {})), cursor, now=T0)
    assert store.source_totals("cloud")["issues"] == 50
    assert "census cloud: refused, it would delete 50 of 50 issues" in caplog.text
    assert store.load_cursor("cloud") == {"watermark_ms": 5, "census_at": None}
    # 11 of 50 (22%) is still too many at the default 20%...
    keep = {str(10000 + n): f"PAY-{n}" for n in range(39)}
    store.save_page("cloud", Batch(census=Census(("PAY",), keep)), cursor, now=T0)
    assert store.source_totals("cloud")["issues"] == 50
    # ...10 of 50 is applied, and the cursor keeps its census time.
    keep = {str(10000 + n): f"PAY-{n}" for n in range(40)}
    store.save_page("cloud", Batch(census=Census(("PAY",), keep)), cursor, now=T0)
    assert store.source_totals("cloud")["issues"] == 40
    assert store.load_cursor("cloud") == cursor


def test_the_census_share_is_a_source_setting() -> None:
    doc = {
        "sources": [
            {"name": "a", "kind": "jira_cloud", "url": "https://a.example", "token_env": "T",
             "email_env": "E", "census_max_deleted_share": 0.5},
            {"name": "b", "kind": "jira_cloud", "url": "https://b.example", "token_env": "T",
             "email_env": "E", "census_max_deleted_share": 1.5},
        ]
    }  # fmt: skip
    with pytest.raises(Exception, match=r"sources\[1\].census_max_deleted_share: must be at most 1"):
        parse_settings(doc, path=None, environ={"T": "t", "E": "e"})
    doc["sources"].pop()
    settings = parse_settings(doc, path=None, environ={"T": "t", "E": "e"})
    assert settings.sources[0].census_max_deleted_share == 0.5


def _terminate(store: Store, lease: Lease) -> None:
    assert lease._pg_conn is not None
    pid = lease._pg_conn.execute(sa.select(sa.func.pg_backend_pid())).scalar_one()
    lease._pg_conn.commit()
    with store.engine.connect() as conn:
        conn.execute(sa.select(sa.func.pg_terminate_backend(pid)))
        conn.commit()


@pytest.mark.postgres
def test_a_terminated_lock_connection_is_noticed_before_the_next_write(postgres_url: str) -> None:
    store = Store.open(postgres_url)
    lease = Lease(store, "sync:lost")
    lease.acquire()
    lease.check()  # held
    _terminate(store, lease)
    with pytest.raises(LockLostError, match="a sync of source lost: the lock was lost"):
        lease.check()
    with Lease(store, "sync:lost"):  # the server released it: another run may take it
        pass
    lease.release()  # no traceback at pg_advisory_unlock


@pytest.mark.postgres
def test_the_lock_connection_is_kept_busy_against_idle_timeouts(postgres_url: str) -> None:
    store = Store.open(postgres_url)
    with Lease(store, "sync:busy", renew_seconds=0.05) as lease:
        assert lease._pg_conn is not None
        pid = lease._pg_conn.execute(sa.select(sa.func.pg_backend_pid())).scalar_one()
        lease._pg_conn.commit()

        def last_activity() -> Any:
            with store.engine.connect() as conn:
                return conn.execute(
                    sa.text("SELECT state_change FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).scalar_one()

        before = last_activity()
        import time

        time.sleep(0.3)
        assert last_activity() > before
        lease.check()


def test_a_sqlite_lease_taken_over_is_noticed(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    lease = Lease(store, "sync:acme", renew_seconds=3600)
    lease.acquire()
    with store.engine.begin() as conn:
        conn.execute(t.leases.update().values(holder="someone-else"))
    with pytest.raises(LockLostError, match="another run took it over"):
        lease.check()
    lease.release()


class _KillsItsLock:
    """Two pages; between them the lock's connection is terminated (an idle-session timeout)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def requests(self) -> int:
        return 2

    def fetch(self, cursor: Mapping[str, Any], *, full: bool, now: datetime) -> Iterator[Page]:
        first = Batch(statuses=[Status("1", "To Do", Category.TODO)], issues=[issue(1)])
        yield Page(first, {"page": 1})
        with self.store.engine.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                )
            )
            conn.commit()
        yield Page(Batch(issues=[issue(2)]), {"page": 2})

    def close(self) -> None:
        return None


def _settings(source: str) -> Settings:
    settings = parse_settings({}, path=None, environ={})
    src = SourceSettings(
        name=source, kind="jira_cloud", url="https://x.example", auth="bearer", token=Secret("t")
    )
    return replace(settings, sources=(src,))


@pytest.mark.postgres
def test_a_sync_whose_lock_is_lost_stops_before_writing_the_next_page(postgres_url: str) -> None:
    store = Store.open(postgres_url)
    with store.engine.begin() as conn:
        conn.execute(t.issues.delete().where(t.issues.c.source == "killed"))
    with pytest.raises(LockLostError):
        run_sync(_settings("killed"), store, connector_factory=lambda s: _KillsItsLock(store))
    assert [r["issue_id"] for r in rows(store, t.issues) if r["source"] == "killed"] == ["10001"]
    assert store.load_cursor("killed") == {"page": 1}
    (run,) = [r for r in latest_runs(store) if r.source == "killed"]
    assert run.outcome == "aborted"
