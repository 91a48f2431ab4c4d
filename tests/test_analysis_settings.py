"""AnalysisSettings.from_mapping: defaults, overrides, every problem reported with its path, fingerprint."""

from __future__ import annotations

import pytest

from orgpulse.analysis.detectors import approval, blocking
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.errors import ConfigError
from orgpulse.model import Role


def parse(table: dict[str, object]) -> AnalysisSettings:
    return AnalysisSettings.from_mapping(table, source_roles={}, source_overrides={})


def test_defaults() -> None:
    settings = parse({})
    assert settings.timezone == "UTC"
    assert settings.weeks == 12
    assert settings.thresholds(approval.SYMPTOM).watch == 0.15
    assert settings.thresholds(approval.SYMPTOM).alert == 0.25
    assert settings.thresholds(approval.SYMPTOM).concentration_gate == 0.8
    assert settings.thresholds(approval.SYMPTOM).min_sample == 8
    assert settings.thresholds(blocking.SYMPTOM).watch == 0.10
    assert settings.thresholds(blocking.SYMPTOM).alert == 0.20
    assert settings.thresholds(blocking.SYMPTOM).min_sample == 5
    assert settings == AnalysisSettings()


def test_overrides() -> None:
    settings = AnalysisSettings.from_mapping(
        {
            "timezone": "Europe/Paris",
            "weeks": 26,
            "canceled_resolutions": ["Obsolete"],
            "role_patterns": {"Parking": "blocked"},
            "approval_bottleneck": {"wait_share_watch": 0.2, "wait_share_alert": 0.3, "min_sample": 4},
            "cross_team_blocking": {"blocked_share_alert": 0.5},
        },
        source_roles={"acme": {"Limbo": Role.BLOCKED}},
        source_overrides={"acme": {"10001": Role.APPROVAL}},
    )
    assert settings.timezone == "Europe/Paris"
    assert settings.weeks == 26
    assert settings.canceled_patterns == ("obsolete",)
    assert ("parking", Role.BLOCKED) in settings.role_patterns
    assert ("approval", Role.APPROVAL) in settings.role_patterns  # defaults kept
    assert settings.thresholds(approval.SYMPTOM).alert == 0.3
    assert settings.thresholds(approval.SYMPTOM).min_sample == 4
    assert settings.thresholds(approval.SYMPTOM).concentration_gate == 0.8
    assert settings.thresholds(blocking.SYMPTOM).alert == 0.5
    assert settings.patterns_for("acme") == (("limbo", Role.BLOCKED),)
    assert settings.overrides_for("acme") == {"10001": Role.APPROVAL}
    assert settings.patterns_for("other") == ()


def test_every_problem_is_listed_with_its_path() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(
            {
                "timezone": "Mars/Olympus",
                "weeks": 0,
                "colour": "blue",
                "role_patterns": {"Parking": "napping", "!!": "blocked"},
                "approval_bottleneck": {"wait_share_alert": "high", "min_sample": 2.5, "threshold": 1},
                "cross_team_blocking": {"blocked_share_watch": 1.5},
                "canceled_resolutions": "Won't Do",
            }
        )
    problems = caught.value.problems
    expected = [
        "analysis.colour: unknown key",
        "analysis.timezone: unknown time zone",
        "analysis.weeks: must be a whole number",
        "analysis.canceled_resolutions: must be a list",
        "analysis.role_patterns.Parking: unknown role 'napping'",
        "analysis.role_patterns.!!: a pattern needs",
        "analysis.approval_bottleneck.wait_share_alert: must be a number",
        "analysis.approval_bottleneck.min_sample: must be a whole number",
        "analysis.approval_bottleneck.threshold: unknown key",
        "analysis.cross_team_blocking.blocked_share_watch: must be a share between 0 and 1",
    ]
    for prefix in expected:
        assert any(p.startswith(prefix) for p in problems), (prefix, problems)
    assert len(problems) == len(expected)


def test_alert_must_exceed_watch() -> None:
    with pytest.raises(ConfigError, match=r"analysis.approval_bottleneck.wait_share_alert: must be greater"):
        parse({"approval_bottleneck": {"wait_share_alert": 0.1}})


def test_bad_source_roles_are_reported() -> None:
    with pytest.raises(ConfigError, match=r"sources.acme.status_role_overrides.7: unknown role"):
        AnalysisSettings.from_mapping({}, source_roles={}, source_overrides={"acme": {"7": "sleepy"}})  # type: ignore[dict-item]


def test_fingerprint_is_stable_and_tracks_what_shapes_results() -> None:
    base = parse({})
    assert base.fingerprint() == parse({}).fingerprint()
    assert base.fingerprint() == parse({"weeks": 30}).fingerprint()  # weeks only picks rows
    assert base.fingerprint() != parse({"approval_bottleneck": {"concentration_gate": 0.7}}).fingerprint()
    assert base.fingerprint() != parse({"role_patterns": {"Parking": "blocked"}}).fingerprint()
    assert base.fingerprint() != parse({"timezone": "Europe/Paris"}).fingerprint()
    with_source = AnalysisSettings.from_mapping(
        {}, source_roles={"a": {"x": Role.QUEUE}}, source_overrides={}
    )
    assert base.fingerprint() != with_source.fingerprint()
