"""Levers per team and week from the findings, and the organisation's verdict (DESIGN.md, "Diagnosis")."""

from __future__ import annotations

from datetime import date

from orgpulse.analysis.levers import LEVERS, diagnose, lever_rows
from orgpulse.analysis.result import Finding, LeverState, Severity

W1, W2 = date(2024, 1, 29), date(2024, 2, 5)


def f(
    team: str, symptom: str, severity: str, *, week: date = W2, cost: float | None = None, conf: float = 1.0
) -> Finding:
    return Finding(
        team=team,
        week_start=week,
        symptom=symptom,
        severity=Severity(severity),
        score=None,
        direction=None,
        confidence=conf,
        sample_size=10,
        metrics={},
        cost_hours=cost,
    )


def states(findings: list[Finding]) -> dict[tuple[str, str], LeverState]:
    return {(r.team, r.lever): r.state for r in lever_rows(findings)}


def test_every_symptom_maps_to_exactly_one_lever() -> None:
    symptoms = [s for group in LEVERS.values() for s in group]
    assert sorted(symptoms) == sorted(
        {
            "approval_bottleneck",
            "cross_team_blocking",
            "meeting_driven_process",
            "oversized_team",
            "diluted_ownership",
            "rigid_workflow",
            "goal_disconnect",
            "scattered_focus",
        }
    )


def test_lever_state_follows_the_worst_symptom_with_data() -> None:
    found = states(
        [
            f("A", "rigid_workflow", "alert"),
            f("A", "meeting_driven_process", "ok"),
            f("B", "rigid_workflow", "watch"),
            f("B", "meeting_driven_process", "insufficient_data"),
            f("C", "rigid_workflow", "ok"),
            f("C", "meeting_driven_process", "insufficient_data"),
            f("D", "rigid_workflow", "insufficient_data"),
            f("D", "meeting_driven_process", "insufficient_data"),
        ]
    )
    assert found == {
        ("A", "process_weight"): LeverState.WEAK,
        ("B", "process_weight"): LeverState.AT_RISK,
        ("C", "process_weight"): LeverState.SOUND,
        ("D", "process_weight"): LeverState.UNKNOWN,
    }


def test_lever_cost_is_the_largest_not_the_sum_and_confidence_the_lowest_deciding_one() -> None:
    (row,) = lever_rows(
        [
            f("A", "rigid_workflow", "alert", cost=120.0, conf=0.9),
            f("A", "meeting_driven_process", "watch", cost=40.0, conf=0.6),
        ]
    )
    assert row.cost_hours == 120.0
    assert row.confidence == 0.6
    assert row.symptoms == {"rigid_workflow": "alert", "meeting_driven_process": "watch"}
    (scope,) = lever_rows([f("A", "oversized_team", "alert"), f("A", "scattered_focus", "ok")])
    assert scope.cost_hours is None  # no waiting cost behind team_scope


def test_insufficient_rows_do_not_lower_the_confidence_of_a_decided_lever() -> None:
    (row,) = lever_rows(
        [f("A", "oversized_team", "ok", conf=0.8), f("A", "scattered_focus", "insufficient_data", conf=0.2)]
    )
    assert (row.state, row.confidence) == (LeverState.SOUND, 0.8)


def test_verdict_foundations_first_when_a_lever_is_weak_in_a_quarter_of_the_teams() -> None:
    teams = ["A", "B", "C", "D", "E", "F", "G", "H"]
    findings = [f(t, "approval_bottleneck", "ok", cost=1.0) for t in teams[2:]]
    findings += [
        f("A", "approval_bottleneck", "alert", cost=300.0),
        f("B", "approval_bottleneck", "alert", cost=50.0),
    ]
    findings += [f(t, "cross_team_blocking", "ok") for t in teams]
    findings += [f("A", "approval_bottleneck", "ok", week=W1)]  # an older week never decides
    diagnosis = diagnose(findings)
    assert diagnosis.week_start == W2
    assert diagnosis.verdict == "foundations_first"  # 2 of 8 teams with data
    top = diagnosis.levers[0]
    assert (top.lever, top.weak_teams, top.teams_with_data, top.cost_hours) == (
        "decision_rights",
        ["A", "B"],
        8,
        350.0,
    )
    assert {r.lever for r in diagnosis.levers} == set(LEVERS)


def test_verdict_foundations_sound_below_a_quarter_and_unknown_teams_do_not_count() -> None:
    teams = ["A", "B", "C", "D", "E"]
    findings = [f(t, "diluted_ownership", "ok") for t in teams]
    findings[0] = f("A", "diluted_ownership", "alert")
    findings += [f(t, "diluted_ownership", "insufficient_data") for t in ("X", "Y", "Z")]
    diagnosis = diagnose(findings)
    assert diagnosis.verdict == "foundations_sound"  # 1 weak of 5 with data (X, Y, Z have none)
    (ownership,) = [r for r in diagnosis.levers if r.lever == "accountability"]
    assert ownership.teams_with_data == 5
    findings[1] = f("B", "diluted_ownership", "alert")
    assert diagnose(findings).verdict == "foundations_first"  # 2 of 5


def test_levers_rank_by_weak_teams_then_cost() -> None:
    findings = [
        f("A", "approval_bottleneck", "alert", cost=10.0),
        f("A", "cross_team_blocking", "alert", cost=90.0),
        f("B", "diluted_ownership", "alert", cost=5.0),
        f("C", "diluted_ownership", "alert", cost=5.0),
    ]
    ranked = [r.lever for r in diagnose(findings).levers]
    assert ranked[:3] == ["accountability", "dependencies", "decision_rights"]


def test_no_findings_no_verdict() -> None:
    diagnosis = diagnose([])
    assert diagnosis.verdict is None
    assert diagnosis.levers == []
    assert diagnosis.teams == []
