"""Which team an issue belongs to, and the name outputs give that team.

By default a team is the Jira project key or the Linear team key. A source may map teams from
another attribute instead (`team_from` = "component", "label" or "team_field", the Jira Team field)
and rename values with `team_map`. A team named by the config is the same team whichever source it
comes from; two sources that share a plain key are told apart as `source/key`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

TEAM_FROM = ("project", "component", "label", "team_field")


@dataclass(frozen=True)
class TeamRule:
    """One source's team mapping (config keys `team_from` and `team_map`)."""

    team_from: str = "project"
    team_map: Mapping[str, str] = field(default_factory=dict)

    @property
    def follows_moves(self) -> bool:
        """Only project (Linear: team) keys change when an issue moves; other attributes are read as now."""
        return self.team_from == "project"


DEFAULT_RULE = TeamRule()


class TeamNamer:
    """Names teams for one analysis: built from the rules and the (source, project key) pairs stored."""

    def __init__(self, rules: Mapping[str, TeamRule], pairs: Iterable[tuple[str, str]]) -> None:
        self._rules = rules
        owners: dict[str, set[str]] = {}
        for source, key in pairs:
            if key and not self.rule(source).team_map.get(key):
                owners.setdefault(key, set()).add(source)
        self._shared = {key for key, sources in owners.items() if len(sources) > 1}

    def rule(self, source: str) -> TeamRule:
        return self._rules.get(source, DEFAULT_RULE)

    def of_key(self, source: str, key: object) -> str | None:
        """A project (Linear: team) key's team: mapped, else the key (`source/key` when sources share it)."""
        if not isinstance(key, str) or not key:
            return None
        mapped = self.rule(source).team_map.get(key)
        if mapped:
            return mapped
        return f"{source}/{key}" if key in self._shared else key

    def of_issue(
        self,
        source: str,
        project_key: object,
        labels: Sequence[str],
        components: Sequence[str],
        team_field: object,
    ) -> str | None:
        """An issue's team by its source's rule; None when the rule finds none (the issue is unmapped)."""
        rule = self.rule(source)
        if rule.team_from == "project":
            return self.of_key(source, project_key)
        if rule.team_from == "component":
            candidates = list(components)
        elif rule.team_from == "label":
            candidates = list(labels)
        else:
            candidates = [team_field] if isinstance(team_field, str) and team_field else []
        for value in candidates:
            if value in rule.team_map:
                return rule.team_map[value]
        if rule.team_map or rule.team_from == "label":
            return None  # a map names the teams (labels are too noisy to be teams by themselves)
        return sorted(candidates)[0] if candidates else None
