from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from apscheduler.schedulers import base as apscheduler_base
from apscheduler.schedulers.background import BackgroundScheduler

from orgpulse.config import parse_settings
from orgpulse.schedule import JsonFormatter, build_scheduler, claim, run_tick, tick_label
from orgpulse.store import Store
from orgpulse.sync import SourceReport

CONFIG = {
    "sources": [
        {"name": n, "kind": "jira_cloud", "url": "https://x.example", "email_env": "E", "token_env": "T"}
        for n in ("alpha", "beta", "gamma")
    ],
    "schedule": {"cron": "30 2 * * *", "timezone": "Europe/Paris"},
}
SETTINGS = parse_settings(CONFIG, path=None, environ={"E": "e@example.com", "T": "t"})


def test_both_fires_of_a_daylight_saving_repeat_are_one_tick() -> None:
    # 2026-10-25: 02:30 happens twice in Paris, at 00:30 UTC (CEST) and 01:30 UTC (CET).
    first = tick_label(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Europe/Paris")
    second = tick_label(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Europe/Paris")
    assert first == second == "2026-10-25T02:30"


def test_a_tick_is_claimed_once_per_source(store: Store) -> None:
    now = datetime.now(UTC)
    assert claim(store, "2026-10-25T02:30", "alpha", "w1", now)
    assert not claim(store, "2026-10-25T02:30", "alpha", "w2", now)
    assert claim(store, "2026-10-25T02:30", "beta", "w2", now)
    assert claim(store, "2026-10-26T02:30", "alpha", "w2", now)


def test_two_workers_sharing_a_store_sync_each_source_once_per_tick(store: Store) -> None:
    calls: list[tuple[str, str]] = []
    lock = threading.Lock()

    def fake_sync(settings: Any, _store: Store, *, only: list[str], trigger: str) -> list[SourceReport]:
        assert trigger == "schedule"
        with lock:
            calls.append((threading.current_thread().name, only[0]))
        return [SourceReport(name=only[0], kind="jira_cloud")]

    def fake_analyze(*_args: Any, **_kwargs: Any) -> SimpleNamespace:
        return SimpleNamespace(run_id="r")

    fired = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)
    outcomes = []

    def worker(name: str) -> None:
        for _ in range(2):  # a second fire of the same tick (DST, restart) syncs nothing more
            outcomes.append(
                run_tick(SETTINGS, store, fired, worker=name, sync=fake_sync, analyze=fake_analyze)
            )

    threads = [threading.Thread(target=worker, args=(f"w{i}",), name=f"w{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(source for _, source in calls) == ["alpha", "beta", "gamma"]
    assert sum(len(o.skipped) for o in outcomes) == 3 * 4 - 3


def test_a_cron_one_minute_ahead_runs_one_tick_on_test_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Near the real time: the executor checks the misfire grace against the real clock.
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    due = start + timedelta(minutes=1)
    clock = {"now": start}

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> FakeDatetime:  # type: ignore[override]
            return clock["now"].astimezone(tz)  # type: ignore[return-value]

    monkeypatch.setattr(apscheduler_base, "datetime", FakeDatetime)
    settings = parse_settings(
        {**CONFIG, "schedule": {"cron": f"{due.minute} {due.hour} * * *", "timezone": "UTC"}},
        path=None,
        environ={"E": "e", "T": "t"},
    )
    ran = threading.Event()
    runs: list[datetime] = []

    def job() -> None:
        runs.append(clock["now"])
        ran.set()

    scheduler = build_scheduler(settings, job, scheduler_class=BackgroundScheduler)
    scheduler.start()  # its thread reads the test's clock: one minute early, nothing is due
    try:
        (scheduled,) = scheduler.get_jobs()
        assert scheduled.next_run_time == start + timedelta(minutes=1)
        assert not ran.wait(0.3)
        clock["now"] = start + timedelta(minutes=1, seconds=1)
        scheduler.wakeup()  # one second past the cron minute on the test's clock: the tick is due
        assert ran.wait(5)
        scheduler.wakeup()  # the same minute again: already run, not re-run
        assert scheduler.get_jobs()[0].next_run_time == start + timedelta(days=1, minutes=1)
    finally:
        scheduler.shutdown(wait=True)
    assert len(runs) == 1


def test_json_logs_are_one_object_per_line() -> None:
    import json
    import logging

    record = logging.LogRecord("orgpulse.sync", logging.INFO, __file__, 1, "sync %s: ok", ("acme",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "sync acme: ok"
    assert entry["level"] == "INFO"


def test_schedule_logs_json_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\nurl = "sqlite:///op.db"\n[[sources]]\nname = "a"\nkind = "jira_cloud"\n'
        'url = "https://x.example"\nemail_env = "E"\ntoken_env = "T"\n[schedule]\ncron = "0 3 * * *"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "E": "e@example.com", "T": "t"}
    command = [
        sys.executable,
        "-c",
        "from orgpulse.cli import main; main()",
        "--config",
        str(config),
        "schedule",
    ]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for _ in range(20):  # every line is one JSON object, APScheduler's own included
        entry = json.loads(proc.stderr.readline())
        if entry["logger"] == "orgpulse.schedule":
            break
    assert entry["message"].startswith("orgpulse schedule: cron '0 3 * * *' in UTC, next tick ")
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    rest = [json.loads(line) for line in proc.stderr.read().splitlines() if line.strip()]
    assert any("SIGTERM" in entry["message"] for entry in rest)
