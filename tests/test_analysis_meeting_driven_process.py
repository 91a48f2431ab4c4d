"""meeting_driven_process on small histories whose answers are worked out by hand.

One reported week, W = 2024-02-05 (week 5 after T0), as_of = Monday 2024-02-12, weeks cut in UTC.
Decision exits count over W-5..W = weeks 0..5. "Steering Committee" is a meeting status (pattern
"steering"), "Awaiting Approval" an approval status.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.detectors import meetings
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.result import Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.errors import ConfigError

W = date(2024, 2, 5)
SYMPTOM = "meeting_driven_process"
COMMITTEE = "Steering Committee"
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SUNDAY = 24.0, 48.0, 72.0, 96.0, 144.0


def org_with_committee() -> Org:
    org = Org()
    org.status(COMMITTEE, "todo")
    return org


def decision(
    org: Org, key: str, created_week: int, exit_at: float, *, status: str = COMMITTEE, by: str = "boss"
) -> None:
    """Created on Monday 00:00 of `created_week`, waiting from 10:00 the same day, released at
    `exit_at` (hours after T0) by `by`, done on Saturday 20:00 of W."""
    org.issue(key, created=week(created_week))
    org.move(key, week(created_week, 10), status, by="dev")
    org.move(key, exit_at, "In Progress", by=by, bot=by == "robot")
    org.move(key, week(5, 140), "Done", by="dev")


def run(frames: Frames, settings: AnalysisSettings | None = None) -> Finding:
    result = detect(frames, settings or AnalysisSettings(), as_of=at(week(6)), weeks=1)
    (found,) = [f for f in result.findings if f.team == "PAY" and f.symptom == SYMPTOM and f.week_start == W]
    return found


def retitle(frames: Frames, **fields: tuple[str, str, str]) -> Frames:
    """Give issues a (type, labels, title)."""
    issues = frames.issues.copy()
    for key, (type_name, labels, title) in fields.items():
        row = issues["key"] == key.replace("_", "-")
        issues.loc[row, ["type_name", "labels", "title"]] = [type_name, labels, title]
    return replace(frames, issues=issues)


def committee_org() -> Org:
    org = org_with_committee()
    # PAY-1..8: a committee sitting on Tuesdays, 10:00-12:00, over weeks 0..5 and 0..1.
    for i in range(1, 9):
        w = (i - 1) % 6
        decision(org, f"PAY-{i}", w, week(w, TUESDAY + 10 + 0.25 * (i - 1)))
    # PAY-9..12: approvals released at scattered times.
    for i, (w, hour) in enumerate(
        [(2, WEDNESDAY + 15), (3, THURSDAY + 9), (4, FRIDAY + 16), (5, FRIDAY + 32)], start=9
    ):
        decision(org, f"PAY-{i}", w, week(w, hour), status="Awaiting Approval")
    for key in ("PAY-20", "PAY-21", "PAY-22", "PAY-23", "PAY-24"):
        org.issue(key, created=week(5, 30))
    org.issue("PAY-25", created=week(5, 30), epic=True)
    return org


def committee_frames() -> Frames:
    return retitle(
        committee_org().frames(),
        PAY_20=("Task", "", "Weekly sync with design"),
        PAY_21=("Task", "", "Préparation du COPIL"),
        PAY_22=("Task", "Comité-produit,backend", "Decide on pricing"),
        PAY_23=("Task", "point,hebdo", "Asynchronous export"),
        PAY_24=("Meeting", "", "Quarterly"),
        PAY_25=("Epic", "", "Steering committee follow-up"),
    )


@pytest.fixture(scope="module")
def worked() -> Finding:
    return run(committee_frames())


def test_decision_batching_and_sample(worked: Finding) -> None:
    assert worked.sample_size == 12  # every human exit from approval and meeting statuses in W-5..W
    assert worked.metrics["decision_batching"] == pytest.approx(8 / 12, abs=1e-4)
    assert worked.explain["slot"] == {"slot": "Tuesday 10:00–12:00", "timezone": "UTC", "exits": 8, "of": 12}
    assert worked.severity == Severity.ALERT
    assert worked.score == pytest.approx(0.75 + 0.25 * (8 / 12 - 0.6) / 0.2, abs=1e-4)


def test_median_wait_for_slot_hours(worked: Finding) -> None:
    # The slot released PAY-1..8 after 24 h, 24.25 h, ..., 25.75 h in committee.
    assert worked.metrics["median_wait_for_slot_hours"] == pytest.approx(24.875)


def test_meeting_wait_share(worked: Finding) -> None:
    # 199 h in committee (8 × 24 h + 7 h) over 12 lead times: 30 weeks of 168 h + 12 × 140 h.
    assert worked.metrics["meeting_wait_share"] == pytest.approx(199 / 6720, abs=1e-4)


def test_coordination_share(worked: Finding) -> None:
    # Created in W: PAY-6, PAY-12 and PAY-20..24 (the epic PAY-25 is left out). Artefacts: "sync"
    # in a title, "COPIL" in a title, "Comité" in a label, the type "Meeting"; "Asynchronous" is
    # not "sync" (word boundaries), and the labels "point" and "hebdo" are not "point hebdo".
    assert worked.metrics["coordination_share"] == pytest.approx(4 / 7, abs=1e-4)
    assert worked.explain["sample_issue_keys"]["coordination_artefacts"] == [
        "PAY-20",
        "PAY-21",
        "PAY-22",
        "PAY-24",
    ]


def test_evidence_and_explain(worked: Finding) -> None:
    f = worked
    assert f.evidence[0] == {
        "kind": "slot",
        "slot": "Tuesday 10:00–12:00",
        "timezone": "UTC",
        "exits": 8,
        "of": 12,
    }
    assert f.evidence[1] == {"kind": "status", "status": COMMITTEE, "exits_in_slot": 8, "hours": 199.0}
    released = [item for item in f.evidence if item["kind"] == "released_in_slot"]
    assert released[0] == {"kind": "released_in_slot", "issue": "PAY-8", "status": COMMITTEE, "hours": 25.75}
    assert [item["issue"] for item in released] == [f"PAY-{i}" for i in range(8, 0, -1)]
    assert {"kind": "coordination_issue", "issue": "PAY-21"} in f.evidence
    assert f.explain["thresholds"]["decision_batching"] == {"watch": 0.4, "alert": 0.6}
    assert f.explain["batching_window"] == ["2024-01-01", "2024-02-12"]
    assert f.explain["confidence_factors"] == {
        "history_complete_share": 1.0,
        "known_role_share": 1.0,
        "team_mapped_share": 1.0,
    }
    text = json.dumps([f.evidence, f.explain])
    assert "p-boss" not in text
    assert "Boss" not in text


def exits_at(org: Org, moments: Sequence[tuple[int, float]]) -> None:
    """One approval exit per (week, hour of the week), on issues PAY-1, PAY-2, ..."""
    for i, (w, hour) in enumerate(moments, start=1):
        org.issue(f"PAY-{i}", created=week(w) if hour >= 1 else week(w - 1))
        org.move(f"PAY-{i}", week(w, hour) - 0.5, "Awaiting Approval", by="dev")
        org.move(f"PAY-{i}", week(w, hour), "In Progress", by="boss")


SINGLES = [(1, TUESDAY + 9), (2, THURSDAY + 11), (3, FRIDAY + 17)]


def test_slots_wrap_from_sunday_into_monday() -> None:
    org = Org()
    late_sunday = [(1, SUNDAY + 23), (2, SUNDAY + 23.5), (3, 0.25), (4, 0.75)]  # Sun 23:00 .. Mon 00:45
    exits_at(
        org, [*late_sunday, (2, WEDNESDAY + 14), (3, WEDNESDAY + 14.25), (4, WEDNESDAY + 14.5), *SINGLES]
    )
    f = run(org.frames())
    assert f.sample_size == 10
    assert f.explain["slot"]["slot"] == "Sunday 23:00–Monday 01:00"
    assert f.metrics["decision_batching"] == pytest.approx(0.4)
    assert f.severity == Severity.WATCH


@pytest.mark.parametrize(
    ("tuesdays", "thursdays", "slot"),
    [
        ([1, 2, 3], [2, 3, 4], "Thursday 15:00–17:00"),  # the Thursday window holds the latest exit
        ([2, 3, 5], [1, 2, 3], "Tuesday 10:00–12:00"),
    ],
)
def test_ties_go_to_the_window_holding_the_latest_exit(
    tuesdays: list[int], thursdays: list[int], slot: str
) -> None:
    org = Org()
    exits_at(
        org,
        [
            *((w, TUESDAY + 10) for w in tuesdays),
            *((w, THURSDAY + 15) for w in thursdays),
            (1, 8),  # single exits far from both clusters, in earlier weeks
            (1, WEDNESDAY + 9),
            (2, FRIDAY + 17),
            (2, FRIDAY + 35),
        ],
    )
    f = run(org.frames())
    # 3 exits in each cluster: windows from 08:15 to 10:00 (or 13:15 to 15:00) all hold the same
    # three; the one starting at the latest exit names the slot.
    assert f.explain["slot"]["slot"] == slot
    assert f.metrics["decision_batching"] == pytest.approx(0.3)


def test_bot_exits_never_count() -> None:
    org = committee_org()
    for i in (30, 31, 32):
        decision(org, f"PAY-{i}", 5, week(5, TUESDAY + 10.5), by="robot")
    org.issue("PAY-33", created=week(5))
    org.move("PAY-33", week(5, 10), COMMITTEE, by="dev")
    org.move("PAY-33", week(5, THURSDAY + 10), "In Progress", by=None)  # unknown actor
    f = run(org.frames())
    assert f.sample_size == 12
    assert f.metrics["decision_batching"] == pytest.approx(8 / 12, abs=1e-4)
    assert f.explain["bot_exits_excluded"] == 4
    assert "PAY-30" not in f.explain["sample_issue_keys"]["decision_exits"]


def test_below_the_minimum_sample_is_insufficient_data_with_metrics() -> None:
    org = org_with_committee()
    for i in range(1, 10):
        decision(org, f"PAY-{i}", 5, week(5, TUESDAY + 10))
    f = run(org.frames())
    assert f.sample_size == 9
    assert f.severity == Severity.INSUFFICIENT_DATA
    assert f.score is None
    assert f.metrics["decision_batching"] == 1.0
    assert f.metrics["median_wait_for_slot_hours"] == 24.0


def test_exits_before_the_window_do_not_count() -> None:
    org = org_with_committee()
    for i in range(1, 11):
        decision(org, f"PAY-{i}", 0, week(0, TUESDAY + 10))  # week 0 is W-5: inside
    decision(org, "PAY-11", -1, week(-1, TUESDAY + 10))  # W-6: outside
    assert run(org.frames()).sample_size == 10


def test_settings() -> None:
    settings = AnalysisSettings.from_mapping(
        {
            "meeting_driven_process": {
                "coordination_patterns": ["Quarterly", "pricing"],
                "decision_batching_watch": 0.7,
                "decision_batching_alert": 0.9,
                "min_sample": 12,
            }
        },
        source_roles={},
        source_overrides={},
    )
    assert settings.thresholds(meetings.SYMPTOM).coordination_patterns == ("quarterly", "pricing")
    f = run(committee_frames(), settings)
    assert f.metrics["coordination_share"] == pytest.approx(2 / 7, abs=1e-4)  # PAY-22 and PAY-24
    assert f.severity == Severity.OK  # 0.667 < 0.7
    assert f.explain["thresholds"] == {"decision_batching": {"watch": 0.7, "alert": 0.9}, "min_sample": 12}
    with pytest.raises(ConfigError) as caught:
        AnalysisSettings.from_mapping(
            {"meeting_driven_process": {"coordination_patterns": "meeting", "decision_batching_alert": 1.5}},
            source_roles={},
            source_overrides={},
        )
    assert caught.value.problems == [
        "analysis.meeting_driven_process.coordination_patterns: must be a list of non-empty names",
        "analysis.meeting_driven_process.decision_batching_alert: must be a share between 0 and 1",
    ]
