"""scattered_focus on small histories whose answers are worked out by hand.

One reported week, W = 2024-02-05 (week 5 after T0), as_of = Monday 2024-02-12. Issues are
created in week 3 and assigned in week 4; `held` gives the hours of W between which each one is
in progress (committed before W when it starts at 0, done at its end unless it runs to 168).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.result import Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings

W = date(2024, 2, 5)
SYMPTOM = "scattered_focus"


def held(org: Org, key: str, person: str | None, start: float, end: float = 168.0) -> None:
    org.issue(key, created=week(3))
    if person is not None:
        org.assign(key, week(4), person)
    org.move(key, week(4) if start == 0 else week(5, start), "In Progress", by="dev")
    if end < 168:
        org.move(key, week(5, end), "Done", by="dev")


def with_parents(org: Org, parents: dict[str, str]) -> Frames:
    frames = org.frames()
    issues = frames.issues.copy()
    issues["parent_uid"] = [org.uid(parents[k]) if k in parents else None for k in issues["key"]]
    return replace(frames, issues=issues)


def run(frames: Frames) -> Finding:
    result = detect(frames, AnalysisSettings(), as_of=at(week(6)), weeks=1)
    (found,) = [f for f in result.findings if f.team == "PAY" and f.symptom == SYMPTOM and f.week_start == W]
    return found


def scenario() -> Frames:
    org = Org()
    org.person("robot", bot=True)
    for key in ("PAY-E1", "PAY-E2", "PAY-E3"):
        org.issue(key, created=0, epic=True)
    org.issue("PAY-S1", created=0)
    held(org, "PAY-1", "ann", 0)  # ann: two at a time all week -> 336 issue-hours over 168 h = 2
    held(org, "PAY-2", "ann", 0, 84)
    held(org, "PAY-3", "ann", 84)
    for key in ("PAY-4", "PAY-5", "PAY-6"):  # bob: three all week -> 3
        held(org, key, "bob", 0)
    held(org, "CORE-1", "bob", 0)  # another team's issue: not in PAY's WIP
    held(org, "PAY-7", "cat", 0, 50)  # cat: one for 50 h -> 1
    held(org, "PAY-8", "dan", 0, 100)  # dan: 200 issue-hours over 150 h -> 4/3
    held(org, "PAY-9", "dan", 50, 150)
    held(org, "PAY-10", None, 0)  # nobody's: no person
    held(org, "PAY-11", "robot", 0)  # a bot is no person
    parents = {
        "PAY-S1": "PAY-E3",
        "PAY-1": "PAY-E1",
        "PAY-2": "PAY-E1",
        "PAY-3": "PAY-E2",
        "PAY-4": "PAY-E1",
        "PAY-5": "PAY-S1",  # a sub-task: its goal is the story's epic, PAY-E3
        "PAY-7": "PAY-E1",
    }
    return with_parents(org, parents)


@pytest.fixture(scope="module")
def worked() -> Finding:
    return run(scenario())


def test_wip_per_person_p50(worked: Finding) -> None:
    assert worked.sample_size == 4  # ann, bob, cat, dan
    # Per person: 2, 3, 1, 4/3 -> median (4/3 + 2) / 2.
    assert worked.metrics["wip_per_person_p50"] == pytest.approx((4 / 3 + 2) / 2, abs=1e-4)
    assert worked.severity == Severity.OK
    assert worked.score == pytest.approx(0.5 * (5 / 3) / 3, abs=1e-4)


def test_goals_per_person_p50(worked: Finding) -> None:
    # ann: E1, E2; bob: E1, E3 (through PAY-S1); cat: E1; dan: none -> 2, 2, 1, 0 -> median 1.5.
    assert worked.metrics["goals_per_person_p50"] == 1.5


def test_evidence_names_issues_and_goals_never_people(worked: Finding) -> None:
    f = worked
    concurrent = [item for item in f.evidence if item["kind"] == "concurrent_issue"]
    assert concurrent == [
        {"kind": "concurrent_issue", "issue": "PAY-1", "concurrent_hours": 168.0, "hours": 168.0},
        {"kind": "concurrent_issue", "issue": "PAY-4", "concurrent_hours": 168.0, "hours": 168.0},
        {"kind": "concurrent_issue", "issue": "PAY-5", "concurrent_hours": 168.0, "hours": 168.0},
        {"kind": "concurrent_issue", "issue": "PAY-6", "concurrent_hours": 168.0, "hours": 168.0},
        {"kind": "concurrent_issue", "issue": "PAY-2", "concurrent_hours": 84.0, "hours": 84.0},
        {"kind": "concurrent_issue", "issue": "PAY-3", "concurrent_hours": 84.0, "hours": 84.0},
        {"kind": "concurrent_issue", "issue": "PAY-8", "concurrent_hours": 50.0, "hours": 100.0},
        {"kind": "concurrent_issue", "issue": "PAY-9", "concurrent_hours": 50.0, "hours": 100.0},
    ]
    assert [item for item in f.evidence if item["kind"] == "goal"] == [
        {"kind": "goal", "goal": "PAY-E1", "issues": 4},
        {"kind": "goal", "goal": "PAY-E2", "issues": 1},
        {"kind": "goal", "goal": "PAY-E3", "issues": 1},
    ]
    assert f.explain["thresholds"] == {"wip_per_person_p50": {"watch": 3.0, "alert": 5.0}, "min_sample": 3}
    text = json.dumps([f.evidence, f.explain])
    for name in ("ann", "bob", "cat", "dan", "robot"):
        assert f"p-{name}" not in text
        assert name.title() not in text


def test_alert() -> None:
    org = Org()
    for p, person in enumerate(("ann", "bob", "cat")):
        for i in range(5):
            held(org, f"PAY-{p * 10 + i}", person, 0)
    f = run(org.frames())
    assert f.metrics["wip_per_person_p50"] == 5.0
    assert f.severity == Severity.ALERT
    assert f.metrics["goals_per_person_p50"] == 0.0


def test_wip_counts_only_committed_work() -> None:
    org = Org()
    for p, person in enumerate(("ann", "bob", "cat")):
        held(org, f"PAY-{p * 10}", person, 0)
        for i in range(1, 4):  # assigned but still in the backlog: not WIP
            org.issue(f"PAY-{p * 10 + i}", created=week(3))
            org.assign(f"PAY-{p * 10 + i}", week(4), person)
    f = run(org.frames())
    assert f.metrics["wip_per_person_p50"] == 1.0


def test_bots_are_not_people() -> None:
    org = Org()
    org.person("robot", bot=True)
    for i in range(4):
        held(org, f"PAY-{i}", "robot", 0)
    held(org, "PAY-10", "ann", 0)
    held(org, "PAY-11", "bob", 0)
    f = run(org.frames())
    assert f.sample_size == 2
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.score is None
    assert f.metrics["wip_per_person_p50"] == 1.0


def test_an_assignee_set_at_creation_holds_the_issue_from_creation() -> None:
    """Jira writes no history item for the assignee given at creation: the current one counts."""
    org = Org()
    for p, person in enumerate(("ann", "bob", "cat")):
        for i in range(5):
            key = f"PAY-{p * 10 + i}"
            org.issue(key, created=week(3), assignee=person)  # never reassigned
            org.move(key, week(4), "In Progress", by="dev")
    f = run(org.frames())
    assert f.metrics["wip_per_person_p50"] == 5.0
    assert f.severity == Severity.ALERT
