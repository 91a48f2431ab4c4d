"""The `[schedule] cron` string: crontab as users write it, turned into an APScheduler 3 trigger.

APScheduler 3 numbers weekdays from Monday (0 = mon ... 6 = sun), crontab from Sunday (0 or 7 =
sun ... 6 = sat): passed through as is, `0 2 * * 0` would run on Mondays and `1-5` from Tuesday
to Saturday (agronholm/apscheduler#286). The day-of-week field is therefore read as crontab
(numbers 0-7, names sun-sat, ranges, steps, lists) and handed over as APScheduler day names.
Crontab's other fields mean the same in both. A day-of-month and a day-of-week both restricted
fire when both match here (APScheduler), when either matches in crontab; that combination is
refused rather than silently read another way.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # imported when a trigger is made: every command reads the config, few schedule
    from apscheduler.triggers.cron import CronTrigger

CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab's 0..6 (7 is sun again)


class CronError(ValueError):
    """A cron expression orgpulse cannot run as crontab would."""


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field as an APScheduler 3 one (day names, so no numbering can differ)."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        days |= _weekday_part(part.strip().lower(), field)
    return ",".join(CRONTAB_DAYS[d] for d in sorted(days))


def _weekday_part(part: str, field: str) -> set[int]:
    body, _, step_text = part.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) < 1:
            raise CronError(f"day of week {field!r}: the step {step_text!r} is not a positive number")
        step = int(step_text)
    if body in ("*", "?"):
        first, last = 0, 6
    elif "-" in body:
        low, _, high = body.partition("-")
        first, last = _weekday(low, field), _weekday(high, field)
        if last == 0 and first > 0:
            last = 7  # "5-7", "fri-sun": up to Sunday
        if first > last:
            raise CronError(f"day of week {field!r}: the range {body!r} runs backwards")
    else:
        first = last = _weekday(body, field)
        if step_text:
            last = 6
    return {d % 7 for d in range(first, last + 1, step)}


def _weekday(text: str, field: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text[:3] in CRONTAB_DAYS and text in (text[:3], _full(text[:3])):
        return CRONTAB_DAYS.index(text[:3])
    raise CronError(f"day of week {field!r}: {text!r} is not a day (0-7 with 0 and 7 Sunday, or sun-sat)")


def _full(day: str) -> str:
    return {"sun": "sunday", "mon": "monday", "tue": "tuesday", "wed": "wednesday",
            "thu": "thursday", "fri": "friday", "sat": "saturday"}[day]  # fmt: skip


def crontab_trigger(cron: str, timezone: str) -> CronTrigger:
    """The trigger firing when crontab would; CronError with one sentence when the cron is invalid."""
    from apscheduler.triggers.cron import CronTrigger

    fields = cron.split()
    if len(fields) != 5:
        raise CronError(f"{cron!r} must have five fields: minute hour day-of-month month day-of-week")
    minute, hour, day, month, weekday = fields
    if day not in ("*", "?") and weekday not in ("*", "?"):
        raise CronError(
            f"{cron!r} restricts both the day of month and the day of week, which crontab reads as "
            "either and APScheduler as both: keep one of them '*'"
        )
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=crontab_weekdays(weekday),
            timezone=ZoneInfo(timezone),
        )
    except CronError:
        raise
    except (ValueError, TypeError) as exc:
        raise CronError(f"{cron!r} is not a valid cron expression ({exc})") from None


def next_fire(cron: str, timezone: str, now: datetime) -> datetime | None:
    """When the schedule next fires after `now`, in its time zone (None: never)."""
    trigger = crontab_trigger(cron, timezone)
    found: datetime | None = trigger.get_next_fire_time(None, now.astimezone(ZoneInfo(timezone)))
    return found
