"""The real Linear connector against the Linear double, over loopback HTTP, into a real store.

A full sync of a 500-issue organisation must hold exactly the sandbox's Linear totals and every
history entry the double serves; an incremental sync right after reads one page; the knobs
(rate limiting, faults, small pages, an OAuth token) change the requests, never the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import shared_path
from orgpulse.config import PrivacySettings, ScheduleSettings, Secret, Settings, SourceSettings, StoreSettings
from orgpulse.sandbox import SandboxServer, generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_LINEAR_KEY, SANDBOX_LINEAR_OAUTH
from orgpulse.sandbox.linear.history import story_of
from orgpulse.sandbox.linear.model import Workspace
from orgpulse.sandbox.org.model import Org
from orgpulse.store import Store
from orgpulse.store import schema as t
from orgpulse.sync import run_sync

ANCHOR = date(2026, 11, 20)
SOURCE = "sandbox-linear"
COUNTS = ("issues", "status_changes", "assignee_changes", "links")


def linear_settings(endpoint: str, folder: Path, org: Org, *, token: str = SANDBOX_LINEAR_KEY,
                    **source: Any) -> Settings:  # fmt: skip
    """One Linear source on the double (the org's teams: the outside team EXT is not synced)."""
    values: dict[str, Any] = {
        "name": SOURCE,
        "kind": "linear",
        "url": endpoint,
        "auth": "bearer",
        "token": Secret(token),
        "teams": tuple(team.key for team in org.teams),
        "max_retry_wait_seconds": 5.0,
    }
    values.update(source)
    return Settings(
        path=None,
        store=StoreSettings(url=f"sqlite:///{(folder / 'orgpulse.db').resolve()}"),
        sources=(SourceSettings(**values),),
        schedule=ScheduleSettings(),
        privacy=PrivacySettings(),
        analysis={"timezone": "UTC"},
    )


@dataclass
class Synced:
    org: Org
    store: Store
    settings: Settings
    server: SandboxServer
    requests: int


def count(store: Store, table: sa.Table, **where: Any) -> int:
    query = sa.select(sa.func.count()).select_from(table).where(table.c.source == SOURCE)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    shared_path("api", "linear", "schema.graphql")
    org = generate_org(seed=7, issues=500, anchor=ANCHOR, weeks=26)
    folder = tmp_path_factory.mktemp("linear-sync")
    with SandboxServer(org, dialect="linear") as server:
        settings = linear_settings(f"{server.url}/graphql", folder, org)
        store = Store.open(settings.store.url)
        (report,) = run_sync(settings, store, full=True)
        assert report.error is None, report.error
        yield Synced(org, store, settings, server, report.requests)
        store.close()


def test_a_full_sync_holds_the_linear_totals(synced: Synced) -> None:
    totals = synced.store.source_totals(SOURCE)
    assert {k: totals[k] for k in COUNTS} == truth_of(synced.org)["totals"]["linear"]
    assert totals["quarantined"] == 0


def test_every_served_history_entry_is_stored_and_complete(synced: Synced) -> None:
    ws = Workspace(synced.org)
    served = sum(len(story_of(ws, issue).changes) for issue in ws.issues)
    assert count(synced.store, t.histories) == served
    assert count(synced.store, t.issues, history_complete=False) == 0
    moves = sum(1 for issue in ws.issues if issue.old_keys)
    assert count(synced.store, t.team_changes) == moves
    assert count(synced.store, t.flag_changes) == 0  # Linear has no Flagged field


def test_the_sync_costs_few_requests_and_points(synced: Synced) -> None:
    issues = truth_of(synced.org)["totals"]["linear"]["issues"]
    assert synced.requests == synced.server.requests
    assert synced.requests <= 0.05 * issues
    assert 0 < synced.server.complexity_points <= 200 * issues


def test_an_incremental_sync_right_after_reads_one_page(synced: Synced) -> None:
    before = synced.server.requests
    (report,) = run_sync(synced.settings, synced.store, full=False)
    assert report.error is None
    assert synced.server.requests - before == report.requests == 1  # metadata cached, nothing updated
    totals = synced.store.source_totals(SOURCE)
    assert {k: totals[k] for k in COUNTS} == truth_of(synced.org)["totals"]["linear"]


@pytest.mark.parametrize(
    ("knobs", "token"),
    [
        ({"rate_limit_every": 4}, SANDBOX_LINEAR_KEY),
        ({"page_cap": 9}, f"{SANDBOX_LINEAR_OAUTH}"),
        pytest.param({"fault_rate": 0.15}, SANDBOX_LINEAR_KEY, marks=pytest.mark.slow),
    ],
)
def test_knobs_change_the_requests_not_the_result(knobs: dict[str, Any], token: str, tmp_path: Path) -> None:
    shared_path("api", "linear", "schema.graphql")
    org = generate_org(seed=3, issues=300, anchor=ANCHOR, weeks=20)
    with SandboxServer(org, dialect="linear", **knobs) as server:
        settings = linear_settings(f"{server.url}/graphql", tmp_path, org, token=token)
        store = Store.open(settings.store.url)
        (report,) = run_sync(settings, store, full=True)
    assert report.error is None, report.error
    totals = store.source_totals(SOURCE)
    store.close()
    assert {k: totals[k] for k in COUNTS} == truth_of(org)["totals"]["linear"]
