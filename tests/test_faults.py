"""The fault matrix: what each failure does to a sync, and that no row is lost or duplicated.

Every case runs the real connector against the sandbox with one of its fault knobs, with retry
waits recorded instead of slept. Afterwards the store must hold exactly the truth's totals (rows
lost = rows duplicated = 0) once the fault is gone. `-s` prints the matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orgpulse.config import Secret, SourceSettings
from orgpulse.connectors.jira.client import JiraClient
from orgpulse.connectors.jira.cloud import jira_cloud_connector
from orgpulse.connectors.jira.connector import JiraConnector
from orgpulse.demo import DEMO_SOURCE, demo_settings
from orgpulse.sandbox import SandboxServer, generate_org, truth_of
from orgpulse.sandbox.jira.render import JiraRenderer
from orgpulse.store import Store
from orgpulse.sync import SourceReport, exit_code, run_sync

ANCHOR = date(2026, 11, 20)
ORG = generate_org(seed=11, issues=400, anchor=ANCHOR, weeks=26)
TRUTH = truth_of(ORG)["totals"]["jira_cloud"]
MATRIX: list[tuple[str, str, int, int, int, int]] = []


def sync(url: str, store: Store, sleeps: list[float], **overrides: Any) -> SourceReport:
    settings = demo_settings(url, Path(store.engine.url.database or ".").parent)
    source = replace(settings.sources[0], **overrides)

    def factory(s: SourceSettings) -> JiraConnector:
        return jira_cloud_connector(s, client=JiraClient(s, sleep=sleeps.append))

    (report,) = run_sync(replace(settings, sources=(source,)), store, full=False, connector_factory=factory)
    return report


def lost_and_duplicated(store: Store) -> tuple[int, int]:
    held = store.source_totals(DEMO_SOURCE)
    lost = sum(max(0, TRUTH[k] - held[k]) for k in TRUTH)
    duplicated = sum(max(0, held[k] - TRUTH[k]) for k in TRUTH)
    return lost, duplicated


def record(fault: str, report: SourceReport, store: Store, runs: int) -> tuple[int, int]:
    lost, duplicated = lost_and_duplicated(store)
    outcome = "ok" if report.ok else type(report.error).__name__
    MATRIX.append((fault, outcome, exit_code([report]), runs, lost, duplicated))
    return lost, duplicated


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'orgpulse.db'}")


@pytest.fixture
def serve() -> Iterator[Callable[..., SandboxServer]]:
    servers: list[SandboxServer] = []

    def start(**knobs: Any) -> SandboxServer:
        server = SandboxServer(ORG, dialect="jira_cloud", **knobs)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.mark.slow
def test_a_429_storm_is_waited_out_as_the_server_asks(
    serve: Callable[..., SandboxServer], store: Store
) -> None:
    server = serve(rate_limit_every=3)
    sleeps: list[float] = []
    report = sync(server.url, store, sleeps)
    assert report.ok, report.error
    assert record("429 on every 3rd request", report, store, 1) == (0, 0)
    assert sleeps
    assert all(s >= 1.0 for s in sleeps)  # never sooner than Retry-After: 1
    assert report.requests == server.requests  # refused attempts are counted too


@pytest.mark.slow
def test_ten_percent_5xx_is_retried_with_backoff(serve: Callable[..., SandboxServer], store: Store) -> None:
    server = serve(fault_rate=0.1)
    sleeps: list[float] = []
    report = sync(server.url, store, sleeps, page_size=10)  # more requests, so faults surely land
    assert report.ok, report.error
    assert record("10% 500/503", report, store, 1) == (0, 0)
    assert sleeps


@pytest.mark.slow
def test_timeouts_fail_the_source_then_a_rerun_completes(
    serve: Callable[..., SandboxServer], store: Store
) -> None:
    slow = serve(latency_ms=1500)
    sleeps: list[float] = []
    report = sync(slow.url, store, sleeps, timeout_seconds=0.3, max_retries=2)
    assert type(report.error).__name__ == "TransientError"
    assert exit_code([report]) == 1
    assert len(sleeps) == 2
    assert "timed out" in str(report.error) or "timeout" in str(report.error).lower()
    healthy = serve()
    again = sync(healthy.url, store, [])
    assert again.ok
    assert record("every request times out, then rerun", again, store, 2) == (0, 0)


@pytest.mark.slow
def test_a_malformed_record_is_quarantined_and_the_run_goes_on(
    serve: Callable[..., SandboxServer], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_key = next(iter(ORG.iter_issues())).key
    real = JiraRenderer.fields

    def corrupt(self: JiraRenderer, issue: Any, version: str, wanted: tuple[str, ...]) -> dict[str, Any]:
        fields = real(self, issue, version, wanted)
        if getattr(issue, "key", None) == broken_key and "created" in fields:
            fields["created"] = "not a date"
        return fields

    monkeypatch.setattr(JiraRenderer, "fields", corrupt)
    server = serve()
    report = sync(server.url, store, [])
    assert report.ok
    assert report.counts["quarantined"] == 1
    assert report.counts["issues"] == TRUTH["issues"] - 1
    MATRIX.append(("one malformed issue", "ok, 1 quarantined with its payload and reason", 0, 1, 0, 0))
    monkeypatch.setattr(JiraRenderer, "fields", real)
    # Once the record reads again (a fixed server, or a fixed normaliser), a full sync stores it and
    # clears its quarantine; an incremental one would too as soon as the issue is updated.
    (fixed,) = run_sync(demo_settings(server.url, Path(".")), store, full=True)
    assert fixed.counts["quarantined"] == 0
    assert record("malformed issue fixed, full resync", fixed, store, 2) == (0, 0)


@pytest.mark.slow
def test_expired_credentials_fail_at_once_and_lose_nothing(
    serve: Callable[..., SandboxServer], store: Store
) -> None:
    server = serve()
    assert sync(server.url, store, []).ok
    sleeps: list[float] = []
    report = sync(server.url, store, sleeps, token=Secret("expired"))
    assert type(report.error).__name__ == "AuthError"
    assert exit_code([report]) == 3
    assert sleeps == []  # a failing credential is never retried
    assert "expired" not in str(report.error)
    assert record("expired credentials", report, store, 2) == (0, 0)


def test_print_the_matrix() -> None:
    """Runs last in this module: prints what the other tests recorded (pytest -s)."""
    if MATRIX:
        print("\nfault | outcome | exit | runs | rows lost | rows duplicated")
        for row in MATRIX:
            print(" | ".join(str(v) for v in row))
