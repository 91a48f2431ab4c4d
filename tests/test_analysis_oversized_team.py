"""oversized_team on small histories whose answers are worked out by hand.

One reported week, W = 2024-02-05 (week 5 after T0), as_of = Monday 2024-02-12; the trailing window
W-3..W is weeks 2..5. Person i of the team is assigned 3 open issues of its own during week 4.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.result import Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.errors import ConfigError

W = date(2024, 2, 5)
SYMPTOM = "oversized_team"


def staffed(people: int, *, issues_each: int = 3, team: str = "PAY", when: float = week(4)) -> Org:
    org = Org()
    add_people(org, people, issues_each=issues_each, team=team, when=when)
    return org


def add_people(
    org: Org, people: int, *, issues_each: int = 3, team: str = "PAY", when: float = week(4), first: int = 1
) -> None:
    for p in range(first, first + people):
        for j in range(issues_each):
            key = f"{team}-{p * 10 + j}"
            org.issue(key, created=week(1))
            org.assign(key, when, f"person{p}")


def run(org: Org, settings: AnalysisSettings | None = None) -> Finding:
    result = detect(org.frames(), settings or AnalysisSettings(), as_of=at(week(6)), weeks=1)
    (found,) = [f for f in result.findings if f.team == "PAY" and f.symptom == SYMPTOM and f.week_start == W]
    return found


@pytest.mark.parametrize(
    ("people", "severity", "score"),
    [
        (7, Severity.OK, 0.5),  # 7 is not more than 7
        (8, Severity.WATCH, 0.625),
        (9, Severity.WATCH, 0.75),  # 9 is not more than 9
        (10, Severity.ALERT, 0.875),
        (12, Severity.ALERT, 1.0),
    ],
)
def test_thresholds_are_strict(people: int, severity: Severity, score: float) -> None:
    f = run(staffed(people))
    assert f.metrics["active_people"] == people
    assert f.sample_size == 3 * people
    assert f.severity == severity
    assert f.score == pytest.approx(score)
    level = f.explain["thresholds"]["active_people"]
    assert level == {"watch": 7.0, "alert": 9.0, "strict": True, "level": severity.value}


def test_active_people_need_three_issues_and_activity_in_the_window() -> None:
    org = staffed(8)
    add_people(org, 1, issues_each=2, first=20)  # person20: only 2 issues
    add_people(org, 1, first=21, when=week(1))  # person21: assigned in week 1 ...
    for j in range(3):
        org.move(f"PAY-{210 + j}", week(1, 5), "Done", by="person21")  # ... and done then: outside W-3..W
    for key in ("PAY-10", "PAY-11", "PAY-12"):  # boss releases approvals: not activity
        org.move(key, week(5), "Awaiting Approval", by="person1")
        org.move(key, week(5, 5), "To Do", by="boss")
    add_people(org, 1, first=22)
    for j in range(3):
        org.move(f"PAY-{220 + j}", week(5, 1), "In Progress", by="mover")  # mover moves 3 issues: counts
    f = run(org)
    assert f.metrics["active_people"] == 10  # person1..8, person22, mover
    people = f.evidence[0]
    assert people["kind"] == "active_people"
    assert people["people"] == sorted(["p-mover", "p-person22", *(f"p-person{i}" for i in range(1, 9))])
    assert f.sample_size == 8 * 3 + 2 + 3  # person20's two issues are touched too; person21's are not


def test_bots_never_count() -> None:
    org = staffed(7)
    org.person("robot", bot=True)
    for p in range(1, 8):
        for j in range(3):
            org.move(f"PAY-{p * 10 + j}", week(5), "In Progress", by="robot", bot=True)
            org.move(f"PAY-{p * 10 + j}", week(5, 1), "To Do", by=None)  # an unknown actor
    for j in range(3):
        org.issue(f"PAY-9{j}", created=week(1))
        org.assign(f"PAY-9{j}", week(4), "robot")
    f = run(org)
    assert f.metrics["active_people"] == 7
    assert f.severity == Severity.OK
    assert "p-robot" not in json.dumps(f.evidence)


def test_roster_size_is_reported_beside_the_inferred_count() -> None:
    org = staffed(10)
    for name in ("person1", "person2", "person3", "absent"):
        org.member("PAY", name)
    f = run(org)
    assert f.metrics["active_people"] == 10  # always inferred from activity
    assert f.metrics["roster_size"] == 4
    assert f.severity == Severity.ALERT
    people = f.evidence[0]
    assert people["not_on_roster"] == [f"p-person{i}" for i in sorted(range(4, 11), key=str)]
    assert people["on_roster_not_active"] == ["p-absent"]
    assert f.explain["roster"] == "declared"
    assert run(staffed(10)).metrics["roster_size"] is None


def test_evidence_lists_touched_issues_without_per_person_counts() -> None:
    org = staffed(8)
    org.assign("PAY-10", week(4, 5), "person2")
    f = run(org)
    touched = [item for item in f.evidence if item["kind"] == "touched_issue"]
    assert touched[0] == {"kind": "touched_issue", "issue": "PAY-10", "people": 2}
    assert len(touched) == 24
    for item in f.evidence:
        if "people" in item and isinstance(item["people"], list):
            assert set(item) <= {"kind", "people", "not_on_roster", "on_roster_not_active"}


def test_below_the_minimum_sample_is_insufficient_data() -> None:
    f = run(staffed(3))
    assert f.sample_size == 9
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.score is None
    assert f.metrics["active_people"] == 3


def test_settings() -> None:
    settings = AnalysisSettings.from_mapping(
        {"oversized_team": {"active_people_watch": 5, "active_people_alert": 6, "min_sample": 4}},
        source_roles={},
        source_overrides={},
    )
    f = run(staffed(7), settings)
    assert f.severity == Severity.ALERT
    with pytest.raises(ConfigError) as caught:
        AnalysisSettings.from_mapping(
            {"oversized_team": {"active_people_watch": -1, "min_sample": 1.5}},
            source_roles={},
            source_overrides={},
        )
    assert caught.value.problems == [
        "analysis.oversized_team.active_people_watch: must be a number ≥ 0",
        "analysis.oversized_team.min_sample: must be a whole number ≥ 0",
    ]


@pytest.mark.parametrize(("late_joiners", "direction"), [(0, "stable"), (2, "worsening")])
def test_direction_against_the_four_weeks_before(late_joiners: int, direction: str) -> None:
    org = staffed(8, when=week(1))  # 8 people active in every window from week 1 on: 0.625
    add_people(org, late_joiners, first=30, when=week(5))  # 10 people in W: 0.875
    assert run(org).direction == direction
