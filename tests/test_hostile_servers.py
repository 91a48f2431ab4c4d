"""Hostile servers: each attack on a loopback proxy in front of the sandbox, then a clean rerun.

Every attack must end the source's sync with one clear error (or be absorbed), never loop, hang,
blow the memory up or leak a credential; and the store after a clean rerun must hold exactly the
sandbox's truth (rows lost = rows duplicated = 0).
"""

from __future__ import annotations

import base64
import logging
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hostile import Exchange, HostileProxy, Stream, gzip_bomb, trickle
from orgpulse.config import SourceSettings
from orgpulse.connector import Connector
from orgpulse.connectors.jira.client import JiraClient
from orgpulse.connectors.jira.client_dc import JiraDataCenterClient
from orgpulse.connectors.jira.cloud import jira_cloud_connector
from orgpulse.connectors.jira.datacenter import jira_dc_connector
from orgpulse.connectors.linear.client import LinearClient
from orgpulse.connectors.linear.connector import LinearConnector
from orgpulse.demo import demo_settings, demo_source
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_LINEAR_KEY
from orgpulse.store import Store
from orgpulse.store.packing import unpack
from orgpulse.store.runs import latest_runs
from orgpulse.sync import SourceReport, run_sync

ANCHOR = date(2026, 11, 20)
ORG = generate_org(seed=5, issues=100, anchor=ANCHOR, weeks=8)
TRUTH = truth_of(ORG)["totals"]
SECRETS = (
    SANDBOX_TOKEN,
    SANDBOX_LINEAR_KEY,
    base64.b64encode(f"{SANDBOX_EMAIL}:{SANDBOX_TOKEN}".encode()).decode(),
)


@contextmanager
def sandbox(dialect: str) -> Iterator[SandboxServer]:
    server = SandboxServer(ORG, dialect=dialect)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def upstream(server: SandboxServer, dialect: str) -> str:
    return f"{server.url}/graphql" if dialect == "linear" else server.url


def factory(source: SourceSettings) -> Connector:
    def no_sleep(_: float) -> None:
        return None

    if source.kind == "jira_cloud":
        return jira_cloud_connector(source, client=JiraClient(source, sleep=no_sleep))
    if source.kind == "jira_dc":
        return jira_dc_connector(source, client=JiraDataCenterClient(source, sleep=no_sleep))
    return LinearConnector(source, client=LinearClient(source, sleep=no_sleep))


def sync(dialect: str, url: str, store: Store, **overrides: Any) -> SourceReport:
    folder = Path(store.engine.url.database or ".").parent
    base = demo_source(dialect, url.removesuffix("/graphql"))
    source = replace(base, **{"page_size": 10, "max_retries": 0, **overrides})
    (report,) = run_sync(demo_settings(url, folder, sources=[source]), store, connector_factory=factory)
    return report


def lost_and_duplicated(store: Store, dialect: str) -> tuple[int, int]:
    name = demo_source(dialect, "http://x").name
    held = store.source_totals(name)
    truth = TRUTH[dialect]
    return (
        sum(max(0, truth[k] - held[k]) for k in truth),
        sum(max(0, held[k] - truth[k]) for k in truth),
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'orgpulse.db'}")


def _search(exchange: Exchange) -> bool:
    return exchange.method == "POST" and exchange.path.split("?")[0].endswith(
        ("/search/jql", "/api/2/search")
    )


def _linear_issues(exchange: Exchange) -> bool:
    doc = exchange.request_json()
    return isinstance(doc, dict) and str(doc.get("query", "")).lstrip().startswith("query Issues")


def test_cloud_a_new_token_every_page_with_the_same_issues_is_refused(store: Store) -> None:
    first: dict[str, Any] = {}

    def attack(exchange: Exchange) -> Exchange | None:
        if not _search(exchange) or exchange.request_json().get("fields", [None])[0] == "key":
            return None
        doc = exchange.answer_json()
        if not first:
            first.update(doc)
        exchange.set_json({**first, "nextPageToken": uuid.uuid4().hex, "isLast": False})
        return exchange

    def rewrite(exchange: Exchange) -> None:
        if _search(exchange):  # the forged tokens mean nothing to the sandbox: always its first page
            doc = exchange.request_json()
            doc.pop("nextPageToken", None)
            exchange.request_body = json_bytes(doc)

    with sandbox("jira_cloud") as server, HostileProxy(server.url, attack, rewrite) as proxy:
        started = time.monotonic()
        report = sync("jira_cloud", proxy.url, store)
    assert time.monotonic() - started < 60
    assert type(report.error).__name__ == "PaginationError"
    assert "brought nothing new" in str(report.error)
    with sandbox("jira_cloud") as server:
        assert sync("jira_cloud", server.url, store).ok
    assert lost_and_duplicated(store, "jira_cloud") == (0, 0)


def test_dc_ignoring_start_at_never_corrupts_the_checkpoint(store: Store) -> None:
    """The server answers its first page whatever startAt is asked, echoes startAt, claims a huge total."""
    asked: dict[int, int] = {}

    def rewrite(exchange: Exchange) -> None:
        if _search(exchange):
            doc = exchange.request_json()
            asked[id(exchange)] = int(doc.get("startAt") or 0)
            exchange.request_body = json_bytes({**doc, "startAt": 0})

    def attack(exchange: Exchange) -> Exchange | None:
        if not _search(exchange):
            return None
        doc = exchange.answer_json()
        exchange.set_json({**doc, "startAt": asked.get(id(exchange), 0), "total": 10_000_000})
        return exchange

    with sandbox("jira_dc") as server, HostileProxy(server.url, attack, rewrite) as proxy:
        report = sync("jira_dc", proxy.url, store)
    assert type(report.error).__name__ == "PaginationError"
    checkpoint = store.load_cursor("sandbox-dc")["checkpoint"]
    assert checkpoint["start_at"] <= 10  # what was received and verified: one page at most
    with sandbox("jira_dc") as server:  # healthy again: the next sync holds everything
        assert sync("jira_dc", server.url, store).ok
    assert lost_and_duplicated(store, "jira_dc") == (0, 0)


def json_bytes(doc: Any) -> bytes:
    import json

    return json.dumps(doc).encode()


def test_linear_a_new_cursor_every_page_with_the_same_nodes_is_refused(store: Store) -> None:
    def rewrite(exchange: Exchange) -> None:
        if _linear_issues(exchange):
            doc = exchange.request_json()
            exchange.request_body = json_bytes({**doc, "variables": {**doc["variables"], "after": None}})

    def attack(exchange: Exchange) -> Exchange | None:
        if not _linear_issues(exchange):
            return None
        doc = exchange.answer_json()
        doc["data"]["issues"]["pageInfo"] = {"hasNextPage": True, "endCursor": uuid.uuid4().hex}
        exchange.set_json(doc)
        return exchange

    with sandbox("linear") as server, HostileProxy(upstream(server, "linear"), attack, rewrite) as proxy:
        report = sync("linear", proxy.url, store)
    assert type(report.error).__name__ == "PaginationError"
    with sandbox("linear") as server:
        assert sync("linear", upstream(server, "linear"), store).ok
    assert lost_and_duplicated(store, "linear") == (0, 0)


@pytest.mark.parametrize("dialect", ["jira_cloud", "linear"])
def test_a_trickling_body_meets_the_overall_deadline(store: Store, dialect: str) -> None:
    def attack(exchange: Exchange) -> Stream | None:
        hit = _search(exchange) if dialect != "linear" else _linear_issues(exchange)
        return trickle(exchange, pause=0.2) if hit else None

    with sandbox(dialect) as server, HostileProxy(upstream(server, dialect), attack) as proxy:
        started = time.monotonic()
        report = sync(dialect, proxy.url, store, timeout_seconds=5.0, deadline_seconds=1.5)
    assert time.monotonic() - started < 20
    assert type(report.error).__name__ == "DeadlineExceededError"
    assert "within its 2 s deadline" in str(report.error)


@pytest.mark.parametrize("dialect", ["jira_cloud", "linear"])
def test_a_gzip_bomb_is_refused_without_holding_it(store: Store, dialect: str) -> None:
    bomb = gzip_bomb(200)

    def attack(exchange: Exchange) -> Stream | None:
        hit = _search(exchange) if dialect != "linear" else _linear_issues(exchange)
        if not hit:
            return None
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        return Stream(200, headers, iter([bomb[i : i + 65536] for i in range(0, len(bomb), 65536)]))

    with sandbox(dialect) as server, HostileProxy(upstream(server, dialect), attack) as proxy:
        tracemalloc.start()
        report = sync(dialect, proxy.url, store, max_response_mb=8.0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert type(report.error).__name__ == "ResponseTooLargeError"
    assert "larger than 8 MB" in str(report.error)
    assert peak < 80 * 1024 * 1024  # 200 MB expanded would need far more


@pytest.mark.parametrize("dialect", ["jira_cloud", "jira_dc", "linear"])
def test_non_object_entries_are_quarantined_and_counted(store: Store, dialect: str) -> None:
    injected: list[bool] = []

    def attack(exchange: Exchange) -> Exchange | None:
        hit = _search(exchange) if dialect != "linear" else _linear_issues(exchange)
        if not hit or injected:
            return None
        doc = exchange.answer_json()
        if dialect == "linear":
            doc["data"]["issues"]["nodes"] += ["oops", 7, None]
        else:
            if not doc.get("issues") or "changelog" not in str(exchange.request_body):
                return None
            doc["issues"] += ["oops", 7, None]
        injected.append(True)
        exchange.set_json(doc)
        return exchange

    with sandbox(dialect) as server, HostileProxy(upstream(server, dialect), attack) as proxy:
        report = sync(dialect, proxy.url, store)
    assert report.ok, report.error
    assert injected
    assert report.counts["quarantined"] == 3
    assert lost_and_duplicated(store, dialect) == (0, 0)


def test_secrets_echoed_by_jira_are_scrubbed_everywhere(store: Store) -> None:
    def attack(exchange: Exchange) -> Exchange | None:
        if not _search(exchange):
            return None
        auth = exchange.request_headers.get("Authorization", "")
        exchange.set_json(
            {
                "errorMessages": [f"bad request, you sent Authorization: {auth}"],
                "errors": {"token": SANDBOX_TOKEN},
            },
            status=400,
        )
        return exchange

    with sandbox("jira_cloud") as server, HostileProxy(server.url, attack) as proxy:
        report = sync("jira_cloud", proxy.url, store)
    assert type(report.error).__name__ == "HTTPStatusError"
    assert "***" in str(report.error)
    (run,) = [r for r in latest_runs(store) if r.kind == "sync"]
    assert_no_secret(str(report.error), str(report.as_json()), run.error_message or "")


def test_a_non_json_server_info_is_not_logged_by_the_jira_library(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def attack(exchange: Exchange) -> Exchange | None:
        if "serverInfo" not in exchange.path:
            return None
        auth = exchange.request_headers.get("Authorization", "")
        exchange.status = 200
        exchange.headers = {"Content-Type": "text/html"}
        exchange.body = f"<html>Log in. Your header was {auth}</html>".encode() * 1000
        return exchange

    with (
        sandbox("jira_cloud") as server,
        HostileProxy(server.url, attack) as proxy,
        caplog.at_level(logging.DEBUG),
    ):
        report = sync("jira_cloud", proxy.url, store)
    assert type(report.error).__name__ == "ProtocolError"
    assert "did not answer serverInfo as Jira does" in str(report.error)
    assert not [r for r in caplog.records if r.name.startswith("jira")]
    assert_no_secret(caplog.text, str(report.error))


def test_linear_watermarks_follow_the_trackers_clock(store: Store) -> None:
    """The tracker's clock runs an hour behind the host's: the watermark must not run ahead of it."""
    with sandbox("linear") as server, HostileProxy(upstream(server, "linear")) as proxy:
        proxy.date_shift_seconds = -3600.0
        before = datetime.now(UTC)
        assert sync("linear", proxy.url, store, overlap_minutes=0).ok
    watermark = datetime.fromisoformat(
        store.load_cursor("sandbox-linear")["watermark"].replace("Z", "+00:00")
    )
    assert watermark <= before - timedelta(minutes=59)
    assert watermark >= before - timedelta(minutes=61)


def stored_text(store: Store) -> bytes:
    """Every value of every table, as text, and every raw payload unpacked: what a secret could hide in."""
    with store.engine.connect() as conn:
        raw = [unpack(p) for (p,) in conn.execute(sa.text("SELECT payload FROM raw_records"))]
        assert raw
        rows = [
            repr(tuple(row)).encode()
            for table in sa.inspect(conn).get_table_names()
            if table != "raw_records"
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))
        ]
    return b"\n".join([*rows, *raw])


@pytest.mark.parametrize("dialect", ["jira_cloud", "jira_dc", "linear"])
def test_secrets_a_server_echoes_in_its_data_never_reach_the_store(dialect: str, any_store: Store) -> None:
    """A server that writes the request's credentials into issue titles and people's names (history
    authors included): the sync goes on, and the store holds `***` where they stood, never the secrets,
    on SQLite and PostgreSQL alike."""
    store = any_store

    def attack(exchange: Exchange) -> Exchange | None:
        answer = {k.lower(): v for k, v in exchange.headers.items()}
        if exchange.status != 200 or "json" not in answer.get("content-type", ""):
            return None
        auth = {k.lower(): v for k, v in exchange.request_headers.items()}.get("authorization", "")
        scheme, _, credential = auth.partition(" ")
        if scheme == "Basic":  # the token itself, as the server can decode it
            credential = base64.b64decode(credential).decode().partition(":")[2]
        echo = f"you sent {auth} ({credential or auth})"

        def poison(node: Any) -> Any:
            if isinstance(node, dict):
                return {
                    k: f"{v} {echo}"
                    if k in ("summary", "title", "displayName", "name") and isinstance(v, str)
                    else poison(v)
                    for k, v in node.items()
                }
            if isinstance(node, list):
                return [poison(v) for v in node]
            return node

        exchange.set_json(poison(exchange.answer_json()))
        return exchange

    with sandbox(dialect) as server, HostileProxy(upstream(server, dialect), attack) as proxy:
        report = sync(dialect, proxy.url, store, keep_raw=True)
    assert report.ok, report.error
    assert report.counts["issues"] == TRUTH[dialect]["issues"]
    held = stored_text(store)
    leaks = [s for s in SECRETS if s.encode() in held]
    assert not leaks, f"{len(leaks)} secret(s) stored"
    assert b"***" in held
