from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from orgpulse.config import parse_settings
from orgpulse.errors import ConfigError
from orgpulse.model import Batch, Category, Issue, Status, TeamChange
from orgpulse.store import Store
from orgpulse.store.frames import load_frames
from orgpulse.teams import TeamNamer, TeamRule

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_plain_keys_shared_by_two_sources_are_told_apart() -> None:
    namer = TeamNamer({}, [("cloud", "PAY"), ("dc", "PAY"), ("dc", "OPS")])
    assert namer.of_key("cloud", "PAY") == "cloud/PAY"
    assert namer.of_key("dc", "OPS") == "OPS"
    payments = TeamRule(team_map={"PAY": "Payments"})
    merged = TeamNamer({"cloud": payments, "dc": payments}, [("cloud", "PAY"), ("dc", "PAY")])
    assert merged.of_key("cloud", "PAY") == merged.of_key("dc", "PAY") == "Payments"


def test_components_labels_and_the_team_field() -> None:
    rules = {
        "c": TeamRule("component", {"Checkout API": "Payments"}),
        "free": TeamRule("component"),
        "l": TeamRule("label", {"team-core": "Core"}),
        "t": TeamRule("team_field"),
    }
    namer = TeamNamer(rules, [])
    assert namer.of_issue("c", "PAY", [], ["UI", "Checkout API"], None) == "Payments"
    assert namer.of_issue("c", "PAY", [], ["UI"], None) is None  # a map names the teams: unmapped
    assert namer.of_issue("free", "PAY", [], ["Web", "API"], None) == "API"
    assert namer.of_issue("l", "PAY", ["bug", "team-core"], [], None) == "Core"
    assert namer.of_issue("l", "PAY", ["bug"], [], None) is None
    assert namer.of_issue("t", "PAY", [], [], "Squad Falcon") == "Squad Falcon"
    assert namer.of_issue("t", "PAY", [], [], None) is None
    assert not rules["c"].follows_moves
    assert TeamRule().follows_moves


def test_config_validates_the_mapping() -> None:
    base = {"name": "a", "kind": "jira_cloud", "url": "https://x.example", "email_env": "E", "token_env": "T"}
    env = {"E": "e@example.com", "T": "t"}
    good = parse_settings({"sources": [{**base, "team_from": "component", "team_map": {"API": "Core"}}]},
                          path=None, environ=env)  # fmt: skip
    assert good.sources[0].team_rule == TeamRule("component", {"API": "Core"})
    sources = [{**base, "team_from": "squad"}, {**base, "name": "b", "team_from": "label"}]
    with pytest.raises(ConfigError) as caught:
        parse_settings({"sources": sources}, path=None, environ=env)
    problems = "\n".join(caught.value.problems)
    assert "sources[0].team_from: must be one of project, component, label, team_field" in problems
    assert 'sources[1].team_map: team_from = "label" needs a team_map' in problems


def test_frames_follow_the_rule_unmapped_issues_lower_the_mapped_share(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    base = Issue("1", "PAY-1", "PAY", "PAY", "Story", False, "t", T0, T0, "1", components=("Checkout API",))
    b = Batch(
        statuses=[Status("1", "To Do", Category.TODO)],
        issues=[base, dataclasses.replace(base, issue_id="2", key="PAY-2", components=("Docs",))],
        team_changes=[TeamChange("1", "9", 0, T0 + timedelta(hours=1), None, "OPS", "PAY")],
    )
    store.save_page("cloud", b, {}, now=T0)
    as_of = T0 + timedelta(days=1)
    by_component = load_frames(
        store, as_of=as_of, team_rules={"cloud": TeamRule("component", {"Checkout API": "Payments"})}
    )
    teams = dict(zip(by_component.issues["key"], by_component.issues["team"], strict=True))
    assert teams == {"PAY-1": "Payments", "PAY-2": None}
    assert list(by_component.issues["team_mapped"]) == [True, False]
    assert by_component.team_changes.empty  # moves between projects say nothing about components
    by_project = load_frames(store, as_of=as_of)
    assert set(by_project.issues["team"]) == {"PAY"}
    assert len(by_project.team_changes) == 1
