"""The cron is read as crontab (weekday 0 and 7 = Sunday) and a failing source never stops a tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from orgpulse.config import parse_settings
from orgpulse.cron import CronError, crontab_trigger, crontab_weekdays, next_fire
from orgpulse.errors import ConfigError, LockLostError
from orgpulse.schedule import run_tick
from orgpulse.store import Store
from orgpulse.sync import SourceReport

MONDAY = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # a Monday


def fires(cron: str, days: int = 14) -> list[str]:
    trigger = crontab_trigger(cron, "UTC")
    found, moment = [], MONDAY
    while True:
        moment = trigger.get_next_fire_time(None, moment + timedelta(minutes=1))
        if moment is None or moment > MONDAY + timedelta(days=days):
            return found
        found.append(moment.strftime("%a"))


def test_weekday_zero_and_seven_are_sunday_as_in_crontab() -> None:
    assert set(fires("0 2 * * 0")) == {"Sun"}  # APScheduler 3 alone would say Monday (apscheduler#286)
    assert set(fires("0 2 * * 7")) == {"Sun"}
    assert set(fires("0 2 * * sun")) == {"Sun"}


def test_weekday_ranges_steps_and_names_are_crontab_days() -> None:
    assert sorted(set(fires("0 2 * * 1-5"))) == ["Fri", "Mon", "Thu", "Tue", "Wed"]
    assert sorted(set(fires("0 2 * * mon-fri"))) == ["Fri", "Mon", "Thu", "Tue", "Wed"]
    assert sorted(set(fires("0 2 * * 5-7"))) == ["Fri", "Sat", "Sun"]
    assert crontab_weekdays("*/2") == "sun,tue,thu,sat"
    assert crontab_weekdays("1,3") == "mon,wed"


@pytest.mark.parametrize(
    ("cron", "says"),
    [
        ("0 25 * * *", "is not a valid cron expression"),
        ("61 * * * *", "is not a valid cron expression"),
        ("0 2 * * 8", "is not a day"),
        ("0 2 * * 5-2", "runs backwards"),
        ("0 2 1 * 1", "restricts both the day of month and the day of week"),
        ("0 2 * *", "five fields"),
    ],
)
def test_an_invalid_cron_is_one_sentence(cron: str, says: str) -> None:
    with pytest.raises(CronError, match=says):
        crontab_trigger(cron, "UTC")


def test_the_config_refuses_an_invalid_cron_at_load() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({"schedule": {"cron": "0 25 * * *"}}, path=None, environ={})
    (problem,) = caught.value.problems
    assert problem.startswith("schedule.cron: '0 25 * * *' is not a valid cron expression")


def test_next_fire_is_in_the_schedules_zone() -> None:
    found = next_fire("30 2 * * 0", "Europe/Paris", MONDAY)
    assert found is not None
    assert found.isoformat() == "2026-12-13T02:30:00+01:00"


def test_a_source_whose_sync_stops_on_a_store_error_does_not_stop_the_tick(store: Store) -> None:
    config = {
        "sources": [
            {"name": n, "kind": "jira_cloud", "url": "https://x.example", "email_env": "E", "token_env": "T"}
            for n in ("alpha", "beta")
        ]
    }
    settings = parse_settings(config, path=None, environ={"E": "e@example.com", "T": "t"})

    def sync(_settings: Any, _store: Store, *, only: list[str], trigger: str) -> list[SourceReport]:
        if only == ["alpha"]:
            raise LockLostError("a sync of source alpha: the lock was lost")
        return [SourceReport(name=only[0], kind="jira_cloud")]

    def analyze(*_args: Any, **_kwargs: Any) -> SimpleNamespace:
        return SimpleNamespace(run_id="r1")

    outcome = run_tick(settings, store, MONDAY, worker="w", sync=sync, analyze=analyze)
    assert outcome.failed == ["alpha"]
    assert [r.name for r in outcome.synced] == ["beta"]
    assert outcome.analysed == "r1"
