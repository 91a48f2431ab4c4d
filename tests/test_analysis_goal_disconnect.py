"""goal_disconnect on small histories whose answers are worked out by hand.

W = 2024-02-05 (week 5 after T0). Issues of the sample are created on Monday of W unless said
otherwise. `parents` gives each issue its current parent; `changes` the parent changes
(issue, hours after T0, from, to), as `frames.parent_changes` holds them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.frames import PARENT_CHANGE_COLUMNS, Frames
from orgpulse.analysis.result import Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings

W = date(2024, 2, 5)
SYMPTOM = "goal_disconnect"
DAY = 24.0
Change = tuple[str, float, str | None, str | None]


def with_parents(
    org: Org, parents: Mapping[str, str], changes: Sequence[Change] = (), *, outside: Mapping[str, str] = {}
) -> Frames:
    """Frames whose issues have `parents` (keys) and whose history has `changes`.

    `outside` maps a parent key to a uid that is not a synced issue (a Linear project, say).
    """
    frames = org.frames()

    def uid(key: str | None) -> str | None:
        return None if key is None else outside.get(key, org.uid(key))

    issues = frames.issues.copy()
    issues["parent_uid"] = [uid(parents.get(k)) for k in issues["key"]]
    rows = [
        {
            "issue_uid": org.uid(key),
            "history_id": f"p{n}",
            "item_index": 0,
            "at": at(when),
            "from_parent_uid": uid(before),
            "to_parent_uid": uid(after),
            "to_parent_key": after,
        }
        for n, (key, when, before, after) in enumerate(changes)
    ]
    history = pd.DataFrame(rows, columns=list(PARENT_CHANGE_COLUMNS))
    history["at"] = pd.to_datetime(history["at"], utc=True)
    return replace(frames, issues=issues, parent_changes=history)


def run(frames: Frames, *, as_of: float = week(7), weeks: int = 2) -> Finding:
    result = detect(frames, AnalysisSettings(), as_of=at(as_of), weeks=weeks)
    (found,) = [f for f in result.findings if f.team == "PAY" and f.symptom == SYMPTOM and f.week_start == W]
    return found


def scenario() -> Frames:
    org = Org()
    org.issue("PAY-E1", created=0, epic=True)
    org.issue("PAY-S1", created=0)  # a story under PAY-E1
    org.issue("PAY-S2", created=0)  # a story under no epic
    org.issue("PAY-S3", created=0)  # a story put under PAY-E1 only on day 9 of PAY-7's life
    for i in range(1, 9):
        org.issue(f"PAY-{i}", created=week(5))
    parents = {
        "PAY-S1": "PAY-E1",
        "PAY-S3": "PAY-E1",
        "PAY-1": "PAY-E1",  # linked since creation
        "PAY-3": "PAY-E1",
        "PAY-4": "PAY-E1",
        "PAY-5": "PAY-S1",  # a sub-task: its story is not a goal, its story's epic is
        "PAY-6": "PAY-S2",  # a sub-task of a story with no epic
        "PAY-7": "PAY-S3",
        "PAY-8": "PROJ-9",  # a Linear project: not an issue, a goal
    }
    changes: list[Change] = [
        ("PAY-3", week(5, 6 * DAY), None, "PAY-E1"),  # linked on day 6: counts
        ("PAY-4", week(5, 8 * DAY), None, "PAY-E1"),  # linked on day 8: too late
        ("PAY-7", week(5, 1 * DAY), None, "PAY-S3"),
        ("PAY-S3", week(5, 9 * DAY), None, "PAY-E1"),  # the story reaches an epic too late for PAY-7
    ]
    return with_parents(org, parents, changes, outside={"PROJ-9": "linear:project-9"})


@pytest.fixture(scope="module")
def worked() -> Finding:
    return run(scenario())


def test_unlinked_share(worked: Finding) -> None:
    # Created in W: PAY-1..8 (stories PAY-S* and the epic are older). Unlinked within 7 days:
    # PAY-2 (no parent), PAY-4 (linked on day 8), PAY-6 (story without epic), PAY-7 (chain late).
    assert worked.sample_size == 8
    assert worked.metrics["unlinked_share"] == pytest.approx(4 / 8)
    assert worked.explain["sample_issue_keys"]["unlinked"] == ["PAY-2", "PAY-4", "PAY-6", "PAY-7"]
    assert worked.severity == Severity.WATCH
    assert worked.score == pytest.approx(0.5 + 0.25 * 0.1 / 0.2)


def test_evidence(worked: Finding) -> None:
    f = worked
    assert f.evidence[:4] == [
        {"kind": "unlinked_issue", "issue": "PAY-2"},
        {"kind": "unlinked_issue", "issue": "PAY-6"},
        {"kind": "unlinked_issue", "issue": "PAY-4", "linked_later": True},
        {"kind": "unlinked_issue", "issue": "PAY-7", "linked_later": True},
    ]
    assert f.evidence[4:] == [
        {"kind": "goal", "goal": "PAY-E1", "issues": 3},
        {"kind": "goal", "goal": "project-9", "issues": 1},
    ]
    assert f.explain["thresholds"] == {
        "unlinked_share": {"watch": 0.4, "alert": 0.6},
        "min_sample": 5,
        "link_days": 7.0,
    }
    json.dumps([f.evidence, f.explain])


def test_a_parent_cleared_within_the_grace_period_does_not_count() -> None:
    org = Org()
    org.issue("PAY-E1", created=0, epic=True)
    for i in range(1, 6):
        org.issue(f"PAY-{i}", created=week(5))
    changes: list[Change] = [("PAY-1", week(5, 3 * DAY), "PAY-E1", None)]  # had PAY-E1 from creation
    f = run(with_parents(org, {f"PAY-{i}": "PAY-E1" for i in range(2, 6)}, changes))
    assert f.metrics["unlinked_share"] == pytest.approx(1 / 5)


def test_young_issues_count_the_links_known_at_as_of() -> None:
    org = Org()
    org.issue("PAY-E1", created=0, epic=True)
    for i in range(1, 6):
        org.issue(f"PAY-{i}", created=week(5, 100))
    changes: list[Change] = [(f"PAY-{i}", week(5, 120), None, "PAY-E1") for i in (1, 2)]
    frames = with_parents(org, {"PAY-1": "PAY-E1", "PAY-2": "PAY-E1"}, changes)
    f = run(frames, as_of=week(6), weeks=1)  # 68 h after creation: PAY-1, PAY-2 linked, the rest not yet
    assert f.metrics["unlinked_share"] == pytest.approx(3 / 5)
    assert f.severity == Severity.ALERT


def test_bots_do_not_change_the_sample() -> None:
    org = Org()
    org.person("robot", bot=True)
    org.issue("PAY-E1", created=0, epic=True)
    for i in range(1, 6):
        org.issue(f"PAY-{i}", created=week(5))
        org.move(
            f"PAY-{i}", week(5, 1), "In Progress", by="robot", bot=True
        )  # created and moved by automation
    f = run(with_parents(org, {"PAY-1": "PAY-E1"}))
    assert f.sample_size == 5
    assert f.metrics["unlinked_share"] == pytest.approx(4 / 5)


def test_epics_and_other_weeks_are_not_sampled() -> None:
    org = Org()
    for i in range(1, 5):
        org.issue(f"PAY-{i}", created=week(5))
    org.issue("PAY-E9", created=week(5), epic=True)
    org.issue("PAY-9", created=week(4, 167))
    f = run(with_parents(org, {}))
    assert f.sample_size == 4
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.score is None
    assert f.metrics["unlinked_share"] == 1.0


def test_link_days_is_configurable() -> None:
    settings = AnalysisSettings.from_mapping(
        {"goal_disconnect": {"link_days": 9}}, source_roles={}, source_overrides={}
    )
    result = detect(scenario(), settings, as_of=at(week(7)), weeks=2)
    (f,) = [x for x in result.findings if x.team == "PAY" and x.symptom == SYMPTOM and x.week_start == W]
    assert f.explain["sample_issue_keys"]["unlinked"] == ["PAY-2", "PAY-6"]  # day 8 and day 9 links count


def test_confidence_factors() -> None:
    org = Org()
    org.issue("PAY-E1", created=0, epic=True)
    for i in range(1, 6):
        org.issue(f"PAY-{i}", created=week(5), history_complete=i != 1)
    org.issue("PAY-99", created=week(5), team_mapped=False)
    f = run(with_parents(org, {f"PAY-{i}": "PAY-E1" for i in range(1, 6)}), as_of=week(6), weeks=1)
    assert f.sample_size == 6  # the unmapped issue still carries its project's team label
    factors = f.explain["confidence_factors"]
    assert factors["history_complete_share"] == pytest.approx(5 / 6, abs=1e-4)
    assert factors["known_role_share"] == 1.0
    assert factors["team_mapped_share"] == pytest.approx(6 / 7, abs=1e-4)  # the epic is alive too
    assert f.confidence == pytest.approx(5 / 6 * 6 / 7, abs=1e-4)
