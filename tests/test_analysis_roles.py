"""Status roles: normalisation, longest match, ties, French and accents, precedence, canceled names."""

from __future__ import annotations

import pandas as pd
import pytest

from orgpulse.analysis.patterns import normalise_name
from orgpulse.analysis.roles import assign_roles, canceled_by_name, matches_canceled, role_of
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.model import Role

DEFAULTS = AnalysisSettings()


def role(name: str, category: str = "in_progress", settings: AnalysisSettings = DEFAULTS) -> Role:
    return role_of(name, "jira", "1", category, True, settings)[0]


def test_normalise_casefolds_strips_accents_and_punctuation() -> None:
    assert normalise_name("  À  Valider — Comité! ") == "a valider comite"
    assert normalise_name("Sign-Off") == "sign off"
    assert normalise_name("Won't Do") == "won t do"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Waiting for Approval", Role.APPROVAL),
        ("Sign-off", Role.APPROVAL),
        ("Awaiting PO", Role.APPROVAL),
        ("À valider", Role.APPROVAL),
        ("A VALIDER", Role.APPROVAL),
        ("Arbitrage", Role.APPROVAL),
        ("On hold", Role.BLOCKED),
        ("Bloqué", Role.BLOCKED),
        ("bloque", Role.BLOCKED),
        ("En attente", Role.BLOCKED),
        ("Steering committee", Role.MEETING),
        ("CAB", Role.MEETING),
        ("Comité", Role.MEETING),
        ("Réunion d'équipe", Role.MEETING),
        ("Code Review", Role.REVIEW),
        ("QA", Role.REVIEW),
        ("Recette", Role.REVIEW),
    ],
)
def test_default_patterns_english_and_french(name: str, expected: Role) -> None:
    assert role(name) == expected


def test_longest_match_wins() -> None:
    # "en attente" (blocked) is inside "en attente de validation" (approval): the longer wins.
    assert role("En attente de validation") == Role.APPROVAL
    # "à arbitrer en comité" (meeting) is longer than "à arbitrer" (approval).
    assert role("À arbitrer en comité") == Role.MEETING
    # "review board" and "CAB review" are meeting although "review" is review.
    assert role("Review board") == Role.MEETING
    assert role("CAB Review") == Role.MEETING


def test_ties_go_approval_before_meeting_before_blocked_before_review() -> None:
    assert role("Board approval") == Role.APPROVAL  # board (5, meeting) < approval (8)
    tie = AnalysisSettings.from_mapping(
        {"role_patterns": {"zzz": "review", "yyy": "blocked", "xxx": "meeting"}},
        source_roles={},
        source_overrides={},
    )
    assert role("yyy zzz", settings=tie) == Role.BLOCKED
    assert role("zzz xxx yyy", settings=tie) == Role.MEETING
    assert role("xxx approve", settings=tie) == Role.APPROVAL  # 7 letters beat 3
    tie_len = AnalysisSettings.from_mapping(
        {"role_patterns": {"abcdefgh": "meeting"}}, source_roles={}, source_overrides={}
    )
    assert role("approval abcdefgh", settings=tie_len) == Role.APPROVAL  # both 8 letters


def test_word_boundaries() -> None:
    assert role("Dashboard", "in_progress") == Role.ACTIVE
    assert role("Testing") == Role.REVIEW  # "testing" is its own pattern
    assert role("Contest", "todo") == Role.QUEUE
    assert role("Approved", "in_progress") == Role.ACTIVE  # "approve" is not "approved"


def test_category_fallback_and_unknown() -> None:
    assert role_of("Backlog", "jira", "1", "todo", True, DEFAULTS) == (Role.QUEUE, "category", True, None)
    assert role_of("Doing", "jira", "1", "in_progress", True, DEFAULTS)[:3] == (Role.ACTIVE, "category", True)
    assert role_of("Shipped", "jira", "1", "done", True, DEFAULTS)[0] == Role.NONE
    assert role_of("Dropped", "jira", "1", "canceled", True, DEFAULTS)[0] == Role.NONE
    # Jira "undefined" category: taken as todo, but the role is not known.
    assert role_of("Mystery", "jira", "1", "todo", False, DEFAULTS)[:3] == (Role.QUEUE, "category", False)
    # ... unless a pattern names it.
    assert role_of("Mystery approval", "jira", "1", "todo", False, DEFAULTS)[:3] == (
        Role.APPROVAL,
        "default pattern",
        True,
    )
    assert role_of("Odd", "jira", "1", "", True, DEFAULTS)[:3] == (Role.NONE, "unknown", False)


def test_precedence_override_then_source_then_defaults_then_category() -> None:
    settings = AnalysisSettings.from_mapping(
        {"role_patterns": {"parking": "blocked"}},
        source_roles={"jira": {"waiting": "queue", "approval": "active"}},
        source_overrides={"jira": {"42": Role.MEETING}},
    )
    assert role_of("Waiting for approval", "jira", "42", "todo", True, settings)[:2] == (
        Role.MEETING,
        "override",
    )
    # Per-source patterns beat the defaults even when a default match is longer.
    assert role_of("Waiting for approval", "jira", "7", "todo", True, settings)[:2] == (
        Role.ACTIVE,
        "source pattern",
    )
    assert role_of("Waiting for approval", "linear", "7", "todo", True, settings)[:2] == (
        Role.APPROVAL,
        "default pattern",
    )
    assert role_of("Parking", "linear", "7", "todo", True, settings)[:2] == (Role.BLOCKED, "default pattern")
    assert role_of("Parking lot", "jira", "8", "todo", True, DEFAULTS)[:2] == (Role.QUEUE, "category")


def test_user_pattern_replaces_equal_default() -> None:
    settings = AnalysisSettings.from_mapping(
        {"role_patterns": {"Test": "active"}}, source_roles={}, source_overrides={}
    )
    assert role("Test", settings=settings) == Role.ACTIVE


def test_assign_roles_adds_columns() -> None:
    statuses = pd.DataFrame(
        {
            "status_uid": ["j:1", "j:2", "j:3"],
            "source": "jira",
            "status_id": ["1", "2", "3"],
            "name": ["Dashboard", "À valider", "Limbo"],
            "category": ["in_progress", "todo", None],
            "category_known": [True, True, False],
        }
    )
    out = assign_roles(statuses, DEFAULTS)
    assert out["role"].tolist() == ["active", "approval", "none"]
    assert out["role_source"].tolist() == ["category", "default pattern", "unknown"]
    assert out["role_known"].tolist() == [True, True, False]
    assert list(statuses.columns) == [
        "status_uid",
        "source",
        "status_id",
        "name",
        "category",
        "category_known",
    ]


def test_canceled_by_status_name_and_by_resolution() -> None:
    statuses = pd.DataFrame(
        {
            "name": ["Done", "Won't Do", "Annulé", "Dropped", "Duplicate"],
            "category": ["done", "done", "done", "canceled", "in_progress"],
        }
    )
    assert canceled_by_name(statuses, DEFAULTS).tolist() == [False, True, True, True, False]
    resolutions = pd.Series(["Done", "Won't Do", "Cannot Reproduce", "abandonné", None, "Fixed"])
    assert matches_canceled(resolutions, DEFAULTS).tolist() == [False, True, True, True, False, False]
    custom = AnalysisSettings.from_mapping(
        {"canceled_resolutions": ["Obsolete"]}, source_roles={}, source_overrides={}
    )
    assert matches_canceled(pd.Series(["obsolete", "Won't Do"]), custom).tolist() == [True, False]
