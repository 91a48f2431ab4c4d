"""The sandbox site's clock: its time zone, its ISO weeks, its working hours, Jira's timestamp format.

Every instant inside the sandbox is an integer of epoch milliseconds (UTC). People act in working
hours of the site's time zone (Europe/Paris, so offsets change with daylight saving time); the
*working coordinate* counts working seconds since the first Monday 09:00 of the history, which lets
the generator split a lead time into segments that all fall inside office hours.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from time import gmtime
from zoneinfo import ZoneInfo

SITE_TZ = ZoneInfo("Europe/Paris")
SITE_TZ_NAME = "Europe/Paris"
DAY_OPEN = time(9, 0)
WORK_DAY_S = 9 * 3600  # 09:00-18:00


def local_ms(day: date, at: time = time(0, 0)) -> int:
    """Epoch milliseconds of a wall-clock time of the site on `day`."""
    return int(datetime.combine(day, at, tzinfo=SITE_TZ).timestamp() * 1000)


@lru_cache(maxsize=1 << 16)
def _offset(hour: int) -> tuple[int, str]:
    """The site's UTC offset (seconds, "+0100") during one UTC hour (offsets change on the hour)."""
    moment = datetime.fromtimestamp(hour * 3600, SITE_TZ)
    delta = moment.utcoffset()
    return (int(delta.total_seconds()) if delta else 0, f"{moment:%z}")


def jira_datetime(ms: int) -> str:
    """`2024-03-05T14:02:11.123+0100`: Jira's format, in the site's offset at that instant."""
    offset, suffix = _offset(ms // 3_600_000)
    t = gmtime(ms // 1000 + offset)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        f".{ms % 1000:03d}{suffix}"
    )


def utc_z(ms: int) -> str:
    """`2020-06-12T00:38:51.882Z`: the format the agile fields (sprints) use."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


class Calendar:
    """The weeks of one generated history and the working-time coordinate over them.

    Week 0 starts on the Monday `weeks - 1` weeks before the anchor's Monday; the last week is the
    anchor's own (incomplete) week. Working days are Monday to Friday, 09:00-18:00 site time.
    """

    def __init__(self, anchor: date, weeks: int) -> None:
        self.anchor = anchor
        self.weeks = weeks
        anchor_monday = anchor - timedelta(days=anchor.weekday())
        self.first_monday = anchor_monday - timedelta(weeks=weeks - 1)
        self.week_mondays = [self.first_monday + timedelta(weeks=k) for k in range(weeks + 1)]
        self.week_start_ms = [local_ms(day) for day in self.week_mondays]
        self.start_ms = self.week_start_ms[0]
        self.horizon_ms = local_ms(anchor, time(19, 0))  # nothing happens later than this
        days: list[date] = []
        day = self.first_monday
        while day <= anchor:
            if day.weekday() < 5:
                days.append(day)
            day += timedelta(days=1)
        self.work_days = days
        self.day_open_ms = [local_ms(d, DAY_OPEN) for d in days]
        self.work_total = len(days) * WORK_DAY_S
        self._day_index = {d: i for i, d in enumerate(days)}

    def work_to_ms(self, work: int) -> int:
        """The instant of a working coordinate (seconds), clamped to the history."""
        work = min(max(work, 0), self.work_total - 1)
        day, offset = divmod(work, WORK_DAY_S)
        return self.day_open_ms[day] + offset * 1000

    def ms_to_work(self, ms: int) -> int:
        """The working coordinate of an instant; evenings and weekends map to the previous close."""
        day = bisect_right(self.day_open_ms, ms) - 1
        if day < 0:
            return 0
        offset = (ms - self.day_open_ms[day]) // 1000
        return day * WORK_DAY_S + min(offset, WORK_DAY_S - 1)

    def week_work_range(self, week: int) -> tuple[int, int]:
        """Working coordinates [first, last) of the working days of `week` (clipped to the anchor)."""
        monday = self.week_mondays[week]
        first = last = None
        for offset in range(5):
            index = self._day_index.get(monday + timedelta(days=offset))
            if index is None:
                continue
            if first is None:
                first = index
            last = index
        if first is None or last is None:
            return (0, 0)
        return (first * WORK_DAY_S, (last + 1) * WORK_DAY_S)
