"""An incremental Jira sync reads again only what changed in the overlap window it re-lists.

On Jira Cloud the window is listed first by `updated` alone, in pages as large as the server
grants, and only the issues whose `updated` differs from the stored one are read whole.

The overlap window (watermark = largest committed `updated` minus the overlap) lists issues the
store already holds; those whose `updated` equals the stored one are not completed, normalised
or written again, and those the store holds older (or with an incomplete history) are.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from orgpulse.config import Settings
from orgpulse.connectors.jira import cloud, jql
from orgpulse.connectors.jira.connector import changed_only
from orgpulse.demo import demo_settings
from orgpulse.sandbox import SandboxServer, generate_org
from orgpulse.sandbox.org.model import Org
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


def busy_site(tmp_path: Path, window: int) -> tuple[Org, Settings]:
    """A sandbox organisation whose overlap window (the 15 minutes before its newest `updated`,
    stretched here) re-lists `window` issues: a busy site, as the 300k bench's ~550."""
    org = generate_org(seed=5, issues=1000, anchor=date(2026, 11, 20), weeks=12)
    newest = sorted((i.updated for i in org.issues), reverse=True)
    overlap = (newest[0] - newest[window - 1]) // 60_000 + 1
    settings = demo_settings("http://unused.invalid", tmp_path)
    (source,) = settings.sources
    return org, replace(settings, sources=(replace(source, overlap_minutes=overlap),))


def served(settings: Settings, url: str) -> Settings:
    (source,) = settings.sources
    return replace(settings, sources=(replace(source, url=url),))


def stored_updated_ms(store: Store, issue_id: int) -> int:
    (stored,) = load_settled_updates(store, SOURCE, [str(issue_id)]).values()
    return int(stored.replace(tzinfo=stored.tzinfo or UTC).timestamp() * 1000)


def test_a_busy_overlap_unchanged_costs_one_light_listing_page(tmp_path: Path) -> None:
    org, settings = busy_site(tmp_path, window=700)  # seven full pages of 100
    store = Store.open(settings.store.url)
    with SandboxServer(org, dialect="jira_cloud") as server:
        (full,) = run_sync(served(settings, server.url), store, full=True)
        assert full.error is None
        before = len(server.request_log)
        (unchanged,) = run_sync(served(settings, server.url), store, full=False)
        paths = [path for _, path in server.request_log[before:]]
    assert unchanged.error is None
    assert unchanged.counts == full.counts
    assert unchanged.requests <= 6
    # serverInfo, then the window's ids and `updated` in one page: nothing read whole again.
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["serverInfo", "jql"], paths


# How the window is read: (the sandbox's page_cap, the listing's largest window, search requests).
# A server granting listing pages no larger than full ones (page_cap 100), or a window too large
# to list, gets the window read whole after the light pages already asked (one, or two of 200).
WINDOW_READS = {
    "listed": (None, cloud.LISTING_MAX_ISSUES, 1 + 1),
    "strict server": (100, cloud.LISTING_MAX_ISSUES, 1 + 7),
    "window too large": (None, 300, 2 + 7),
}


@pytest.mark.parametrize("reading", sorted(WINDOW_READS))
def test_issues_updated_again_inside_the_overlap_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reading: str
) -> None:
    """An issue updated again inside the overlap window (its new `updated` still older than the
    newest stored), and one updated after it, are read whole again; the rest is skipped."""
    page_cap, largest, searches = WINDOW_READS[reading]
    monkeypatch.setattr(cloud, "LISTING_MAX_ISSUES", largest)
    if reading == "window too large":
        monkeypatch.setattr(jql, "LISTING_PAGE", 200)
    org, settings = busy_site(tmp_path, window=700)
    store = Store.open(settings.store.url)
    with SandboxServer(org, dialect="jira_cloud", page_cap=page_cap) as server:
        (full,) = run_sync(served(settings, server.url), store, full=True)
    assert full.error is None
    by_updated = sorted(org.issues, key=lambda i: i.updated, reverse=True)
    newest, inside = by_updated[0], by_updated[300]
    inside.updated += 1  # a millisecond later, still inside the window and older than the newest
    newest.updated += 60_000
    assert inside.updated < by_updated[1].updated
    with SandboxServer(org, dialect="jira_cloud", page_cap=page_cap) as server:
        (again,) = run_sync(served(settings, server.url), store, full=False)
        asked = sum(1 for _, path in server.request_log if path.endswith("search/jql"))
    assert again.error is None
    assert again.counts == full.counts
    assert stored_updated_ms(store, inside.issue_id) == inside.updated
    assert stored_updated_ms(store, newest.issue_id) == newest.updated
    # Listed: one light page, then one page reading the two changed issues by id. Read whole:
    # the light pages asked, then the window's seven full pages.
    assert asked == searches
