"""The status use case: what on-call checks in the morning (fresh data? did the last runs succeed?)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orgpulse.config import Settings
from orgpulse.cron import next_fire
from orgpulse.store import Store
from orgpulse.store.runs import RunRecord, last_success, latest_runs

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(text: str) -> timedelta:
    """'36h', '90m', '2d', '45s' -> timedelta; ValueError otherwise."""
    match = _AGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an age such as 36h, 90m or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class SourceStatus:
    name: str
    last_run: RunRecord | None
    last_success: datetime | None
    problem: str | None  # None when healthy


@dataclass(frozen=True)
class ScheduleInfo:
    """The nightly job's cron (crontab, in its zone) and when it fires next."""

    cron: str
    timezone: str
    next_tick: datetime | None

    @classmethod
    def of(cls, settings: Settings, now: datetime) -> ScheduleInfo:
        cron, zone = settings.schedule.cron, settings.schedule.timezone
        return cls(cron, zone, next_fire(cron, zone, now))

    def as_json(self) -> dict[str, Any]:
        return {
            "cron": self.cron,
            "timezone": self.timezone,
            "next_tick": self.next_tick.isoformat() if self.next_tick else None,
        }

    def line(self) -> str:
        when = self.next_tick.strftime("%Y-%m-%d %H:%M %Z") if self.next_tick else "never"
        return f"schedule: cron '{self.cron}' ({self.timezone}), next tick {when}"


@dataclass(frozen=True)
class Status:
    sources: list[SourceStatus]
    analysis: RunRecord | None
    analysis_problem: str | None
    schedule: ScheduleInfo | None = None

    @property
    def healthy(self) -> bool:
        return self.analysis_problem is None and all(s.problem is None for s in self.sources)

    def as_json(self) -> dict[str, Any]:
        def run(r: RunRecord | None) -> dict[str, Any] | None:
            if r is None:
                return None
            return {
                "run_id": r.run_id,
                "trigger": r.trigger,
                "host": r.host,
                "pid": r.pid,
                "started_at": r.started_at.isoformat(),
                "finished_at": r.finished_at and r.finished_at.isoformat(),
                "outcome": r.outcome,
                "seconds": r.seconds,
                "counts": dict(r.counts),
                "requests": r.requests,
                "error_class": r.error_class,
            }

        return {
            "healthy": self.healthy,
            "sources": [
                {
                    "name": s.name,
                    "last_run": run(s.last_run),
                    "last_success": s.last_success and s.last_success.isoformat(),
                    "problem": s.problem,
                }
                for s in self.sources
            ],
            "analysis": {"last_run": run(self.analysis), "problem": self.analysis_problem},
            "schedule": self.schedule.as_json() if self.schedule else None,
        }


def run_status(settings: Settings, store: Store, *, max_age: timedelta, now: datetime) -> Status:
    latest = {(r.kind, r.source): r for r in latest_runs(store)}
    sources = []
    for source in settings.sources:
        run = latest.get(("sync", source.name))
        success = last_success(store, kind="sync", source=source.name)
        sources.append(
            SourceStatus(source.name, run, success, _problem(run, success, max_age, now, "synced"))
        )
    analysis = latest.get(("analyze", None))
    analysed = last_success(store, kind="analyze", source=None)
    problem = _problem(analysis, analysed, max_age, now, "analysed")
    return Status(sources, analysis, problem, ScheduleInfo.of(settings, now))


def _problem(
    run: RunRecord | None, success: datetime | None, max_age: timedelta, now: datetime, verb: str
) -> str | None:
    if run is None or success is None:
        return f"never {verb} successfully"
    if run.outcome in ("failed", "aborted"):
        return f"last run {run.outcome}: {run.error_class or 'unknown error'}"
    if now - success > max_age:
        hours = (now - success).total_seconds() / 3600
        return f"last {verb} {hours:.1f} h ago (older than {max_age.total_seconds() / 3600:g} h)"
    return None
