"""Interventions: before/after windows, the Mann–Whitney U outcome, and a change planted in a history."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
from scipy.stats import mannwhitneyu

from analysis_builder import Org, at, week
from orgpulse.analysis.interventions import compare, weeks_needed, windows
from orgpulse.analysis.result import AnalysisResult, Intervention
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.intervention_config import parse_interventions

MONDAYS = [date(2024, 1, 1) + timedelta(weeks=k) for k in range(20)]


def test_windows_take_complete_weeks_each_side_and_skip_the_week_holding_the_date() -> None:
    before, after = windows(Intervention(date=date(2024, 2, 14)), MONDAYS)  # a Wednesday of week 6
    assert before == MONDAYS[0:6]
    assert after == MONDAYS[7:13]
    before, after = windows(Intervention(date=date(2024, 2, 12), weeks_before=3, weeks_after=4), MONDAYS)
    assert before == MONDAYS[3:6]
    assert after == MONDAYS[6:10]


def test_weeks_needed_reaches_back_to_the_first_before_week() -> None:
    first_scored = date(2024, 3, 4)
    assert weeks_needed([Intervention(date=date(2024, 4, 1))], first_scored) == 2  # from 2024-02-19
    assert weeks_needed([Intervention(date=date(2024, 6, 3))], first_scored) == 0
    assert weeks_needed([], first_scored) == 0
    old = [Intervention(date=date(2020, 1, 6))]
    assert weeks_needed(old, first_scored, history_start=date(2024, 1, 3)) == 9  # back to 2024-01-01 only


def test_compare_outcomes() -> None:
    high, low = [0.30, 0.32, 0.28, 0.35, 0.31, 0.29], [0.02, 0.01, 0.03, 0.0, 0.02, 0.01]
    p, outcome = compare(high, low, True)
    assert outcome == "improved"
    assert p == pytest.approx(mannwhitneyu(high, low, alternative="two-sided").pvalue)
    assert p < 0.05
    assert compare(low, high, True)[1] == "worsened"
    assert compare(high, [0.31, 0.29, 0.33, 0.30, 0.28, 0.34], True)[1] == "no_clear_change"
    assert compare(high, low, False) == (None, "too_early")
    assert compare([], low, True) == (None, "no_clear_change")
    assert compare([0.0] * 6, [0.0] * 6, True)[1] == "no_clear_change"


def approvals_history(change_week: int, weeks: int) -> Org:
    """PAY completes 4 issues a week; before `change_week` each waited 40 of its 60 h for sign-off
    (give or take a few hours), from then on none waits. CORE never changes."""
    org = Org()
    n = 0
    for w in range(weeks):
        for k in range(4):
            n += 1
            key = f"PAY-{n}"
            org.issue(key, created=week(w, 1 + k))
            if w < change_week:
                wait = 36 + (n * 7) % 9
                org.move(key, week(w, 2 + k), "Awaiting Approval")
                org.move(key, week(w, 2 + k + wait), "In Progress", by=f"boss{n % 3}")
            else:
                org.move(key, week(w, 2 + k), "In Progress")
            org.move(key, week(w, 61 + k), "Done")
            org.issue(f"CORE-{n}", created=week(w, 1 + k))
            org.move(f"CORE-{n}", week(w, 2 + k), "Awaiting Approval")
            org.move(f"CORE-{n}", week(w, 12 + k + n % 5), "In Progress", by="boss")
            org.move(f"CORE-{n}", week(w, 61 + k), "Done")
    return org


def run(org: Org, interventions: list[Intervention], as_of_week: int, weeks: int = 2) -> AnalysisResult:
    return detect(
        org.frames(), AnalysisSettings(), as_of=at(week(as_of_week)), weeks=weeks, interventions=interventions
    )


def test_a_planted_change_improves_and_a_date_with_no_change_does_not() -> None:
    org = approvals_history(change_week=10, weeks=20)
    change = Intervention(date=MONDAYS[10], teams=("PAY",), lever="decision_rights", note="delegated")
    control = Intervention(date=MONDAYS[10], teams=("CORE",), lever="decision_rights")
    result = run(org, [change, control], as_of_week=20)
    planted, still = result.interventions
    (effect,) = planted.effects
    assert (effect.team, effect.metric, effect.outcome) == ("PAY", "approval_wait_share", "improved")
    assert effect.after == 0.0
    assert (effect.before or 0.0) > 0.5
    assert (effect.p_value or 1.0) < 0.05
    assert (effect.before_values, effect.after_values) == (6, 6)
    assert planted.before_weeks == MONDAYS[4:10]  # before the reported weeks: the grid grew back
    assert planted.after_weeks == MONDAYS[10:16]
    (flat,) = still.effects
    assert (flat.team, flat.outcome) == ("CORE", "no_clear_change")
    assert len(result.weeks) == 2  # reporting is unchanged


def test_too_early_with_fewer_than_three_weeks_after() -> None:
    org = approvals_history(change_week=10, weeks=12)
    result = run(
        org, [Intervention(date=MONDAYS[10], teams=("PAY",), lever="decision_rights")], as_of_week=12
    )
    assert [e.outcome for e in result.interventions[0].effects] == ["too_early"]


def test_every_thresholded_metric_without_a_lever_and_per_issue_handoffs() -> None:
    org = approvals_history(change_week=10, weeks=20)
    result = run(org, [Intervention(date=MONDAYS[10], teams=("PAY",))], as_of_week=20)
    metrics = {e.metric for e in result.interventions[0].effects}
    assert metrics == {
        "approval_wait_share",
        "cross_team_blocked_share",
        "decision_batching",
        "active_people",
        "handoffs_per_issue",
        "queue_share",
        "unlinked_share",
        "wip_per_person_p50",
    }
    (handoffs,) = [e for e in result.interventions[0].effects if e.metric == "handoffs_per_issue"]
    assert (handoffs.before_values, handoffs.after_values) == (24, 24)  # one value per completed issue


def test_config_interventions_are_validated_all_at_once() -> None:
    found, problems = parse_interventions(
        [
            {"date": date(2026, 9, 14), "teams": ["PAY"], "lever": "decision_rights", "note": "delegated"},
            {"date": "2026-10-05"},
            {"date": "14/09/2026", "lever": "magic", "teams": "PAY", "colour": "red", "weeks_after": 2},
        ]
    )
    assert [i.date for i in found] == [date(2026, 9, 14), date(2026, 10, 5)]
    assert found[0].teams == ("PAY",)
    assert found[1].lever is None
    assert found[1].weeks_before == 6
    assert problems == [  # in the order of the config, like every other table's
        "interventions[2].date: must be a date YYYY-MM-DD",
        "interventions[2].lever: 'magic' is not a lever (one of decision_rights, dependencies, team_scope, "
        "accountability, direction, process_weight)",
        "interventions[2].teams: must be a list of team names (empty = every team)",
        "interventions[2].colour: unknown key (known: date, lever, note, teams, weeks_after, weeks_before)",
        "interventions[2].weeks_after: must be a whole number of weeks from 3 to 52",
    ]
    assert parse_interventions({"date": "2026-01-01"})[1] == [
        "interventions: must be an array of tables ([[interventions]])"
    ]


def test_the_documented_example_parses() -> None:
    text = (Path(__file__).resolve().parents[1] / "config.example.toml").read_text(encoding="utf-8")
    block = text[text.index("# [[interventions]]") :]
    lines = [line.removeprefix("# ") for line in block.splitlines() if not line.startswith("#    ")]
    (found,), problems = parse_interventions(tomllib.loads("\n".join(lines))["interventions"])
    assert problems == []
    assert found == Intervention(
        date=date(2026, 9, 14),
        teams=("PAY",),
        lever="decision_rights",
        note="approvals delegated to the team leads",
    )
