"""rigid_workflow on small histories whose answers are worked out by hand.

One reported week, W = 2024-02-05 (week 5 after T0), as_of = Monday 2024-02-12. Issues are created
on Monday of week 4 in "To Do" and done at W + 10 h unless said otherwise, so an issue committed at
week 4 + 10 h has a cycle time of 168 h.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.result import Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings

W = date(2024, 2, 5)
SYMPTOM = "rigid_workflow"
WORKFLOW = ("To Do", "In Progress", "Awaiting Approval", "Blocked", "Done", "Won't Do", "Legacy Gate")


def path(org: Org, key: str, *steps: tuple[float, str], created: float = week(4), by: str = "dev") -> None:
    """Created at `created` in To Do; each step is (hours after `created`, status); done at W + 10 h."""
    org.issue(key, created=created)
    for hours, status in steps:
        org.move(key, created + hours, status, by=by, bot=by == "robot")
    org.move(key, week(5, 10), "Done", by=by, bot=by == "robot")


def with_workflow(org: Org, statuses: Sequence[str] = WORKFLOW, team: str = "PAY") -> Frames:
    frames = org.frames()
    flows = pd.DataFrame({"team": team, "status_uid": [org.status_uid(s) for s in statuses]})
    return replace(frames, workflows=flows)


def run(frames: Frames, settings: AnalysisSettings | None = None) -> Finding:
    result = detect(frames, settings or AnalysisSettings(), as_of=at(week(6)), weeks=1)
    (found,) = [f for f in result.findings if f.team == "PAY" and f.symptom == SYMPTOM and f.week_start == W]
    return found


def scenario() -> Org:
    org = Org()
    org.status("Legacy Gate", "in_progress")
    path(org, "PAY-1", (10, "In Progress"))
    path(org, "PAY-2", (10, "In Progress"), (50, "Awaiting Approval"), (100, "In Progress"))  # 50 h approval
    path(org, "PAY-3", (10, "In Progress"), (20, "To Do"), (60, "In Progress"))  # back to the backlog: 40 h
    path(  # done, reopened: rework; 30 h blocked
        org,
        "PAY-4",
        (10, "In Progress"),
        (50, "Done"),
        (60, "In Progress"),
        (100, "Blocked"),
        (130, "In Progress"),
    )
    path(org, "PAY-5")  # straight to done: never committed
    path(org, "PAY-6", (10, "Awaiting Approval"), (110, "In Progress"))  # committed by approval: 100 h
    path(org, "PAY-7", (10, "In Progress"), (20, "Awaiting Approval"))  # 158 h approval, not rework
    org.issue("PAY-8", created=week(4))
    org.move("PAY-8", week(4, 10), "In Progress", by="dev")
    org.move("PAY-8", week(5, 10), "Won't Do", by="dev")  # canceled: not completed
    return org


@pytest.fixture(scope="module")
def worked() -> Finding:
    return run(with_workflow(scenario()))


def test_statuses_per_issue_p50(worked: Finding) -> None:
    assert worked.sample_size == 7
    # Distinct statuses (the initial and the completing one included): 3, 4, 3, 4, 2, 4, 4 -> median 4.
    assert worked.metrics["statuses_per_issue_p50"] == 4.0


def test_workflow_size_and_unused_status_share(worked: Finding) -> None:
    assert worked.metrics["workflow_size"] == 7
    # Entered by 7, 6, 3, 1, 7, 0, 0 of 7 completed issues; under 5 % of 7 (0.35): Won't Do, Legacy Gate.
    assert worked.metrics["unused_status_share"] == pytest.approx(2 / 7, abs=1e-4)
    unused = [item for item in worked.evidence if item["kind"] == "unused_status"]
    assert unused == [
        {"kind": "unused_status", "status": "Legacy Gate", "entered": 0, "completed": 7},
        {"kind": "unused_status", "status": "Won't Do", "entered": 0, "completed": 7},
    ]


def test_rework_share_both_ways(worked: Finding) -> None:
    # PAY-3 went back from in progress to the backlog, PAY-4 from done to in progress; PAY-7's move
    # from In Progress to an approval status (todo category, but committed work) is not rework.
    assert worked.metrics["rework_share"] == pytest.approx(2 / 7, abs=1e-4)
    assert worked.explain["sample_issue_keys"]["rework"] == ["PAY-3", "PAY-4"]


def test_queue_share(worked: Finding) -> None:
    # Queue time after commitment: 0 + 50 + 40 + 30 + 100 + 158 = 378 h over six 168 h cycles;
    # PAY-5 was never committed and adds nothing.
    assert worked.metrics["queue_share"] == pytest.approx(378 / 1008, abs=1e-4)
    assert worked.severity == Severity.OK
    assert worked.score == pytest.approx(0.5 * (378 / 1008) / 0.5, abs=1e-4)


def test_evidence_and_explain(worked: Finding) -> None:
    f = worked
    statuses = [item for item in f.evidence if item["kind"] == "status"]
    assert statuses == [
        {"kind": "status", "status": "Awaiting Approval", "role": "approval", "hours": 308.0},
        {"kind": "status", "status": "To Do", "role": "queue", "hours": 40.0},
        {"kind": "status", "status": "Blocked", "role": "blocked", "hours": 30.0},
    ]
    assert f.evidence[: len(statuses)] == statuses
    issues = [item for item in f.evidence if item["kind"] == "completed_issue"]
    assert issues[0] == {
        "kind": "completed_issue",
        "issue": "PAY-7",
        "hours": 158.0,
        "cycle_hours": 168.0,
        "statuses": 4,
        "rework": False,
    }
    assert f.explain["thresholds"] == {
        "queue_share": {"watch": 0.5, "alert": 0.7},
        "min_sample": 5,
        "unused_entry_share": 0.05,
        "unused_weeks": 12,
    }
    assert f.explain["unused_status_window"] == ["2023-11-20", "2024-02-12"]


def test_queue_share_alert() -> None:
    org = Org()
    for i in range(1, 6):
        path(org, f"PAY-{i}", (10, "Awaiting Approval"), (148, "In Progress"))  # 138 of 168 h waiting
    f = run(with_workflow(org))
    assert f.metrics["queue_share"] == pytest.approx(138 / 168, abs=1e-4)
    assert f.severity == Severity.ALERT


def test_unused_means_fewer_than_five_percent_over_twelve_weeks() -> None:
    org = Org()
    org.status("Legal Check", "in_progress")
    org.status("Security Check", "in_progress")
    # 40 issues completed over W-11..W (weeks -6..5), 5 of them in W.
    for i in range(40):
        done_week = -6 + i % 11 if i >= 5 else 5
        key = f"PAY-{i + 1}"
        org.issue(key, created=week(done_week - 1))
        org.move(key, week(done_week - 1, 10), "In Progress", by="dev")
        if i in (10, 11):
            org.move(key, week(done_week - 1, 20), "Legal Check", by="dev")  # 2 of 40 = 5 %: used
        if i == 12:
            org.move(key, week(done_week - 1, 20), "Security Check", by="dev")  # 1 of 40: unused
        org.move(key, week(done_week, 10), "Done", by="dev")
    for i in range(3):  # W-12: outside the trailing 12 weeks
        org.issue(f"PAY-{100 + i}", created=week(-8))
        org.move(f"PAY-{100 + i}", week(-8, 5), "Security Check", by="dev")
        org.move(f"PAY-{100 + i}", week(-7, 10), "Done", by="dev")
    f = run(with_workflow(org, ["To Do", "In Progress", "Done", "Legal Check", "Security Check"]))
    assert f.sample_size == 5
    assert f.metrics["workflow_size"] == 5
    assert f.metrics["unused_status_share"] == pytest.approx(1 / 5)
    assert [item["status"] for item in f.evidence if item["kind"] == "unused_status"] == ["Security Check"]


def test_no_workflow_known() -> None:
    f = run(scenario().frames())
    assert f.metrics["workflow_size"] is None
    assert f.metrics["unused_status_share"] is None
    assert f.metrics["queue_share"] == pytest.approx(378 / 1008, abs=1e-4)


def test_bot_moves_count_like_any_other() -> None:
    org = Org()
    org.person("robot", bot=True)
    for i in range(1, 6):  # an automation sends the issue back to the backlog: still rework
        path(org, f"PAY-{i}", (10, "In Progress"), (20, "To Do"), (60, "In Progress"), by="robot")
    f = run(with_workflow(org))
    assert f.metrics["rework_share"] == 1.0
    assert f.metrics["queue_share"] == pytest.approx(40 / 168, abs=1e-4)


def test_below_the_minimum_sample_is_insufficient_data() -> None:
    org = Org()
    for i in range(1, 5):
        path(org, f"PAY-{i}", (10, "Awaiting Approval"), (148, "In Progress"))
    f = run(with_workflow(org))
    assert f.sample_size == 4
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.score is None
    assert f.metrics["queue_share"] == pytest.approx(138 / 168, abs=1e-4)
