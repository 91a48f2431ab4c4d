"""The sync use case: every configured source, page by page, into the store.

The runner owns the policy: a source that fails is recorded with its error class and the others
go on; each page's records and cursor are committed together, then their counts are checked.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import sqlalchemy as sa

from orgpulse import collector
from orgpulse.config import Settings, SourceSettings
from orgpulse.connector import Connector
from orgpulse.errors import AuthError, MissingScopeError, OrgpulseError, SourceError, StoreError
from orgpulse.redact import redactor_of, scrub_error, strip_credentials
from orgpulse.store import Store
from orgpulse.store.known import load_settled_updates
from orgpulse.store.locks import Lease
from orgpulse.store.runs import abort_stale_runs, finish_run, start_run

log = logging.getLogger(__name__)

COLLECT_EVERY = 16  # pages stored between garbage collections while a sync runs (collector.paused)


class SyncProgress(Protocol):
    """What the runner tells whoever displays progress (a Rich bar, a log, nothing)."""

    def start(self, source: str) -> None: ...

    def advance(self, source: str, seen: int) -> None: ...

    def finish(self, source: str, ok: bool) -> None: ...


class _Silent:
    def start(self, source: str) -> None:
        return None

    def advance(self, source: str, seen: int) -> None:
        return None

    def finish(self, source: str, ok: bool) -> None:
        return None


@dataclass
class SourceReport:
    """The outcome of one source's sync: the store's totals after it, and its cost."""

    name: str
    kind: str
    counts: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0
    error: OrgpulseError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def partial(self) -> bool:
        """Synced, but some configured projects or teams were not found (they are named in the error)."""
        return isinstance(self.error, MissingScopeError)

    @property
    def auth_failed(self) -> bool:
        return isinstance(self.error, AuthError)

    def as_json(self) -> dict[str, object]:
        counts = {k: self.counts.get(k, 0) for k in ("issues", "status_changes", "assignee_changes", "links")}
        return {
            "name": self.name,
            **counts,
            "quarantined": self.counts.get("quarantined", 0),
            "requests": self.requests,
            "ok": self.ok,
            "error": None
            if self.error is None
            else {"class": type(self.error).__name__, "message": str(self.error)},
        }


ConnectorFactory = Callable[[SourceSettings], Connector]


def run_sync(
    settings: Settings,
    store: Store,
    *,
    full: bool = False,
    connector_factory: ConnectorFactory | None = None,
    progress: SyncProgress | None = None,
    only: Sequence[str] | None = None,
    trigger: str = "manual",
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[SourceReport]:
    """Sync every source (or those named in `only`); one source's failure is in its report, not raised.

    Raises LockHeldError, before syncing anything, when another run holds one of the sources.
    """
    if connector_factory is None:
        from orgpulse.connectors import make_connector

        connector_factory = make_connector
    shown = progress or _Silent()
    # Building a connector does no I/O; building them all first turns an unsupported kind into a
    # configuration error before any source runs.
    chosen = [s for s in settings.sources if only is None or s.name in only]
    connectors = [(source, connector_factory(source)) for source in chosen]
    leases: list[Lease] = []
    try:
        for source in chosen:
            lease = Lease(store, f"sync:{source.name}")
            lease.acquire()
            leases.append(lease)
        with collector.paused():  # collected every COLLECT_EVERY pages instead
            return [
                _sync_one(store, source, connector, lease, full, shown, trigger, clock)
                for (source, connector), lease in zip(connectors, leases, strict=True)
            ]
    finally:
        for lease in leases:
            lease.release()
        for _, connector in connectors:
            connector.close()


def _sync_one(
    store: Store,
    source: SourceSettings,
    connector: Connector,
    lease: Lease,
    full: bool,
    shown: SyncProgress,
    trigger: str,
    clock: Callable[[], datetime],
) -> SourceReport:
    report = SourceReport(name=source.name, kind=source.kind)
    started = time.monotonic()
    shown.start(source.name)
    abort_stale_runs(store, kind="sync", source=source.name, now=clock())
    run_id = start_run(store, kind="sync", source=source.name, trigger=trigger, now=clock())
    try:
        store.save_source(source.name, source.kind, strip_credentials(source.url))
        cursor = {} if full else store.load_cursor(source.name)
        secrets = redactor_of(source)  # a server may echo them inside its data: never stored
        if not full and hasattr(connector, "known_updates"):  # it skips what the store holds unchanged
            connector.known_updates = lambda ids: load_settled_updates(store, source.name, ids)
        for stored, page in enumerate(connector.fetch(cursor, full=full, now=clock()), start=1):
            lease.check()  # a lost lock means another run may be writing: stop before this page
            store.save_page(
                source.name,
                page.batch,
                page.cursor,
                now=clock(),
                census_max_share=source.census_max_deleted_share,
                secrets=secrets,
            )
            shown.advance(source.name, page.seen)
            if stored % COLLECT_EVERY == 0:
                gc.collect(1)  # the cycles the pages left behind (collector.paused)
        missing = tuple(getattr(connector, "missing_scopes", ()))
        if missing:
            kind = "team" if source.kind == "linear" else "project"
            report.error = MissingScopeError(kind, missing, source=source.name)
    except StoreError as exc:
        # The store may be what failed: the journal row is then closed by the next run.
        with contextlib.suppress(StoreError, sa.exc.SQLAlchemyError):
            finish_run(store, run_id, outcome="aborted", now=clock(), requests=connector.requests, error=exc)
        raise
    except SourceError as exc:
        exc.source = exc.source or source.name
        report.error = exc
    except OrgpulseError as exc:
        report.error = exc
    except BaseException as exc:
        finish_run(store, run_id, outcome="aborted", now=clock(), requests=connector.requests, error=exc)
        raise
    if report.error is not None:  # a server may echo the credential back in its error text
        scrub_error(report.error, redactor_of(source))
    report.requests = connector.requests
    report.counts = store.source_totals(source.name)
    report.seconds = time.monotonic() - started
    finish_run(
        store,
        run_id,
        outcome="ok" if report.ok else "failed",
        now=clock(),
        counts=report.counts,
        requests=report.requests,
        error=report.error,
    )
    shown.finish(source.name, report.ok)
    log.info(
        "sync %s: %s, %d issues, %d requests, %.1fs",
        source.name,
        "ok" if report.ok else type(report.error).__name__,
        report.counts.get("issues", 0),
        report.requests,
        report.seconds,
    )
    return report


def exit_code(reports: list[SourceReport]) -> int:
    """DESIGN.md exit codes: 0 all ok, 4 some failed (a source missing some of its projects or teams
    is part success, part failure), 3 all failed with an auth failure, else 1."""
    if all(r.ok for r in reports):
        return 0
    if any(r.ok or r.partial for r in reports):
        return 4
    if any(r.auth_failed for r in reports):
        return 3
    return 1
