"""Turns the report's frames and chart specs into one self-contained HTML page (Jinja2).

The page inlines the vega-embed bundle and every spec, so it makes no network request. Evidence
and explain JSON are rendered generically (any keys a detector stores), escaped, with issue keys
set in code type; people appear only as the pseudonyms the stored evidence already holds.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from orgpulse.analysis.scoring import LOW_CONFIDENCE
from orgpulse.report.charts import SEVERITY_COLOURS, SEVERITY_LABELS
from orgpulse.report.data import SEVERITY_RANK, RunInfo, humanise, symptom_claim

EVIDENCE_SHOWN = 20
_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
_CONFIDENCE_KEYS = ("confidence_factors", "confidence")
_SKIPPED_EXPLAIN_KEYS = {"thresholds", "low_confidence", *_CONFIDENCE_KEYS}

DIRECTIONS: dict[str | None, tuple[str, str, str]] = {
    # direction -> (arrow, words, css class); a higher score is worse, so "up" means worsening.
    "worsening": ("↗", "worsening", "worse"),
    "improving": ("↘", "improving", "better"),
    "stable": ("→", "stable", "stable"),
    None: ("·", "no baseline yet", "none"),
}


@dataclass(frozen=True)
class EvidenceGroup:
    """Evidence items of one kind, as a small table."""

    kind: str
    columns: list[str]
    rows: list[list[Markup]]


@dataclass(frozen=True)
class MetricLine:
    name: str
    value: Markup
    watch: Markup
    alert: Markup
    level: str  # ok | watch | alert | "" when the metric has no threshold


@dataclass(frozen=True)
class AlertView:
    """One current alert or watch row of the table, with its evidence one click away."""

    team: str
    symptom: str
    title: str
    claim: str
    severity: str
    score: str
    arrow: str
    direction: str
    direction_class: str
    confidence: str
    low_confidence: bool
    sample_size: int
    metrics: list[MetricLine]
    confidence_factors: Markup | None
    other_explain: Markup | None
    evidence: list[EvidenceGroup]
    evidence_total: int
    explain_command: str


@dataclass(frozen=True)
class TeamView:
    team: str
    alerts: int
    watches: int
    chart_id: str


@dataclass(frozen=True)
class PageContext:
    """Everything the template shows."""

    run: RunInfo
    scheduled: RunInfo | None
    weeks: list[date]
    latest_week: date | None
    alerts: list[AlertView]
    teams: list[TeamView]
    heatmap_ids: list[str]
    specs: dict[str, dict[str, Any]]
    bundle: str
    generated_at: datetime
    counts: dict[str, int] = field(default_factory=dict)


def alert_views(current: pd.DataFrame, order: Sequence[str]) -> list[AlertView]:
    """`load_current` rows as table rows: teams in `order`, then alerts before watches, score first."""
    position = {team: i for i, team in enumerate(order)}
    records = current.to_dict("records")
    records.sort(
        key=lambda r: (
            position.get(r["team"], len(position)),
            -SEVERITY_RANK.get(r["severity"], 0),
            -(0.0 if _missing(r["score"]) else float(r["score"])),
            r["symptom"],
        )
    )
    return [_alert_view(r) for r in records]


def render_page(context: PageContext) -> str:
    """The whole HTML document."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    source = resources.files("orgpulse.report").joinpath("templates/report.html.j2").read_text("utf-8")
    template = env.from_string(source)
    zone = _zone(context.run.timezone)
    run = context.run
    scheduled = context.scheduled
    return template.render(
        c=context,
        as_of=_when(run.as_of, zone),
        finished=_when(run.finished_at, zone),
        generated=_when(context.generated_at, zone),
        scheduled_note=_scheduled_note(run, scheduled, zone),
        severity_colours=SEVERITY_COLOURS,
        severity_labels=SEVERITY_LABELS,
        directions=[v for k, v in DIRECTIONS.items() if k is not None] + [DIRECTIONS[None]],
        specs_json=Markup(_script_json(context.specs)),
        bundle=Markup(context.bundle),
        low_confidence=LOW_CONFIDENCE,
        evidence_shown=EVIDENCE_SHOWN,
    )


def _alert_view(r: Mapping[str, Any]) -> AlertView:
    explain: dict[str, Any] = dict(r["explain"])
    evidence: list[Any] = list(r["evidence"])
    arrow, words, css = DIRECTIONS.get(r["direction"], DIRECTIONS[None])
    factors = next((explain[k] for k in _CONFIDENCE_KEYS if isinstance(explain.get(k), dict)), None)
    rest = {k: v for k, v in explain.items() if k not in _SKIPPED_EXPLAIN_KEYS}
    week = r["week_start"].isoformat()
    return AlertView(
        team=str(r["team"]),
        symptom=str(r["symptom"]),
        title=str(r["symptom_title"]),
        claim=symptom_claim(str(r["symptom"])),
        severity=str(r["severity"]),
        score="—" if _missing(r["score"]) else f"{float(r['score']):.2f}",
        arrow=arrow,
        direction=words,
        direction_class=css,
        confidence=f"{float(r['confidence']):.2f}",
        low_confidence=float(r["confidence"]) < LOW_CONFIDENCE,
        sample_size=int(r["sample_size"]),
        metrics=_metric_lines(r["metrics"], explain.get("thresholds")),
        confidence_factors=_value_html(factors) if factors else None,
        other_explain=_value_html(rest) if rest else None,
        evidence=_evidence_groups(evidence[:EVIDENCE_SHOWN]),
        evidence_total=len(evidence),
        explain_command=f"orgpulse explain {r['symptom']} --team {shlex.quote(str(r['team']))} --week {week}",
    )


def _metric_lines(metrics: Mapping[str, float | None], thresholds: object) -> list[MetricLine]:
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
            MetricLine(humanise(name), _value_html(value), _value_html(watch), _value_html(alert), level)
        )
    # Thresholded metrics first: they decide the severity (SYMPTOMS.md).
    return sorted(lines, key=lambda m: m.level == "")


def _evidence_groups(items: Sequence[Any]) -> list[EvidenceGroup]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        record = item if isinstance(item, dict) else {"value": item}
        groups.setdefault(str(record.get("kind", "item")), []).append(record)
    result = []
    for kind, records in groups.items():
        columns: list[str] = []
        for record in records:
            columns += [k for k in record if k != "kind" and k not in columns]
        rows = [[_value_html(record.get(col)) for col in columns] for record in records]
        result.append(EvidenceGroup(humanise(kind), [humanise(c) for c in columns], rows))
    return result


def _value_html(value: Any) -> Markup:
    """Any JSON value as escaped HTML: numbers rounded, issue keys in code type, dicts as lists."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Markup('<span class="none">—</span>')
    if isinstance(value, bool):
        return Markup("yes" if value else "no")
    if isinstance(value, int | float):
        return escape(_number(value))
    if isinstance(value, str):
        if _ISSUE_KEY.match(value):
            return Markup('<code class="key">{}</code>').format(value)
        return escape(value)
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value) and value:
            groups = _evidence_groups(value)
            return Markup("").join(_group_html(g) for g in groups)
        return Markup(", ").join(_value_html(v) for v in value) if value else Markup("none")
    if isinstance(value, dict):
        items = Markup("").join(
            Markup("<dt>{}</dt><dd>{}</dd>").format(humanise(str(k)), _value_html(v))
            for k, v in value.items()
        )
        return Markup('<dl class="kv">{}</dl>').format(items)
    return escape(str(value))


def _group_html(group: EvidenceGroup) -> Markup:
    head = Markup("").join(Markup("<th>{}</th>").format(c) for c in group.columns)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(Markup("").join(Markup("<td>{}</td>").format(v) for v in row))
        for row in group.rows
    )
    return Markup('<table class="mini"><tr>{}</tr>{}</table>').format(head, body)


def _number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _when(moment: datetime | None, zone: ZoneInfo | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(zone) if zone else moment
    return local.strftime("%Y-%m-%d %H:%M %Z")


def _scheduled_note(run: RunInfo, scheduled: RunInfo | None, zone: ZoneInfo | None) -> str:
    """Says when this report does not show the numbers BI views show (the latest scheduled run)."""
    if run.trigger == "schedule":
        return ""
    if scheduled is None:
        return "This is an on-demand run; no scheduled run has completed yet."
    return (
        f"This is an on-demand run. BI views on the trend tables show the latest scheduled run, "
        f"{scheduled.run_id} (as of {_when(scheduled.as_of, zone)}); its numbers may differ."
    )


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no "</script>", no "<!--"."""
    return (
        json.dumps(value, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
