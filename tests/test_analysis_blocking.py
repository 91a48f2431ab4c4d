"""cross_team_blocking and the dependency matrix on small histories worked out by hand.

One reported week, W = 2024-02-05 (week 5 after T0), as_of = Monday 2024-02-12. Unless said
otherwise, PAY issues are created on T0 and in progress from Monday of week 1 onwards.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.result import AnalysisResult, DependencyRow, Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings

W = date(2024, 2, 5)
SYMPTOM = "cross_team_blocking"


def working(org: Org, *keys: str, since: float = week(1)) -> None:
    for key in keys:
        org.issue(key, created=0)
        org.move(key, since, "In Progress", by="dev")


def run(org: Org, *, weeks: int = 1, timezone: str = "UTC") -> AnalysisResult:
    settings = AnalysisSettings(timezone=timezone)
    return detect(org.frames(), settings, as_of=at(week(6)), weeks=weeks)


def finding(result: AnalysisResult, team: str = "PAY", when: date = W) -> Finding:
    (found,) = [
        f for f in result.findings if f.team == team and f.symptom == SYMPTOM and f.week_start == when
    ]
    return found


def scenario() -> Org:
    org = Org()
    working(org, *(f"PAY-{i}" for i in range(1, 8)))
    working(org, "CORE-1", "CORE-4", "CORE-3", since=week(0, 1))
    org.block("CORE-1", "PAY-1", created=week(5, 24), removed=week(5, 72))
    org.block("CORE-4", "PAY-1", created=week(5, 48), removed=week(5, 96))  # overlaps: 24..96 = 72 h
    org.block("EXT-9", "PAY-2", created=week(5, 100), outside=True, outside_done=True)  # 68 h, still open
    org.block("PAY-6", "PAY-3", created=week(2))  # same team: never counted
    org.issue("CORE-2", created=week(5, 48))
    org.block("CORE-2", "PAY-4")  # unknown creation: from CORE-2's creation, 120 h, still open
    org.block("CORE-3", "PAY-5", created=week(4))
    org.move("CORE-3", week(5, 10), "Done", by="dev")  # resolved: PAY-5 blocked week 4 .. W + 10 h
    org.issue("OPS-1", created=0, team="OPS")
    org.change_team("OPS-1", week(5, 120), "PAY", "OPS")  # PAY's own issue until W + 120 h
    org.block("OPS-1", "PAY-7", created=week(5))  # cross-team from W + 120 h: 48 h, still open
    return org


@pytest.fixture(scope="module")
def worked() -> AnalysisResult:
    return run(scenario())


def test_cross_team_blocked_share(worked: AnalysisResult) -> None:
    f = finding(worked)
    assert f.sample_size == 7  # PAY-1..7 in progress during W
    # Blocked by another team in W: PAY-1, PAY-2 (outside), PAY-4, PAY-5, PAY-7; not PAY-3 nor PAY-6.
    assert f.metrics["cross_team_blocked_share"] == pytest.approx(5 / 7, abs=1e-4)
    assert f.explain["sample_issue_keys"]["blocked"] == ["PAY-1", "PAY-2", "PAY-4", "PAY-5", "PAY-7"]
    assert f.severity == Severity.ALERT
    assert f.score == 1.0


def test_blocked_hours_p50(worked: AnalysisResult) -> None:
    # Episodes that ended in W: PAY-1 (72 h) and PAY-5 (week 4 Monday to W + 10 h = 178 h).
    assert finding(worked).metrics["blocked_hours_p50"] == pytest.approx(125.0)


def test_open_episodes_are_reported_apart(worked: AnalysisResult) -> None:
    f = finding(worked)
    # Still open at the end of W: PAY-2 (68 h), PAY-4 (120 h), PAY-7 (48 h).
    assert f.metrics["open_blocked_issues"] == 3
    assert f.metrics["open_blocked_oldest_hours"] == pytest.approx(120.0)
    assert f.explain["open_episodes"] == {"count": 3, "oldest_age_hours": 120.0}
    json.dumps(f.evidence)
    json.dumps(f.explain)


def test_outside_blocker_unknown_creation_and_team_move(worked: AnalysisResult) -> None:
    blocked = {item["issue"]: item for item in finding(worked).evidence if item["kind"] == "blocked_issue"}
    assert blocked["PAY-2"]["hours"] == 68.0  # outside, done today: unresolved while the link lives
    assert blocked["PAY-2"]["blocking_teams"] == ["EXT"]
    assert blocked["PAY-4"]["hours"] == 120.0  # no link creation time: from CORE-2's creation
    assert blocked["PAY-7"]["hours"] == 48.0  # OPS-1 was PAY's own issue until W + 120 h


def test_dependency_matrix(worked: AnalysisResult) -> None:
    assert worked.dependencies == [
        DependencyRow(
            week_start=W, blocked_team="PAY", blocking_team="CORE", blocked_issues=3, blocked_hours=202.0
        ),
        DependencyRow(
            week_start=W, blocked_team="PAY", blocking_team="EXT", blocked_issues=1, blocked_hours=68.0
        ),
        DependencyRow(
            week_start=W, blocked_team="PAY", blocking_team="OPS", blocked_issues=1, blocked_hours=48.0
        ),
    ]


def test_evidence_names_issues_blockers_and_team_pairs(worked: AnalysisResult) -> None:
    f = finding(worked)
    pairs = [item for item in f.evidence if item["kind"] == "team_pair"]
    assert pairs == [
        {"kind": "team_pair", "blocked_team": "PAY", "blocking_team": "CORE", "issues": 3, "hours": 202.0},
        {"kind": "team_pair", "blocked_team": "PAY", "blocking_team": "EXT", "issues": 1, "hours": 68.0},
        {"kind": "team_pair", "blocked_team": "PAY", "blocking_team": "OPS", "issues": 1, "hours": 48.0},
    ]
    assert f.evidence[: len(pairs)] == pairs
    blocked = {item["issue"]: item for item in f.evidence if item["kind"] == "blocked_issue"}
    assert blocked["PAY-1"] == {
        "kind": "blocked_issue",
        "issue": "PAY-1",
        "hours": 72.0,
        "blocked_by": ["CORE-1", "CORE-4"],
        "blocking_teams": ["CORE"],
    }
    assert blocked["PAY-2"]["blocker_done_now"] == ["EXT-9"]
    assert blocked["PAY-5"]["hours"] == 10.0
    assert "PAY-3" not in blocked


def test_same_team_blocking_is_not_counted() -> None:
    org = Org()
    working(org, *(f"PAY-{i}" for i in range(1, 6)))
    org.block("PAY-1", "PAY-2", created=week(3))
    f = finding(run(org))
    assert f.metrics["cross_team_blocked_share"] == 0.0
    assert f.severity == Severity.OK
    assert f.score == 0.0
    assert run(org).dependencies == []


def test_blocked_status_and_flag_time_join_the_episodes() -> None:
    org = Org()
    working(org, *(f"PAY-{i}" for i in range(1, 6)))
    org.walk("PAY-1", (week(5, 10), "Blocked", "dev"), (week(5, 30), "In Progress", "dev"))
    org.flag("PAY-1", week(5, 20), True)
    org.flag("PAY-1", week(5, 50), False)  # union of 10..30 and 20..50: one 40 h episode
    org.flag("PAY-2", week(5, 100), True)  # still flagged: open
    f = finding(run(org))
    assert f.metrics["blocked_hours_p50"] == pytest.approx(40.0)
    assert f.metrics["open_blocked_issues"] == 1
    assert f.metrics["open_blocked_oldest_hours"] == pytest.approx(68.0)
    assert f.metrics["cross_team_blocked_share"] == 0.0
    statuses = {item["status"]: item["hours"] for item in f.evidence if item["kind"] == "status"}
    assert statuses == {"Blocked": 20.0, "(flagged)": 98.0}


def test_insufficient_sample() -> None:
    org = Org()
    working(org, "PAY-1", "PAY-2", "PAY-3", "PAY-4")
    working(org, "CORE-1", since=week(0, 1))
    org.block("CORE-1", "PAY-1", created=week(5))
    f = finding(run(org))
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.score is None
    assert f.sample_size == 4
    assert f.metrics["cross_team_blocked_share"] == 0.25  # still reported


def test_completed_issue_leaves_the_sample() -> None:
    org = Org()
    working(org, *(f"PAY-{i}" for i in range(1, 6)))
    org.move("PAY-5", week(5), "Done", by="dev")  # done at the very start of W: not in progress in W
    org.issue("PAY-6", created=0)  # never committed
    assert finding(run(org)).sample_size == 4


@pytest.mark.parametrize(
    ("created", "removed", "expected"),
    [
        (week(5), None, "worsening"),  # 0 in the 4 weeks before, 0.75 now
        (week(1), week(5), "improving"),  # 0.75 before, 0 now
        (None, None, "stable"),
    ],
)
def test_direction(created: float | None, removed: float | None, expected: str) -> None:
    org = Org()
    working(org, *(f"PAY-{i}" for i in range(1, 6)), since=week(0, 1))
    working(org, "CORE-1", since=week(0, 1))
    if created is not None:
        org.block("CORE-1", "PAY-1", created=created, removed=removed)
    assert finding(run(org)).direction == expected


def test_direction_needs_two_scored_weeks_before() -> None:
    org = Org()
    working(org, *(f"PAY-{i}" for i in range(1, 6)), since=week(4))  # weeks 1-3: insufficient
    assert finding(run(org)).direction is None


def test_confidence_factor_history_complete() -> None:
    org = Org()
    working(org, *(f"PAY-{i}" for i in range(1, 6)))
    org.issue("PAY-5", created=0, history_complete=False)
    f = finding(run(org))
    assert f.explain["confidence_factors"]["history_complete_share"] == 0.8
    assert f.confidence == 0.8


def test_weeks_are_cut_in_the_analysis_time_zone() -> None:
    # Committed on Sunday 2024-02-04 23:30 UTC, which is Monday 00:30 in Paris.
    org = Org()
    working(org, *(f"PAY-{i}" for i in range(1, 6)), since=week(4, 167.5))
    before = date(2024, 1, 29)
    assert finding(run(org, weeks=2), when=before).sample_size == 5
    assert finding(run(org, weeks=2, timezone="Europe/Paris"), when=before).sample_size == 0
    assert finding(run(org, weeks=2, timezone="Europe/Paris")).sample_size == 5
