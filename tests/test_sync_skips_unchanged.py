"""An incremental Jira sync reads again only what changed in the overlap window it re-lists.

The overlap window (watermark = largest committed `updated` minus the overlap) lists issues the
store already holds; those whose `updated` equals the stored one are not completed, normalised
or written again, and those the store holds older (or with an incomplete history) are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from orgpulse.connectors.jira.connector import changed_only
from orgpulse.demo import demo_settings
from orgpulse.sandbox import SandboxServer, generate_org
from orgpulse.store import Store
from orgpulse.store.known import load_settled_updates
from orgpulse.sync import run_sync

SOURCE = "sandbox-cloud"


def raw(issue_id: str, updated: object) -> dict[str, object]:
    return {"id": issue_id, "fields": {"updated": updated}}


def test_changed_only_keeps_what_differs_from_the_store() -> None:
    stored = {"1": datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "2": datetime(2026, 3, 2, 9, 0, tzinfo=UTC)}
    by_id = {
        "1": raw("1", "2026-03-02T10:00:00.000+0100"),  # the same instant as stored
        "2": raw("2", "2026-03-02T10:00:00.001+0100"),  # a millisecond later: changed
        "3": raw("3", "2026-03-02T10:00:00.000+0100"),  # not stored
        "4": raw("4", "not a time"),  # unreadable: the normaliser must see it (and quarantine it)
    }
    assert sorted(changed_only(by_id, stored)) == ["2", "3", "4"]


def test_an_unchanged_overlap_is_not_read_again_and_a_stale_issue_is(tmp_path: Path) -> None:
    org = generate_org(seed=3, issues=400, anchor=date(2026, 11, 20), weeks=12)
    with SandboxServer(org, dialect="jira_cloud") as server:
        settings = demo_settings(server.url, tmp_path)
        store = Store.open(settings.store.url)
        (full,) = run_sync(settings, store, full=True)
        assert full.error is None
        with store.engine.connect() as conn:
            newest = conn.execute(
                sa.text("SELECT issue_id, updated FROM issues ORDER BY updated DESC LIMIT 3")
            ).all()
        overlap = [str(r[0]) for r in newest]
        assert set(load_settled_updates(store, SOURCE, overlap)) == set(overlap)

        before = len(server.request_log)
        (unchanged,) = run_sync(settings, store, full=False)
        paths = [path for _, path in server.request_log[before:]]
        assert unchanged.error is None
        assert not any("changelog" in p for p in paths), paths  # nothing completed again
        assert unchanged.counts == full.counts

        # The store holds one overlap issue at an older version: the next run reads it whole again.
        stale = overlap[0]
        with store.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE issues SET updated = :at, fetched_at = :at WHERE issue_id = :id"),
                {"at": "2020-01-01 00:00:00.000000", "id": stale},
            )
        (again,) = run_sync(settings, store, full=False)
        assert again.error is None
        with store.engine.connect() as conn:
            fetched, updated = conn.execute(
                sa.text("SELECT fetched_at, updated FROM issues WHERE issue_id = :id"), {"id": stale}
            ).one()
        # Written again from the server: its own `updated`, and a new fetch time.
        assert not str(updated).startswith("2020")
        assert not str(fetched).startswith("2020")
