"""The nightly job: an APScheduler 3 cron in the foreground; each tick syncs every source, then analyses.

Several workers may share one PostgreSQL store. Each keeps its own scheduler and in-memory job
store (APScheduler 3 job stores must never be shared between schedulers); a tick is claimed per
(tick, source) through a unique row, so each source is synced once per tick — also when a
daylight-saving change fires one cron minute twice, since the tick is the cron's wall-clock time.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from orgpulse.analyze import run_analyze
from orgpulse.config import Settings
from orgpulse.cron import crontab_trigger
from orgpulse.errors import LockHeldError, OrgpulseError, StoreError
from orgpulse.store import Store
from orgpulse.sync import SourceReport, run_sync

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 3600


@dataclass
class TickOutcome:
    tick: str
    synced: list[SourceReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # claimed by another worker or an earlier fire
    failed: list[str] = field(default_factory=list)  # stopped by a store error (the journal says why)
    analysed: str | None = None  # the analysis run id
    error: str | None = None


def trigger_of(settings: Settings) -> CronTrigger:
    """The crontab of [schedule], weekdays translated for APScheduler 3 (orgpulse.cron)."""
    return crontab_trigger(settings.schedule.cron, settings.schedule.timezone)


def tick_label(fired_at: datetime, zone: str) -> str:
    """The cron's wall-clock minute in the schedule's zone: the same for both fires of a DST repeat."""
    return fired_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def claim(store: Store, tick: str, source: str, worker: str, now: datetime) -> bool:
    """True when this worker is the one that syncs `source` for `tick` (the store's unique claim row)."""
    return store.claim_tick(tick, source, worker, now)


def run_tick(
    settings: Settings,
    store: Store,
    fired_at: datetime,
    *,
    worker: str | None = None,
    sync: Callable[..., list[SourceReport]] = run_sync,
    analyze: Callable[..., Any] = run_analyze,
) -> TickOutcome:
    """One tick: claim and sync each source, then analyse under the store-wide lock."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    outcome = TickOutcome(tick=tick_label(fired_at, settings.schedule.timezone))
    for source in settings.sources:
        if not claim(store, outcome.tick, source.name, worker, datetime.now(UTC)):
            outcome.skipped.append(source.name)
            continue
        try:
            outcome.synced += sync(settings, store, only=[source.name], trigger="schedule")
        except LockHeldError as exc:
            log.warning("tick %s: %s", outcome.tick, exc)
            outcome.skipped.append(source.name)
        except StoreError as exc:  # this source's sync stopped (a lost lock, a full disk): the next go on
            log.error("tick %s: sync %s stopped: %s: %s", outcome.tick, source.name, type(exc).__name__, exc)
            outcome.failed.append(source.name)
    if not outcome.synced:
        return outcome
    try:
        outcome.analysed = analyze(settings, store, trigger="schedule").run_id  # under the store-wide lock
    except OrgpulseError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
        log.error("tick %s: analysis failed: %s", outcome.tick, outcome.error)
    return outcome


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what a log shipper reads under the scheduler."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_class"] = record.exc_info[0].__name__
        return json.dumps(entry)


def build_scheduler(
    settings: Settings, job: Callable[[], None], *, scheduler_class: type[BaseScheduler] = BlockingScheduler
) -> BaseScheduler:
    """A scheduler of its own (never a shared job store) with one coalescing cron job."""
    scheduler = scheduler_class(timezone=ZoneInfo(settings.schedule.timezone))
    scheduler.add_job(
        job,
        trigger_of(settings),
        id="orgpulse-nightly",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
    )
    return scheduler


def run_schedule(settings: Settings, store: Store) -> None:
    """Run the nightly job in the foreground until SIGTERM or SIGINT; JSON logs on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    trigger = trigger_of(settings)

    def job() -> None:
        fired = _latest_fire(trigger, datetime.now(UTC))
        outcome = run_tick(settings, store, fired)
        log.info(
            "tick %s: synced %s, skipped %s, analysis %s; next tick %s",
            outcome.tick,
            [f"{r.name}:{'ok' if r.ok else type(r.error).__name__}" for r in outcome.synced],
            outcome.skipped,
            outcome.analysed or outcome.error or "not run",
            _next_tick(trigger, settings),
        )

    scheduler = build_scheduler(settings, job)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the running tick", signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "orgpulse schedule: cron %r in %s, next tick %s",
        settings.schedule.cron,
        settings.schedule.timezone,
        _next_tick(trigger, settings),
    )
    scheduler.start()


def _next_tick(trigger: CronTrigger, settings: Settings) -> str:
    found = trigger.get_next_fire_time(None, datetime.now(ZoneInfo(settings.schedule.timezone)))
    return found.isoformat() if found is not None else "never"


def _latest_fire(trigger: CronTrigger, now: datetime) -> datetime:
    """The fire time this run belongs to: the last one at or before now (a misfired run keeps its tick)."""
    fire: datetime | None = trigger.get_next_fire_time(None, now - timedelta(days=2))
    latest = fire
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest or now
