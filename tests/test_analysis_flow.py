"""Flow per team and week on a small history whose figures are worked out by hand (DESIGN.md, "Flow").

W = 2024-02-05 (week 5 after T0), as_of = Monday 2024-02-12; every issue is in team PAY.
    PAY-1  created W-1 Mon; In Progress W-1 +100 h; Code Review W +10; Awaiting Approval W +30; Done W +50
           lead 218 h, cycle 118 h: 78 h in progress, 20 h in review, 20 h in approval
    PAY-2  created W Mon; In Progress W +20; Done W +40: lead 40 h, cycle 20 h
    PAY-3  created W Mon; Done W +10 straight from To Do: completed, lead 10 h, never committed
    PAY-4  In Progress from W +100, still open: 68 h of W, 68 h old at the end of W
    PAY-5  In Progress from W-2 Mon, still open: all 168 h of W, 504 h old at the end of W
    PAY-6  In Progress from W Mon, Won't Do at W +84: 84 h of WIP, never completed
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.flow import CYCLE_POINTS
from orgpulse.analysis.result import FlowRow
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings

W = date(2024, 2, 5)


def history() -> Org:
    org = Org()
    org.status("Code Review", "in_progress")
    org.issue("PAY-1", created=week(4))
    org.walk(
        "PAY-1",
        (week(4, 100), "In Progress", "dev"),
        (week(5, 10), "Code Review", "dev"),
        (week(5, 30), "Awaiting Approval", "dev"),
        (week(5, 50), "Done", "boss"),
    )
    org.issue("PAY-2", created=week(5))
    org.walk("PAY-2", (week(5, 20), "In Progress", "dev"), (week(5, 40), "Done", "dev"))
    org.issue("PAY-3", created=week(5))
    org.move("PAY-3", week(5, 10), "Done")
    org.issue("PAY-4", created=week(5))
    org.move("PAY-4", week(5, 100), "In Progress")
    org.issue("PAY-5", created=week(3))
    org.move("PAY-5", week(3), "In Progress")
    org.issue("PAY-6", created=week(5))
    org.walk("PAY-6", (week(5), "In Progress", "dev"), (week(5, 84), "Won't Do", "dev"))
    return org


@pytest.fixture(scope="module")
def row() -> FlowRow:
    result = detect(history().frames(), AnalysisSettings(), as_of=at(week(6)), weeks=1)
    (found,) = [r for r in result.flow if r.team == "PAY" and r.week_start == W]
    return found


def test_throughput_counts_completed_issues_not_canceled_ones(row: FlowRow) -> None:
    assert row.metrics["throughput"] == 3


def test_wip_is_the_time_weighted_mean_of_issues_in_progress(row: FlowRow) -> None:
    # PAY-1 50 h + PAY-2 20 h + PAY-4 68 h + PAY-5 168 h + PAY-6 84 h over the week's 168 h.
    assert row.metrics["wip"] == pytest.approx(390 / 168, abs=1e-4)


def test_cycle_time_percentiles_of_committed_completed_issues(row: FlowRow) -> None:
    assert row.metrics["cycle_p50_hours"] == pytest.approx(69.0)  # (118 + 20) / 2
    assert row.metrics["cycle_p85_hours"] == pytest.approx(20 + 0.85 * 98, abs=1e-4)


def test_lead_time_percentiles_of_completed_issues(row: FlowRow) -> None:
    assert row.metrics["lead_p50_hours"] == pytest.approx(40.0)  # of 10, 40, 218
    assert row.metrics["lead_p85_hours"] == pytest.approx(40 + 0.7 * 178, abs=1e-4)


def test_flow_efficiency_is_active_and_review_time_over_cycle_time(row: FlowRow) -> None:
    assert row.metrics["flow_efficiency"] == pytest.approx((78 + 20 + 20) / 138, abs=1e-4)


def test_wip_age_p85_of_the_work_still_in_progress_at_the_end_of_the_week(row: FlowRow) -> None:
    assert row.metrics["wip_age_p85_hours"] == pytest.approx(68 + 0.85 * (504 - 68), abs=1e-4)


def test_status_time_splits_the_cycle_time_and_the_shares_sum_to_one(row: FlowRow) -> None:
    spent = {s.status: (s.hours, s.share) for s in row.status_time}
    assert spent == {
        "In Progress": (pytest.approx(98.0), pytest.approx(98 / 138, abs=1e-6)),
        "Code Review": (pytest.approx(20.0), pytest.approx(20 / 138, abs=1e-6)),
        "Awaiting Approval": (pytest.approx(20.0), pytest.approx(20 / 138, abs=1e-6)),
    }
    assert row.status_time[0].status == "In Progress"  # most hours first
    assert sum(s.share or 0.0 for s in row.status_time) == pytest.approx(1.0, abs=1e-3)


def test_a_week_without_completions_has_no_times_but_still_its_wip() -> None:
    org = Org()
    org.issue("PAY-1", created=week(4))
    org.move("PAY-1", week(4, 84), "In Progress")
    result = detect(org.frames(), AnalysisSettings(), as_of=at(week(6)), weeks=1)
    (found,) = [r for r in result.flow if r.team == "PAY"]
    assert found.metrics["throughput"] == 0
    assert found.metrics["wip"] == pytest.approx(1.0)
    assert found.metrics["cycle_p50_hours"] is None
    assert found.metrics["flow_efficiency"] is None
    assert found.metrics["wip_age_p85_hours"] == pytest.approx(168 + 84)
    assert found.status_time == []


def test_cycle_points_are_the_committed_completed_issues_behind_the_percentiles() -> None:
    result = detect(history().frames(), AnalysisSettings(), as_of=at(week(6)), weeks=1)
    points = {(p.team, p.week_start, p.issue): p.cycle_hours for p in result.cycle_points}
    # PAY-3 completed without commitment and PAY-6 was canceled: neither has a cycle time.
    assert points == {("PAY", W, "PAY-1"): 118.0, ("PAY", W, "PAY-2"): 20.0}


def test_past_the_cap_cycle_points_keep_the_shortest_the_longest_and_the_spread() -> None:
    org = Org()
    for i in range(CYCLE_POINTS * 3):
        org.issue(f"PAY-{i + 1}", created=week(5))
        org.walk(f"PAY-{i + 1}", (week(5, 1), "In Progress", "dev"), (week(5, 2 + i), "Done", "dev"))
    result = detect(org.frames(), AnalysisSettings(), as_of=at(week(6)), weeks=1)
    hours = sorted(p.cycle_hours for p in result.cycle_points if p.week_start == W)
    assert len(hours) == CYCLE_POINTS
    assert (hours[0], hours[-1]) == (1.0, float(CYCLE_POINTS * 3))
    assert all(2.0 <= b - a <= 4.0 for a, b in pairwise(hours))
