"""Scores findings against the sandbox's truth (SYMPTOMS.md, "Scoring a detector against a truth").

The unit is the (team, week, symptom) row; `alert` is a positive, anything else a negative. Only
weeks the findings cover are scored, so a truth cell outside the analysed window is not a miss.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class _Row(Protocol):
    @property
    def team(self) -> str: ...

    @property
    def symptom(self) -> str: ...

    @property
    def severity(self) -> Any: ...

    @property
    def week_start(self) -> Any: ...


@dataclass
class SymptomScore:
    symptom: str
    true_positives: list[tuple[str, str]] = field(default_factory=list)
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    misses: list[tuple[str, str]] = field(default_factory=list)
    control_alerts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        alerts = len(self.true_positives) + len(self.false_positives)
        return len(self.true_positives) / alerts if alerts else 1.0

    @property
    def recall(self) -> float:
        injected = len(self.true_positives) + len(self.misses)
        return len(self.true_positives) / injected if injected else 1.0


def score_findings(findings: Iterable[_Row], truth: Mapping[str, Any]) -> dict[str, SymptomScore]:
    """Per symptom found in the findings: hits, false alerts, misses and alerts on control teams."""
    rows = list(findings)
    weeks = {str(f.week_start) for f in rows}
    controls = set(truth.get("control_teams", ()))
    injected = {
        (c["team"], c["week_start"], c["symptom"]) for c in truth["cells"] if c["week_start"] in weeks
    }
    scores: dict[str, SymptomScore] = {}
    for f in rows:
        score = scores.setdefault(f.symptom, SymptomScore(f.symptom))
        if str(getattr(f.severity, "value", f.severity)) != "alert":
            continue
        cell = (f.team, str(f.week_start))
        if (f.team, str(f.week_start), f.symptom) in injected:
            score.true_positives.append(cell)
        else:
            score.false_positives.append(cell)
        if f.team in controls:
            score.control_alerts.append(cell)
    for team, week, symptom in injected:
        score = scores.setdefault(symptom, SymptomScore(symptom))
        if (team, week) not in score.true_positives:
            score.misses.append((team, week))
    return scores
