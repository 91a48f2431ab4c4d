"""The cost of a finding: issue-hours of waiting inside its week, worked out by hand (DESIGN.md, "Cost").

Every scenario reports one week, W = 2024-02-05 (week 5 after T0), with as_of = Monday 2024-02-12.
"""

from __future__ import annotations

from datetime import date

import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.result import AnalysisResult, Finding
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings

W = date(2024, 2, 5)
AS_OF = at(week(6))


def run(org: Org) -> AnalysisResult:
    return detect(org.frames(), AnalysisSettings(), as_of=AS_OF, weeks=1)


def finding(result: AnalysisResult, symptom: str, team: str = "PAY") -> Finding:
    (found,) = [f for f in result.findings if f.team == team and f.symptom == symptom and f.week_start == W]
    return found


def test_approval_cost_is_the_hours_in_approval_statuses_clipped_to_the_week() -> None:
    org = Org()
    for i, hours in enumerate((10, 20, 30), 1):
        org.issue(f"PAY-{i}", created=week(4))
        org.move(f"PAY-{i}", week(5), "Awaiting Approval")
        org.move(f"PAY-{i}", week(5, hours), "In Progress", by="boss")
        org.move(f"PAY-{i}", week(5, 100), "Done")
    org.issue("PAY-4", created=week(4))
    org.move("PAY-4", week(4, 150), "Awaiting Approval")  # 18 h before W, 5 h inside it
    org.move("PAY-4", week(5, 5), "In Progress", by="boss")
    org.issue("PAY-5", created=week(4))
    org.move("PAY-5", week(5, 120), "Awaiting Approval")  # still waiting at the end of W: 48 h
    org.issue("PAY-6", created=week(4))
    org.move("PAY-6", week(5, 160), "Awaiting Approval")
    org.change_team("PAY-6", week(5, 164), "PAY", "CORE")  # 4 h for PAY, 4 h for CORE
    org.issue("CORE-1", created=week(4))
    result = run(org)
    found = finding(result, "approval_bottleneck")
    assert found.cost_hours == pytest.approx(10 + 20 + 30 + 5 + 48 + 4)
    assert finding(result, "approval_bottleneck", "CORE").cost_hours == pytest.approx(4)
    made = found.explain["cost"]
    assert made["counted"] == "hours in approval statuses"
    assert made["issue_count"] == 6
    assert made["issues"][0] == {"issue": "PAY-5", "hours": 48.0}  # largest first, keys only
    assert [i["issue"] for i in made["issues"]] == ["PAY-5", "PAY-3", "PAY-2", "PAY-1", "PAY-4", "PAY-6"]


def test_rigid_workflow_cost_counts_waiting_roles_between_commitment_and_completion() -> None:
    org = Org()
    org.issue("PAY-1", created=week(4))  # backlog time before commitment never counts
    org.move("PAY-1", week(5, 0), "In Progress")
    org.move("PAY-1", week(5, 10), "Blocked")  # 20 h blocked
    org.move("PAY-1", week(5, 30), "To Do")  # 10 h back in the queue after commitment
    org.move("PAY-1", week(5, 40), "In Progress")
    org.move("PAY-1", week(5, 50), "Done")
    org.issue("PAY-2", created=week(4))  # never committed: nothing
    org.issue("PAY-3", created=week(4))
    org.move("PAY-3", week(4, 160), "Awaiting Approval")  # approval commits: 8 h before W, 6 h in W
    org.move("PAY-3", week(5, 6), "In Progress")
    found = finding(run(org), "rigid_workflow")
    assert found.cost_hours == pytest.approx(20 + 10 + 6)
    assert {i["issue"]: i["hours"] for i in found.explain["cost"]["issues"]} == {"PAY-1": 30.0, "PAY-3": 6.0}


def test_ownership_cost_is_in_progress_hours_with_no_assignee() -> None:
    org = Org()
    org.issue("PAY-1", created=week(4))
    org.move("PAY-1", week(5, 0), "In Progress")
    org.assign("PAY-1", week(5, 40), "ann")  # unowned for the first 40 h
    org.move("PAY-1", week(5, 100), "Done")
    org.issue("PAY-2", created=week(4))
    org.move("PAY-2", week(4, 100), "In Progress")  # never assigned, still in progress: all of W
    org.issue("PAY-3", created=week(4), assignee="bob")
    org.move("PAY-3", week(5, 0), "In Progress")  # owned from creation: nothing
    assert finding(run(org), "diluted_ownership").cost_hours == pytest.approx(40 + 168)


def test_blocking_cost_is_the_union_of_open_cross_team_blockers() -> None:
    org = Org()
    org.issue("CORE-1", created=week(4))
    org.issue("CORE-2", created=week(4))
    org.move("CORE-2", week(5, 50), "Done")  # resolves at W + 50 h
    org.issue("PAY-9", created=week(4))  # a same-team blocker never counts
    org.issue("PAY-1", created=week(4))
    org.move("PAY-1", week(5, 0), "In Progress")
    org.move("PAY-1", week(5, 100), "Done")
    org.block("CORE-1", "PAY-1", created=week(5, 20), removed=week(5, 60))  # 20..60
    org.block("CORE-2", "PAY-1", created=week(5, 10))  # 10..50 (blocker resolved)
    org.block("PAY-9", "PAY-1", created=week(5, 0))
    # Union of 10..50 and 20..60 = 50 h.
    assert finding(run(org), "cross_team_blocking").cost_hours == pytest.approx(50)


def test_meeting_cost_and_symptoms_without_a_waiting_cost() -> None:
    org = Org()
    org.status("Steering Committee", "todo")
    org.issue("PAY-1", created=week(4))
    org.move("PAY-1", week(5, 24), "Steering Committee")
    org.move("PAY-1", week(5, 96), "In Progress", by="chair")
    result = run(org)
    assert finding(result, "meeting_driven_process").cost_hours == pytest.approx(72)
    assert finding(result, "approval_bottleneck").cost_hours == 0.0
    for symptom in ("goal_disconnect", "oversized_team", "scattered_focus"):
        assert finding(result, symptom).cost_hours is None
