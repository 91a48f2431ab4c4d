"""approval_bottleneck on small histories whose answers are worked out by hand.

Every scenario reports one week, W = 2024-02-05 (week 5 after T0), with as_of = Monday 2024-02-12.
Issue i of the team is created Monday of week 4, enters "Awaiting Approval" on Monday of W,
leaves it after hours[i] (moved by the approver), and is done at W + 100 h unless said otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.result import AnalysisResult, Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings

W = date(2024, 2, 5)
AS_OF = at(week(6))
SYMPTOM = "approval_bottleneck"


def approvals(
    org: Org,
    hours: Sequence[float],
    approvers: Sequence[str | None],
    *,
    team: str = "PAY",
    done: float = 100,
    bots: Sequence[str] = (),
) -> None:
    for i, (h, who) in enumerate(zip(hours, approvers, strict=True), 1):
        key = f"{team}-{i}"
        org.issue(key, created=week(4))
        org.move(key, week(5), "Awaiting Approval", by="dev")
        org.move(key, week(5, h), "In Progress", by=who, bot=who in bots)
        org.move(key, week(5, done), "Done", by="dev")


def run(org: Org, settings: AnalysisSettings | None = None) -> AnalysisResult:
    return detect(org.frames(), settings or AnalysisSettings(), as_of=AS_OF, weeks=1)


def finding(result: AnalysisResult, team: str = "PAY", symptom: str = SYMPTOM) -> Finding:
    (found,) = [f for f in result.findings if f.team == team and f.symptom == symptom and f.week_start == W]
    return found


def metrics_org() -> Org:
    org = Org()
    approvals(org, [10, 20, 30, 40, 50, 60, 70, 80], ["boss"] * 6 + ["vp", "cto"])
    for key in ("PAY-1", "PAY-2", "PAY-3"):
        org.assign(key, week(4), "cto")  # assignee of 3 team issues: cto is a member
    org.issue("PAY-9", created=week(4))
    org.move("PAY-9", week(5, 50), "Awaiting Approval", by="dev")  # still waiting at the end of W
    return org


@pytest.fixture(scope="module")
def worked() -> Finding:
    return finding(run(metrics_org()))


def test_approval_wait_share(worked: Finding) -> None:
    # 360 h in approval over 8 lead times of 268 h (week 4 Monday to W + 100 h); PAY-9 is not done.
    assert worked.metrics["approval_wait_share"] == pytest.approx(360 / 2144, abs=1e-4)


def test_approval_wait_p50_and_p85_hours(worked: Finding) -> None:
    # Visits ended in W: 10, 20, ..., 80 h.
    assert worked.metrics["approval_wait_p50_hours"] == pytest.approx(45.0)
    assert worked.metrics["approval_wait_p85_hours"] == pytest.approx(69.5)  # linear: 60 + 0.95 × 10


def test_approver_concentration(worked: Finding) -> None:
    assert worked.metrics["approver_concentration"] == pytest.approx(7 / 8, abs=1e-4)  # boss 6 + one more


def test_external_approver_share(worked: Finding) -> None:
    # Members: dev (moved 9 issues) and cto (assignee of 3); boss and vp made 7 of the 8 exits.
    assert worked.metrics["external_approver_share"] == pytest.approx(7 / 8, abs=1e-4)


def test_open_visits_are_reported_apart(worked: Finding) -> None:
    assert worked.metrics["open_visits"] == 1  # PAY-9, waiting since W + 50 h
    assert worked.metrics["open_visit_oldest_hours"] == pytest.approx(118.0)
    assert worked.explain["open_visits"] == {"count": 1, "oldest_age_hours": 118.0}


def test_sample_severity_score_confidence(worked: Finding) -> None:
    assert worked.sample_size == 8
    assert worked.severity == Severity.WATCH
    assert worked.score == pytest.approx(0.5 + 0.25 * (360 / 2144 - 0.15) / 0.10, abs=1e-4)
    assert worked.confidence == 1.0
    assert worked.direction is None  # no scored week before has a sample


def test_evidence_and_explain(worked: Finding) -> None:
    f = worked
    assert f.evidence[0] == {
        "kind": "approvers",
        "people": ["p-boss", "p-cto", "p-vp"],
        "external": ["p-boss", "p-vp"],
    }
    assert f.evidence[1] == {"kind": "status", "status": "Awaiting Approval", "visits": 8, "hours": 360.0}
    assert f.evidence[2] == {
        "kind": "open_visit",
        "issue": "PAY-9",
        "status": "Awaiting Approval",
        "hours": 118.0,
    }
    assert f.evidence[3] == {"kind": "completed_issue", "issue": "PAY-8", "hours": 80.0, "lead_hours": 268.0}
    assert {"kind": "visit", "issue": "PAY-1", "status": "Awaiting Approval", "hours": 10.0} in f.evidence
    hours = [item["hours"] for item in f.evidence[2:]]
    assert hours == sorted(hours, reverse=True)
    assert len(f.evidence) == 2 + 8 + 8 + 1  # the full list, not the 20 shown
    explain = f.explain
    assert explain["thresholds"]["approval_wait_share"] == {"watch": 0.15, "alert": 0.25}
    assert explain["gate"] == {"approver_concentration": 0.875, "passed": True}
    assert explain["members"] == {"source": "inferred", "count": 2}
    assert explain["sample_issue_keys"]["completed"] == [f"PAY-{i}" for i in range(1, 9)]
    assert explain["confidence_factors"] == {
        "history_complete_share": 1.0,
        "known_role_share": 1.0,
        "team_mapped_share": 1.0,
    }
    assert explain["low_confidence"] is False
    json.dumps(f.evidence)
    json.dumps(explain)


def test_no_person_is_ever_counted(worked: Finding) -> None:
    f = worked
    text = json.dumps([f.evidence, f.explain])
    assert "Boss" not in text  # no display name
    assert "jira:boss" not in text  # no account id
    for item in f.evidence:
        if "people" in item:
            assert set(item) == {"kind", "people", "external"}


def test_roster_replaces_inferred_membership() -> None:
    org = metrics_org()
    org.member("PAY", "boss")
    f = finding(run(org))
    assert f.metrics["external_approver_share"] == pytest.approx(2 / 8)  # vp and cto: not on the roster
    assert f.explain["members"] == {"source": "roster", "count": 1}


def test_below_the_minimum_sample_is_insufficient_data_with_metrics() -> None:
    org = Org()
    approvals(org, [10, 20, 30, 40, 50, 60, 70], ["boss"] * 7)
    f = finding(run(org))
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.score is None
    assert f.sample_size == 7
    assert f.metrics["approval_wait_share"] == pytest.approx(280 / (7 * 268), abs=1e-4)
    assert f.metrics["approver_concentration"] == 1.0


def test_team_without_approvals_gets_an_insufficient_row() -> None:
    org = Org()
    approvals(org, [10] * 8, ["boss"] * 8)
    org.issue("CORE-1", created=week(4))
    f = finding(run(org), team="CORE")
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.sample_size == 0
    assert f.metrics["approval_wait_share"] is None


def test_bot_exits_never_count() -> None:
    org = Org()
    approvals(org, [10, 20, 30, 40, 50, 60, 70, 80], ["boss"] * 6 + ["robot", None], bots=["robot"])
    f = finding(run(org))
    assert f.sample_size == 6
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.metrics["approval_wait_p50_hours"] == pytest.approx(35.0)  # the six human visits, 10..60
    assert f.metrics["approver_concentration"] == 1.0
    assert f.explain["bot_exits_excluded"] == 2
    # The waiting still happened: the wait share keeps all eight visits.
    assert f.metrics["approval_wait_share"] == pytest.approx(360 / 2144, abs=1e-4)


def test_wait_share_alert_without_concentration_is_watch() -> None:
    org = Org()
    approvals(org, [100] * 8, ["a", "a", "b", "b", "c", "c", "d", "d"], done=110)
    f = finding(run(org))
    assert f.metrics["approval_wait_share"] == pytest.approx(100 / 278, abs=1e-4)  # alert level
    assert f.metrics["approver_concentration"] == 0.5
    assert f.severity == Severity.WATCH
    assert f.score == pytest.approx(0.749)
    assert f.explain["gate"]["passed"] is False


def test_wait_share_alert_with_concentration_is_alert() -> None:
    org = Org()
    approvals(org, [100] * 8, ["boss"] * 7 + ["vp"], done=110)
    f = finding(run(org))
    assert f.severity == Severity.ALERT
    assert f.score == 1.0  # 0.3597 is past 2 × alert − watch = 0.35


def test_confidence_factors() -> None:
    org = Org()
    org.status("Triage", "todo", category_known=False)  # Jira "undefined": role unknown
    for i in range(1, 9):
        key = f"PAY-{i}"
        org.issue(key, created=week(4), status="Triage" if i == 1 else "To Do", history_complete=i > 2)
        org.walk(
            key,
            (week(5), "Awaiting Approval", "dev"),
            (week(5, 10), "In Progress", "boss"),
            (week(5, 100), "Done", "dev"),
        )
    org.issue("PAY-99", created=week(4), team_mapped=False)
    f = finding(run(org))
    factors = f.explain["confidence_factors"]
    assert factors["history_complete_share"] == 0.75
    # 168 h in "Triage" of the sample's lead times, 8 × 268 h (creation to completion): the time the
    # wait share is computed over, never time after completion.
    assert factors["known_role_share"] == pytest.approx(1 - 168 / 2144, abs=1e-4)
    assert factors["team_mapped_share"] == pytest.approx(8 / 9, abs=1e-4)
    assert f.confidence == pytest.approx(0.75 * (1 - 168 / 2144) * 8 / 9, abs=1e-4)
    assert f.explain["low_confidence"] is False


def test_low_confidence_is_marked() -> None:
    org = Org()
    for i in range(1, 9):
        org.issue(f"PAY-{i}", created=week(4), history_complete=i > 5)
        org.walk(
            f"PAY-{i}",
            (week(5), "Awaiting Approval", "dev"),
            (week(5, 10), "In Progress", "boss"),
            (week(5, 100), "Done", "dev"),
        )
    f = finding(run(org))
    assert f.confidence == pytest.approx(3 / 8)
    assert f.explain["low_confidence"] is True


def test_team_is_the_team_at_completion() -> None:
    org = Org()
    approvals(org, [10] * 8, ["boss"] * 8)
    org.issue("CORE-1", created=week(4), team="PAY")
    org.walk(
        "CORE-1",
        (week(5), "Awaiting Approval", "dev"),
        (week(5, 50), "In Progress", "boss"),
        (week(5, 100), "Done", "dev"),
    )
    org.change_team("CORE-1", week(5, 60), "CORE", "PAY")  # it was CORE's while waiting, PAY's when done
    result = run(org)
    pay, core = finding(result), finding(result, team="CORE")
    assert "CORE-1" in pay.explain["sample_issue_keys"]["completed"]
    assert pay.metrics["approval_wait_share"] == pytest.approx(130 / (9 * 268), abs=1e-4)
    assert core.sample_size == 1  # its approval exit happened while it was CORE's
    assert core.explain["sample_issue_keys"]["approval_exits"] == ["CORE-1"]
