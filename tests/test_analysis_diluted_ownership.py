"""diluted_ownership on small histories whose answers are worked out by hand.

One reported week, W = 2024-02-05 (week 5 after T0), as_of = Monday 2024-02-12. Issues are created
in week 3, in progress from Monday of week 4 and done at W + 100 h, so each spends 100 h of W in
progress; assignees change as each scenario says.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.result import Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings

W = date(2024, 2, 5)
SYMPTOM = "diluted_ownership"
DONE = week(5, 100)


def worked_issue(org: Org, key: str, owners: Sequence[tuple[float, str | None]] = ()) -> None:
    """An issue in progress from week 4, done at W + 100 h; `owners` are (when, person) assignments."""
    org.issue(key, created=week(3))
    org.move(key, week(4), "In Progress", by="dev")
    for when, person in owners:
        org.assign(key, when, person)
    org.move(key, DONE, "Done", by="dev")


def run(org: Org, team: str = "PAY") -> Finding:
    result = detect(org.frames(), AnalysisSettings(), as_of=at(week(6)), weeks=1)
    (found,) = [f for f in result.findings if f.team == team and f.symptom == SYMPTOM and f.week_start == W]
    return found


def scenario() -> Org:
    org = Org()
    org.person("robot", bot=True)
    # ann -> unassigned -> bob: one hand-off; 20 h of W unowned. Reassigned after completion: ignored.
    worked_issue(
        org, "PAY-1", [(week(4), "ann"), (week(5, 10), None), (week(5, 30), "bob"), (week(5, 120), "cat")]
    )
    # ann -> bob -> ann: two hand-offs, a ping-pong between people.
    worked_issue(org, "PAY-2", [(week(4), "ann"), (week(5, 20), "bob"), (week(5, 50), "ann")])
    # ann -> robot -> ann: no hand-off (bots are ignored); 20 h of W with only a bot as owner.
    worked_issue(org, "PAY-3", [(week(4), "ann"), (week(5, 40), "robot"), (week(5, 60), "ann")])
    # ann -> bob -> cat -> dan: three hand-offs, four owners.
    worked_issue(
        org, "PAY-4", [(week(4), "ann"), (week(5, 10), "bob"), (week(5, 20), "cat"), (week(5, 30), "dan")]
    )
    # Never assigned: 100 h unowned.
    worked_issue(org, "PAY-5")
    # PAY -> CORE -> PAY before W: two team crossings, a ping-pong between teams.
    worked_issue(org, "PAY-6", [(week(4), "ann")])
    org.change_team("PAY-6", week(4, 10), "PAY", "CORE")
    org.change_team("PAY-6", week(4, 50), "CORE", "PAY")
    return org


@pytest.fixture(scope="module")
def worked() -> Finding:
    return run(scenario())


def test_handoffs_per_issue(worked: Finding) -> None:
    assert worked.sample_size == 6
    assert worked.metrics["handoffs_per_issue"] == pytest.approx((1 + 2 + 0 + 3 + 0 + 0) / 6, abs=1e-4)
    assert worked.severity == Severity.OK
    assert worked.score == pytest.approx(0.5 * 1.0 / 1.5, abs=1e-4)


def test_multi_owner_share(worked: Finding) -> None:
    assert worked.metrics["multi_owner_share"] == pytest.approx(1 / 6, abs=1e-4)  # PAY-4


def test_ping_pong_share(worked: Finding) -> None:
    assert worked.metrics["ping_pong_share"] == pytest.approx(
        2 / 6, abs=1e-4
    )  # PAY-2 (people), PAY-6 (teams)
    assert worked.explain["sample_issue_keys"]["ping_pong"] == ["PAY-2", "PAY-6"]


def test_unowned_wip_share(worked: Finding) -> None:
    # 600 in-progress hours in W; unowned: PAY-1 20 h, PAY-3 20 h (a bot), PAY-5 100 h.
    assert worked.metrics["unowned_wip_share"] == pytest.approx(140 / 600, abs=1e-4)


def test_team_crossings_per_issue(worked: Finding) -> None:
    assert worked.metrics["team_crossings_per_issue"] == pytest.approx(2 / 6, abs=1e-4)


def test_evidence_and_explain(worked: Finding) -> None:
    f = worked
    assert f.evidence[0] == {
        "kind": "completed_issue",
        "issue": "PAY-4",
        "handoffs": 3,
        "owners": 4,
        "ping_pong": False,
        "team_crossings": 0,
    }
    assert [item["issue"] for item in f.evidence if item["kind"] == "completed_issue"] == [
        "PAY-4",
        "PAY-2",
        "PAY-1",
        "PAY-6",
    ]
    assert [item for item in f.evidence if item["kind"] == "team_pair"] == [
        {"kind": "team_pair", "from_team": "CORE", "to_team": "PAY", "issues": 1},
        {"kind": "team_pair", "from_team": "PAY", "to_team": "CORE", "issues": 1},
    ]
    unowned = [item for item in f.evidence if item["kind"] == "unowned_wip"]
    assert unowned == [
        {"kind": "unowned_wip", "issue": "PAY-5", "hours": 100.0},
        {"kind": "unowned_wip", "issue": "PAY-1", "hours": 20.0},
        {"kind": "unowned_wip", "issue": "PAY-3", "hours": 20.0},
    ]
    assert f.explain["thresholds"]["handoffs_per_issue"] == {"watch": 1.5, "alert": 2.5}
    assert f.explain["sample_issue_keys"]["completed"] == [f"PAY-{i}" for i in range(1, 7)]
    text = json.dumps([f.evidence, f.explain])
    assert "p-ann" not in text
    assert "Ann" not in text


def test_unassigned_spells_are_not_handoffs_but_returns_are() -> None:
    org = Org()
    for i in range(1, 6):
        # ann -> unassigned -> ann: no hand-off; ann -> unassigned -> bob -> unassigned -> ann: two.
        steps = [(week(4), "ann"), (week(4, 5), None), (week(4, 9), "ann" if i < 5 else "bob")]
        if i == 5:
            steps += [(week(4, 20), None), (week(4, 30), "ann")]
        worked_issue(org, f"PAY-{i}", steps)
    f = run(org)
    assert f.metrics["handoffs_per_issue"] == pytest.approx(2 / 5)
    assert f.metrics["ping_pong_share"] == pytest.approx(1 / 5)  # ann -> bob -> ann through the gaps
    assert f.metrics["multi_owner_share"] == 0.0


def test_handoff_levels() -> None:
    org = Org()
    for i in range(1, 6):
        worked_issue(org, f"PAY-{i}", [(week(4, h), name) for h, name in enumerate(["a", "b", "c", "d"])])
    f = run(org)
    assert f.metrics["handoffs_per_issue"] == 3.0
    assert f.metrics["multi_owner_share"] == 1.0
    assert f.severity == Severity.ALERT
    assert f.score == pytest.approx(0.75 + 0.25 * 0.5)  # 2 × 2.5 − 1.5 = 3.5 gives 1


def test_team_at_completion_owns_the_sample() -> None:
    org = scenario()
    worked_issue(org, "PAY-7", [(week(4), "ann")])
    org.change_team("PAY-7", week(5, 90), "PAY", "CORE")
    pay, core = run(org), run(org, "CORE")
    assert pay.sample_size == 6
    assert core.sample_size == 1
    assert core.metrics["team_crossings_per_issue"] == 1.0


def test_bot_assignees_are_not_owners() -> None:
    org = Org()
    org.person("robot", bot=True)
    for i in range(1, 6):
        worked_issue(org, f"PAY-{i}", [(week(4), "robot"), (week(4, 10), "ann"), (week(4, 20), "robot")])
    f = run(org)
    assert f.metrics["handoffs_per_issue"] == 0.0
    assert f.metrics["unowned_wip_share"] == 1.0  # only the bot held them during W


def test_below_the_minimum_sample_is_insufficient_data() -> None:
    org = Org()
    for i in range(1, 5):
        worked_issue(org, f"PAY-{i}", [(week(4), "ann"), (week(4, 1), "bob"), (week(4, 2), "cat")])
    f = run(org)
    assert f.sample_size == 4
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.score is None
    assert f.metrics["handoffs_per_issue"] == 2.0
