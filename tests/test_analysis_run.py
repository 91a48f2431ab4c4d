"""detect(): the row grid, weeks, errors, the input registry, and the scoring rules."""

from __future__ import annotations

import json
import weakref
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis_builder import Org, at, week
from orgpulse.analysis.detectors.base import Detected
from orgpulse.analysis.frames import INPUT_ONLY, Frames
from orgpulse.analysis.inputs import Context, Inputs, Key, Spec, build_inputs, resolve
from orgpulse.analysis.result import Severity
from orgpulse.analysis.run import DETECTORS, detect
from orgpulse.analysis.scoring import directions, metric_level, metric_score
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.analysis.weeks import build_week_grid
from orgpulse.errors import AnalysisError


def small_org() -> Org:
    org = Org()
    org.issue("PAY-1", created=0)
    org.move("PAY-1", week(1), "In Progress")
    org.issue("CORE-1", created=0)
    org.issue("OLD-1", created=0, team="CORE")
    org.change_team("OLD-1", week(1), "OLD", "CORE")  # OLD had issues once: it gets rows too
    return org


def test_one_finding_per_team_week_and_symptom() -> None:
    result = detect(small_org().frames(), AnalysisSettings(weeks=3), as_of=at(week(8, 5)))
    assert result.weeks == [date(2024, 2, 5), date(2024, 2, 12), date(2024, 2, 19)]
    assert result.timezone == "UTC"
    cells = {(f.team, f.week_start, f.symptom) for f in result.findings}
    assert len(cells) == len(result.findings) == 3 * 3 * 8
    assert {f.team for f in result.findings} == {"PAY", "CORE", "OLD"}
    assert {f.symptom for f in result.findings} == {
        "approval_bottleneck",
        "cross_team_blocking",
        "meeting_driven_process",
        "oversized_team",
        "diluted_ownership",
        "rigid_workflow",
        "goal_disconnect",
        "scattered_focus",
    }
    for f in result.findings:
        assert f.severity == Severity.INSUFFICIENT_DATA
        assert f.score is None
        payload = f.to_json()
        assert payload["week_start"] == f.week_start.isoformat()
        json.dumps(payload)
        json.dumps(f.explain)


def test_weeks_argument_overrides_settings() -> None:
    result = detect(small_org().frames(), AnalysisSettings(weeks=3), as_of=at(week(8)), weeks=1)
    assert result.weeks == [date(2024, 2, 19)]


def test_empty_frames() -> None:
    result = detect(Org().frames(), AnalysisSettings(), as_of=at(week(8)))
    assert result.findings == []
    assert result.dependencies == []
    assert len(result.weeks) == 12


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(AnalysisError, match="timezone-aware"):
        detect(small_org().frames(), AnalysisSettings(), as_of=datetime(2024, 3, 1))  # noqa: DTZ001


def test_missing_columns_are_named() -> None:
    frames = small_org().frames()
    broken = Frames(**{**frames.__dict__, "links": frames.links.drop(columns=["removed_at"])})
    with pytest.raises(AnalysisError, match=r"links\.removed_at"):
        detect(broken, AnalysisSettings(), as_of=at(week(8)))


def test_change_tables_only_inputs_read_go_before_the_detectors_run() -> None:
    """Frames handed over to detect (no name holding them): the detectors see the tables only inputs
    read empty, with their columns, and the tables themselves are gone; the findings are the same."""
    refs: list[weakref.ref[pd.DataFrame]] = []
    seen: list[tuple[bool, int, list[str]]] = []

    def handed() -> Frames:
        frames = small_org().frames()
        refs.append(weakref.ref(frames.status_changes))
        return frames

    first = DETECTORS[0]

    def spy(inputs: Inputs) -> Detected:
        changes = inputs.context.frames.status_changes
        seen.append((refs[0]() is None, len(changes), list(changes.columns)))
        return first.detect(inputs)

    settings, as_of = AnalysisSettings(weeks=3), at(week(8, 5))
    result = detect(handed(), settings, as_of=as_of, detectors=(replace(first, detect=spy), *DETECTORS[1:]))
    assert seen == [(True, 0, list(small_org().frames().status_changes.columns))]
    assert "status_changes" in INPUT_ONLY
    assert result.findings == detect(small_org().frames(), settings, as_of=as_of).findings


def test_deleted_issues_are_ignored() -> None:
    org = small_org()
    frames = org.frames()
    issues = frames.issues.copy()
    issues.loc[issues["key"] == "PAY-1", "deleted"] = True
    result = detect(Frames(**{**frames.__dict__, "issues": issues}), AnalysisSettings(), as_of=at(week(8)))
    assert "PAY" not in {f.team for f in result.findings}


A: Key[int] = Key("a")
B: Key[int] = Key("b")
C: Key[int] = Key("c")


def context() -> Context:
    frames = Org().frames()
    return Context(frames=frames, settings=AnalysisSettings(), as_of=0, grid=build_week_grid(at(0), "UTC", 1))


def test_inputs_are_built_in_dependency_order_and_reads_must_be_declared() -> None:
    built: list[str] = []

    def make(name: str, value: int, needs: tuple[Key[Any], ...]) -> Spec[int]:
        def build(inputs: Inputs) -> int:
            built.append(name)
            return value + sum(inputs[k] for k in needs)

        return Spec(Key(name), needs, build)

    specs = {"a": make("a", 1, ()), "b": make("b", 10, (A,)), "c": make("c", 100, (A, B))}
    inputs = build_inputs(context(), [C], specs)
    assert built == ["a", "b", "c"]
    assert inputs[C] == 100 + 1 + 11
    with pytest.raises(AnalysisError, match="without being declared"):
        _ = inputs.restricted([A])[B]

    def sneaky(inputs: Inputs) -> int:
        return inputs[A]

    with pytest.raises(AnalysisError, match="without being declared"):
        build_inputs(context(), [B], {"a": specs["a"], "b": Spec(B, (), sneaky)})


def test_cycles_and_unknown_inputs_fail() -> None:
    with pytest.raises(AnalysisError, match="cycle"):
        resolve([A], {"a": Spec(A, (B,), lambda _: 1), "b": Spec(B, (A,), lambda _: 1)})
    with pytest.raises(AnalysisError, match="no input"):
        resolve([A], {})


def test_score_map() -> None:
    assert metric_score(0.0, 0.1, 0.2) == 0.0
    assert metric_score(0.05, 0.1, 0.2) == pytest.approx(0.25)
    assert metric_score(0.1, 0.1, 0.2) == pytest.approx(0.5)
    assert metric_score(0.15, 0.1, 0.2) == pytest.approx(0.625)
    assert metric_score(0.2, 0.1, 0.2) == pytest.approx(0.75)
    assert metric_score(0.3, 0.1, 0.2) == pytest.approx(1.0)
    assert metric_score(0.9, 0.1, 0.2) == 1.0
    assert metric_score(None, 0.1, 0.2) is None
    assert metric_level(0.099, 0.1, 0.2) == Severity.OK
    assert metric_level(0.1, 0.1, 0.2) == Severity.WATCH
    assert metric_level(0.2, 0.1, 0.2) == Severity.ALERT


def test_directions_against_the_four_weeks_before() -> None:
    scores = pd.DataFrame(
        {
            "team": [0] * 6 + [1] * 6 + [2] * 6,
            "week": list(range(6)) * 3,
            "score": [
                0.5,
                0.5,
                0.5,
                0.5,
                0.55,
                0.9,  # W4: mean 0.5 -> +0.05 worsening; W5: 0.9 vs 0.5125
                np.nan,
                np.nan,
                np.nan,
                0.8,
                0.7,
                0.74,  # W4: one score before -> None
                0.2,
                np.nan,
                0.2,
                0.2,
                0.16,
                np.nan,  # W4: -0.04 stable; W5: no score -> None
            ],
        }
    )
    out = directions(scores).tolist()
    assert out[4:6] == ["worsening", "worsening"]
    assert out[0] is None  # nothing before
    assert out[1] is None  # one score before
    assert out[10] is None  # only one non-null score in the 4 weeks before
    assert out[11] == "stable"  # 0.74 vs mean(0.8, 0.7) = 0.75
    assert out[16] == "stable"
    assert out[17] is None
    improving = pd.DataFrame({"team": [0] * 3, "week": [0, 1, 2], "score": [0.6, 0.6, 0.55]})
    assert directions(improving).tolist()[2] == "improving"
