"""Timeline building blocks: intervals, commitment and completion, team at a time, unions, week cutting."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from analysis_builder import T0, Org, at
from orgpulse.analysis.catalogue import Catalogue, build_catalogue
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.analysis.teams import TeamLookup
from orgpulse.analysis.timeline import issue_facts, status_intervals, union_intervals
from orgpulse.analysis.weeks import HOUR_NS, NAT, build_week_grid, clip_to_weeks, timestamp_ns

SETTINGS = AnalysisSettings()


def ns(hours: float) -> int:
    return timestamp_ns(T0) + int(hours * HOUR_NS)


def prepare(org: Org, as_of_hours: float) -> tuple[Catalogue, pd.DataFrame, pd.DataFrame]:
    frames = org.frames()
    cat = build_catalogue(frames, SETTINGS, ns(as_of_hours))
    intervals = status_intervals(cat, frames.status_changes, ns(as_of_hours))
    return cat, intervals, issue_facts(cat, intervals, ns(as_of_hours))


def spans(cat: Catalogue, intervals: pd.DataFrame, key: str) -> list[tuple[str, float, float, bool]]:
    code = int(cat.issues.codes(pd.Series([f"jira:{key}"]))[0])
    mine = intervals.loc[intervals["issue"] == code]
    return [
        (str(cat.statuses.names[s]), (a - ns(0)) / HOUR_NS, (b - ns(0)) / HOUR_NS, bool(o))
        for s, a, b, o in zip(mine["status"], mine["start"], mine["end"], mine["open"], strict=True)
    ]


def fact(cat: Catalogue, facts: pd.DataFrame, key: str, column: str) -> float | None:
    code = int(cat.issues.codes(pd.Series([f"jira:{key}"]))[0])
    value = int(facts[column].iloc[code])
    return None if value == NAT else (value - ns(0)) / HOUR_NS


def test_intervals_start_with_the_first_from_status_and_run_to_as_of() -> None:
    org = Org()
    org.issue("A-1", created=0)
    org.move("A-1", 10, "In Progress")
    org.move("A-1", 30, "Done")
    org.move("A-1", 500, "In Progress")  # after as_of: ignored
    org.issue("A-2", created=5, status="Blocked")  # never moved: its current status from creation
    cat, intervals, _ = prepare(org, 100)
    assert spans(cat, intervals, "A-1") == [
        ("To Do", 0, 10, False),
        ("In Progress", 10, 30, False),
        ("Done", 30, 100, True),
    ]
    # A-2's current status is "Blocked" but with no change at all, that is its only interval.
    assert spans(cat, intervals, "A-2") == [("Blocked", 5, 100, True)]


def test_initial_status_comes_from_the_first_change_even_after_as_of() -> None:
    org = Org()
    org.issue("A-1", created=0, status="Awaiting Approval")
    org.move("A-1", 200, "Done")
    cat, intervals, _ = prepare(org, 100)
    assert spans(cat, intervals, "A-1") == [("Awaiting Approval", 0, 100, True)]


def test_exit_actor_and_repeated_status() -> None:
    org = Org()
    org.issue("A-1", created=0)
    org.move("A-1", 10, "Awaiting Approval", by="ann")
    org.move("A-1", 12, "Awaiting Approval", by="bob")  # no-op: same status
    org.move("A-1", 20, "In Progress", by="boss")
    org.move("A-1", 30, "Done", by="robot", bot=True)
    cat, intervals, _ = prepare(org, 100)
    assert spans(cat, intervals, "A-1")[1] == ("Awaiting Approval", 10, 20, False)
    people = cat.people.pseudonyms[intervals["exit_actor"].to_numpy()[:3]].tolist()
    assert people == ["p-ann", "p-boss", "p-robot"]
    assert intervals["exit_bot"].tolist() == [False, False, True, True]


def test_commitment_and_completion() -> None:
    org = Org()
    org.status("Backlog", "todo")
    org.issue("A-1", created=0)
    org.walk(
        "A-1",
        (5, "Backlog", "x"),
        (10, "Awaiting Approval", "x"),
        (20, "In Progress", "x"),
        (40, "Done", "x"),
    )
    org.issue("A-2", created=0)  # reopened and still open: not completed
    org.walk("A-2", (10, "In Progress", "x"), (20, "Done", "x"), (30, "In Progress", "x"))
    org.issue("A-3", created=0)  # reopened and done again: completion is the last entry into done
    org.walk("A-3", (10, "In Progress", "x"), (20, "Done", "x"), (30, "In Progress", "x"), (50, "Done", "x"))
    org.issue("A-4", created=0, resolution="Won't Do")  # done with a canceled resolution
    org.walk("A-4", (10, "In Progress", "x"), (20, "Done", "x"))
    org.issue("A-5", created=0)  # done-category status named like a cancellation
    org.walk("A-5", (10, "In Progress", "x"), (20, "Won't Do", "x"))
    org.issue("A-6", created=0, epic=True)
    org.walk("A-6", (10, "In Progress", "x"), (20, "Done", "x"))
    org.issue("A-7", created=0)  # todo straight to done: never committed
    org.walk("A-7", (10, "Done", "x"))
    cat, _, facts = prepare(org, 100)
    assert fact(cat, facts, "A-1", "commitment") == 10  # approval statuses commit, backlog does not
    assert fact(cat, facts, "A-1", "completed") == 40
    assert facts["lead"].iloc[0] == 40 * HOUR_NS
    assert facts["cycle"].iloc[0] == 30 * HOUR_NS
    assert fact(cat, facts, "A-1", "progress_end") == 40
    assert fact(cat, facts, "A-2", "completed") is None
    assert fact(cat, facts, "A-2", "progress_end") == 100
    assert fact(cat, facts, "A-3", "completed") == 50
    assert fact(cat, facts, "A-4", "completed") is None
    assert fact(cat, facts, "A-4", "canceled_at") == 20
    assert fact(cat, facts, "A-4", "progress_end") == 20
    assert fact(cat, facts, "A-5", "completed") is None
    assert fact(cat, facts, "A-5", "canceled_at") == 20
    assert fact(cat, facts, "A-6", "completed") is None
    assert fact(cat, facts, "A-6", "progress_start") is None
    assert fact(cat, facts, "A-7", "completed") == 10
    assert fact(cat, facts, "A-7", "commitment") is None
    assert fact(cat, facts, "A-7", "progress_start") is None


def test_completion_is_the_start_of_the_final_done_spell() -> None:
    org = Org()
    org.status("Closed", "done")
    org.issue("A-1", created=0)
    org.walk("A-1", (10, "In Progress", "x"), (20, "Done", "x"), (60, "Closed", "x"))
    cat, _, facts = prepare(org, 100)
    assert fact(cat, facts, "A-1", "completed") == 20


def test_team_at_a_time() -> None:
    org = Org()
    org.issue("PAY-1", created=0, team="CORE")
    org.change_team("PAY-1", 50, "PAY", "CORE")
    org.issue("PAY-2", created=0)
    frames = org.frames()
    cat = build_catalogue(frames, SETTINGS, ns(100))
    lookup = TeamLookup(cat, frames.team_changes)
    issues = np.array([0, 0, 0, 1])
    times = np.array([ns(10), ns(50), ns(80), ns(10)])
    assert cat.teams.labels[lookup.at(issues, times)].tolist() == ["PAY", "CORE", "CORE", "PAY"]


def test_union_merges_overlapping_and_touching_intervals_per_key() -> None:
    key = np.array([1, 1, 1, 2, 1])
    start = np.array([0, 5, 20, 0, 10])
    end = np.array([10, 8, 30, 5, 20])
    out = union_intervals(key, start, end)
    assert list(zip(out["key"], out["start"], out["end"], strict=True)) == [(1, 0, 30), (2, 0, 5)]


def test_week_grid_counts_complete_weeks_before_as_of() -> None:
    grid = build_week_grid(datetime(2024, 2, 14, 9, tzinfo=UTC), "UTC", 2)
    assert [grid.starts[w] for w in grid.reported] == [date(2024, 1, 29), date(2024, 2, 5)]
    assert grid.starts[grid.first_scored] == date(2024, 1, 1)  # 4 direction weeks before
    monday = build_week_grid(datetime(2024, 2, 12, tzinfo=UTC), "UTC", 1)
    assert [monday.starts[w] for w in monday.reported] == [date(2024, 2, 5)]


def test_sunday_late_evening_utc_is_monday_in_paris() -> None:
    sunday = datetime(2024, 1, 14, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris (CET)
    as_of = datetime(2024, 2, 1, tzinfo=UTC)
    utc, paris = build_week_grid(as_of, "UTC", 3), build_week_grid(as_of, "Europe/Paris", 3)
    t = np.array([timestamp_ns(sunday)])
    assert utc.starts[int(utc.week_of(t)[0])] == date(2024, 1, 8)
    assert paris.starts[int(paris.week_of(t)[0])] == date(2024, 1, 15)
    # Paris weeks start at Monday 00:00 local, Sunday 23:00 UTC in winter.
    assert paris.bounds[paris.first_reported] == timestamp_ns(datetime(2024, 1, 7, 23, tzinfo=UTC))


def test_weeks_follow_daylight_saving() -> None:
    grid = build_week_grid(datetime(2024, 4, 10, tzinfo=UTC), "Europe/Paris", 2)
    lengths = np.diff(grid.bounds) / HOUR_NS
    spring = grid.starts.index(date(2024, 3, 25))  # clocks go forward on Sunday 31 March
    assert lengths[spring] == 167
    assert set(np.delete(lengths, spring).tolist()) == {168}


def test_clip_to_weeks_cuts_intervals_at_week_bounds() -> None:
    grid = build_week_grid(at(24 * 7 * 10), "UTC", 1)  # reported week: 2024-03-04; grid from 2024-01-08
    first = int(grid.bounds[0])
    start = np.array([first - 10 * HOUR_NS, first + 100 * HOUR_NS])
    end = np.array([first + 5 * HOUR_NS, first + 200 * HOUR_NS])
    row, week, piece_start, piece_end = clip_to_weeks(start, end, grid)
    assert row.tolist() == [0, 1, 1]
    assert week.tolist() == [0, 0, 1]
    assert ((piece_end - piece_start) / HOUR_NS).tolist() == [5, 68, 32]
