"""View models of the report's alerts table: one row per alert or watch of the period, with its
metrics in their own units against the thresholds, its evidence (issue keys linked to the tracker),
the confidence factors, and what to check before acting — all in the report's language.

A row's summary is HTML; its body (what opens on a click) is a small JSON tree the page turns into
elements when the row is first opened — a third of the bytes of the same HTML, which keeps a
period of hundreds of rows under the report's size budget. The tree, per value:
    "text" | null | [value, ...] (joined by commas) | {"k": KEY, "u": URL or null} (an issue key),
    or {"k": KEY, "p": N} when its URL is the N-th of the payload's `prefixes` followed by the key
    | {"dl": [[label, value], ...]} | {"g": [kind, [column, ...], [[value, ...], ...]]} (a table)
Evidence and explain JSON are rendered generically (any keys a detector stores); people appear only
as the pseudonyms the stored evidence already holds. The page sets text, never HTML, from the tree.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from orgpulse.analysis.scoring import LOW_CONFIDENCE
from orgpulse.i18n import Translator
from orgpulse.labels import (
    CHECK_ALWAYS,
    LEVERS,
    direction_label,
    metric_name,
    metric_value,
    severity_label,
    symptom_check,
    symptom_claim,
    symptom_title,
)
from orgpulse.labels_evidence import explain_text, field_name
from orgpulse.report.links import IssueLinks

EVIDENCE_SHOWN = 20
SEVERITY_RANK = {"alert": 3, "watch": 2, "ok": 1, "insufficient_data": 0}
ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
_CONFIDENCE_KEYS = ("confidence_factors", "confidence")
_SKIPPED_EXPLAIN_KEYS = {"thresholds", "low_confidence", *_CONFIDENCE_KEYS}
LEVER_OF = {symptom: lever for lever, (_, _, symptoms) in LEVERS.items() for symptom in symptoms}

DIRECTION_SIGNS: dict[str | None, tuple[str, str]] = {
    # direction -> (arrow, css class); a higher score is worse, so "up" means worsening.
    "worsening": ("↗", "worse"),
    "improving": ("↘", "better"),
    "stable": ("→", "stable"),
    None: ("·", "none"),
}


Tree = Any  # one value of a row's body (module docstring)


def team_order(trends: pd.DataFrame) -> list[str]:
    """Teams, most alerts over the period first; ties by watches over the period, then name."""
    if trends.empty:
        return []
    alerts = trends[trends["severity"] == "alert"].groupby("team").size()
    watches = trends[trends["severity"] == "watch"].groupby("team").size()
    teams = sorted(set(trends["team"]))
    return sorted(teams, key=lambda team: (-alerts.get(team, 0), -watches.get(team, 0), team))


@dataclass(frozen=True)
class MetricLine:
    name: str
    value: str
    watch: str
    alert: str
    level: str  # ok | watch | alert | "" when the metric has no threshold


@dataclass(frozen=True)
class AlertView:
    """One alert or watch row of the period, with its evidence one click away."""

    anchor: str
    team: str
    week: str  # ISO date, for filters and anchors
    week_label: str
    symptom: str
    lever: str
    title: str
    claim: str
    check: str
    severity: str
    severity_label: str
    headline: str  # the decisive metric in its unit, "31 % (alert at 25 %)"
    arrow: str
    direction: str
    direction_class: str
    confidence: str
    low_confidence: bool
    sample_size: int
    metrics: list[MetricLine]
    confidence_factors: Tree
    other_explain: Tree
    evidence: list[Tree]  # {"g": ...} tables, one per kind of item
    evidence_shown: int
    evidence_total: int
    explain_command: str

    def body(self) -> dict[str, Any]:
        """What the row shows when opened, as the page's JSON (see the module docstring)."""
        return {
            "m": [[m.name, m.value, m.watch, m.alert] for m in self.metrics],
            "lv": [m.level for m in self.metrics],
            "e": self.evidence,
            "n": [self.evidence_shown, self.evidence_total],
            "s": self.symptom,
            "c": self.confidence,
            "f": self.confidence_factors,
            "x": self.other_explain,
            "cmd": self.explain_command,
        }


def alert_anchor(team: str, week: str, symptom: str) -> str:
    """The element id of one alerts-table row (team names may hold any character)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "_", f"{team}-{week}-{symptom}")


class LinkPrefixes:
    """URLs that end with their key ("<site>/browse/KEY") shared as prefixes: the page joins them back."""

    def __init__(self) -> None:
        self.prefixes: list[str] = []

    def encode(self, key: str, url: str | None) -> dict[str, Any]:
        if url is None or not url.endswith(key):
            return {"k": key, "u": url}
        prefix = url[: -len(key)]
        if prefix not in self.prefixes:
            self.prefixes.append(prefix)
        return {"k": key, "p": self.prefixes.index(prefix)}


def alert_views(
    t: Translator,
    flagged: pd.DataFrame,
    order: Sequence[str],
    links: IssueLinks,
    evidence_shown: int,
    prefixes: LinkPrefixes,
) -> list[AlertView]:
    """`load_flagged` rows as table rows: alerts before watches, latest week first, teams in `order`."""
    position = {team: i for i, team in enumerate(order)}
    records = flagged.to_dict("records")
    records.sort(
        key=lambda r: (
            -SEVERITY_RANK.get(r["severity"], 0),
            -r["week_start"].toordinal(),
            position.get(r["team"], len(position)),
            r["symptom"],
        )
    )
    return [_alert_view(t, r, links, evidence_shown, prefixes) for r in records]


def _alert_view(
    t: Translator, r: Mapping[str, Any], links: IssueLinks, evidence_shown: int, prefixes: LinkPrefixes
) -> AlertView:
    explain: dict[str, Any] = dict(r["explain"])
    evidence: list[Any] = list(r["evidence"])
    direction = r["direction"] if isinstance(r["direction"], str) else None
    arrow, css = DIRECTION_SIGNS.get(direction, DIRECTION_SIGNS[None])
    factors = next((explain[k] for k in _CONFIDENCE_KEYS if isinstance(explain.get(k), dict)), None)
    rest = {k: v for k, v in explain.items() if k not in _SKIPPED_EXPLAIN_KEYS}
    week = r["week_start"].isoformat()
    team, symptom = str(r["team"]), str(r["symptom"])
    metrics = _metric_lines(t, r["metrics"], explain.get("thresholds"))
    render = _Renderer(t, links, team, prefixes)
    decisive = next((m for m in metrics if m.level), None)
    return AlertView(
        anchor=alert_anchor(team, week, symptom),
        team=team,
        week=week,
        week_label=t.date(r["week_start"]),
        symptom=symptom,
        lever=LEVER_OF.get(symptom, ""),
        title=symptom_title(t, symptom),
        claim=symptom_claim(t, symptom),
        check=" ".join(x for x in (symptom_check(t, symptom), t._(CHECK_ALWAYS)) if x),
        severity=str(r["severity"]),
        severity_label=severity_label(t, str(r["severity"])),
        headline=""
        if decisive is None
        else t._("{value} ({level} at {threshold})").format(
            value=decisive.value,
            level=severity_label(t, "alert" if decisive.level == "alert" else "watch"),
            threshold=decisive.alert if decisive.level == "alert" else decisive.watch,
        ),
        arrow=arrow,
        direction=direction_label(t, direction),
        direction_class=css,
        confidence=t.number(float(r["confidence"])),
        low_confidence=float(r["confidence"]) < LOW_CONFIDENCE,
        sample_size=int(r["sample_size"]),
        metrics=metrics,
        confidence_factors=render.value(factors) if factors else None,
        other_explain=render.value(rest) if rest else None,
        evidence=render.groups(evidence[:evidence_shown]),
        evidence_shown=min(len(evidence), evidence_shown),
        evidence_total=len(evidence),
        explain_command=f"orgpulse explain {symptom} --team {shlex.quote(team)} --week {week}",
    )


def _metric_lines(t: Translator, metrics: Mapping[str, float | None], thresholds: object) -> list[MetricLine]:
    table = thresholds if isinstance(thresholds, dict) else {}
    lines = []
    for name, value in metrics.items():
        levels = table.get(name)
        watch = levels.get("watch") if isinstance(levels, dict) else None
        alert = levels.get("alert") if isinstance(levels, dict) else None
        level = ""
        stated = levels.get("level") if isinstance(levels, dict) else None
        if isinstance(stated, str):
            level = stated  # the detector's own verdict (some thresholds are strict: "> 7 people")
        elif isinstance(watch, int | float) and isinstance(alert, int | float) and value is not None:
            level = "alert" if value >= alert else "watch" if value >= watch else "ok"
        lines.append(
            MetricLine(
                metric_name(t, name),
                metric_value(t, name, value),
                metric_value(t, name, watch) if isinstance(watch, int | float) else "—",
                metric_value(t, name, alert) if isinstance(alert, int | float) else "—",
                level,
            )
        )
    # Thresholded metrics first: they decide the severity (SYMPTOMS.md).
    return sorted(lines, key=lambda m: m.level == "")


class _Renderer:
    """Stored JSON values as the page's tree, in the report's language, issue keys linked to the tracker."""

    def __init__(self, t: Translator, links: IssueLinks, team: str, prefixes: LinkPrefixes) -> None:
        self.t, self.links, self.team, self.prefixes = t, links, team, prefixes

    def groups(self, items: Sequence[Any]) -> list[Tree]:
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            record = item if isinstance(item, dict) else {"value": item}
            by_kind.setdefault(str(record.get("kind", "item")), []).append(record)
        result = []
        for kind, records in by_kind.items():
            columns: list[str] = []
            for record in records:
                columns += [k for k in record if k != "kind" and k not in columns]
            rows = [[self.value(record.get(col), col) for col in columns] for record in records]
            result.append({"g": [field_name(self.t, kind), [field_name(self.t, c) for c in columns], rows]})
        return result

    def value(self, value: Any, key: str = "") -> Tree:
        """Any JSON value: numbers per locale (hours to a tenth), issue keys as links, dicts as lists,
        prose translated. `key` is the field the value sits under."""
        t = self.t
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, bool):
            return t._("yes") if value else t._("no")
        if isinstance(value, int | float):
            return t.number(value, digits=1 if key.endswith("hours") else 2)
        if isinstance(value, str):
            if ISSUE_KEY.match(value):
                return self.prefixes.encode(value, self.links.url(value, self.team))
            return explain_text(t, value)
        if isinstance(value, list):
            if value and all(isinstance(v, dict) for v in value):
                return self.groups(value)
            return [self.value(v, key) for v in value] if value else t._("none")
        if isinstance(value, dict):
            return {
                "dl": [
                    [field_name(t, str(k)), self.value(_counted(t, k, v), str(k))] for k, v in value.items()
                ]
            }
        return str(value)


def _counted(t: Translator, key: object, value: Any) -> Any:
    """The samples' issue keys are counted, not listed: a sample can hold hundreds (explain lists them)."""
    if key == "sample_issue_keys" and isinstance(value, dict):
        return {
            name: t.n_("{n} issue", "{n} issues", len(keys)).format(n=len(keys))
            for name, keys in value.items()
            if isinstance(keys, list)
        }
    return value
