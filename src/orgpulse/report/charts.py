"""Altair (Vega-Lite) chart specs for the HTML report: symptom trends per team, blocking heatmaps.

Each function returns a Vega-Lite spec as a plain dict (data inlined), which the page embeds with
the vega-embed bundle of vl-convert. `vega_bundle` gives that bundle, matched to Altair's schema.

Scores sit on a fixed scale (SYMPTOMS.md: watch threshold -> 0.5, alert threshold -> 0.75), so
the trend panels shade those zones and a lead can read any symptom against the same bands.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc

from orgpulse.report.data import symptom_title

SEVERITY_COLOURS = {
    "ok": "#2e7d32",
    "watch": "#ef8f00",
    "alert": "#c62828",
    "insufficient_data": "#9e9e9e",
}
SEVERITY_LABELS = {
    "ok": "ok",
    "watch": "watch",
    "alert": "alert",
    "insufficient_data": "not enough data",
}
# Score zones (SYMPTOMS.md: watch threshold -> 0.5, alert threshold -> 0.75) and their shading.
_ZONES = [(0.0, 0.5, "#e8f5e9"), (0.5, 0.75, "#fff3e0"), (0.75, 1.0, "#ffebee")]
_PANEL_WIDTH = 230
_PANEL_HEIGHT = 90
_PANELS_PER_ROW = 4
_CELL = 26
_NO_SCORE_AT = 0.06
_ROWS = "rows"  # the named dataset of a trend spec


def vega_bundle() -> str:
    """The vega + vega-lite + vega-embed JavaScript bundle for Altair's Vega-Lite version (offline)."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    wanted = f"{major}.{minor}"
    known = list(vlc.get_vegalite_versions())
    version = wanted if wanted in known else known[-1]
    # The snippet is what the bundle keeps (it is tree-shaken): the page only calls vegaEmbed.
    return str(
        vlc.javascript_bundle("window.vegaEmbed = vegaEmbed;", vl_version="v" + version.replace(".", "_"))
    )


def trend_charts(trends: pd.DataFrame, teams: list[str], symptoms: list[str]) -> list[dict[str, Any]]:
    """Per team in `teams`, its symptoms over the weeks: a panel per symptom (a facet), the score
    line, points coloured by severity. `trends` are `load_trends` rows; `symptoms` orders panels.

    Every team shares one spec, built and validated once (Altair's validation costs about a second
    per chart); only the named dataset `rows` differs. A facet draws faster than concatenated
    panels in the browser (one dataflow instead of one per panel).
    """
    weeks = sorted({d.isoformat() for d in trends["week_start"]})
    titles = [symptom_title(s) for s in symptoms]
    template: dict[str, Any] = (
        _panel(alt.Chart(alt.NamedData(name=_ROWS)), weeks)
        .facet(
            facet=alt.Facet(
                "symptom_title:N",
                sort=titles,
                title=None,
                header=alt.Header(labelAnchor="start", labelFontSize=12, labelFontWeight="bold"),
            ),
            columns=_PANELS_PER_ROW,
        )
        .configure_view(stroke="#ddd")
        .to_dict()
    )
    specs = []
    for team in teams:
        spec = dict(template)
        spec["datasets"] = {
            **template.get("datasets", {}),
            _ROWS: _trend_records(trends[trends["team"] == team]),
        }
        specs.append(spec)
    return specs


def blocking_heatmap(
    dependencies: pd.DataFrame, *, week: date | None, blocked: list[str], blocking: list[str]
) -> dict[str, Any] | None:
    """Blocked team × blocking team, for `week` (blocked issues) or the whole window (week None).

    For one week the cells count blocked issues; over the window they sum blocked hours, with the
    issue-weeks (an issue blocked three weeks counts three) in the tooltip. None when empty.
    `blocked` and `blocking` fix the rows and the columns, so the two heatmaps line up.
    """
    rows = dependencies if week is None else dependencies[dependencies["week_start"] == week]
    if rows.empty:
        return None
    cells = (
        rows.groupby(["blocked_team", "blocking_team"], as_index=False)
        .agg(blocked_issues=("blocked_issues", "sum"), blocked_hours=("blocked_hours", "sum"))
        .astype({"blocked_issues": "int64"})
    )
    cells["blocked_hours"] = cells["blocked_hours"].round(1)
    if week is None:
        first, last = min(rows["week_start"]), max(rows["week_start"])
        title = f"Blocked hours, weeks of {first.isoformat()} to {last.isoformat()}"
        value, label = "blocked_hours", "blocked hours"
        tooltip = [
            alt.Tooltip("blocked_team:N", title="blocked team (waits)"),
            alt.Tooltip("blocking_team:N", title="blocking team"),
            alt.Tooltip("blocked_hours:Q", title="blocked hours", format=",.0f"),
            alt.Tooltip("blocked_issues:Q", title="issue-weeks blocked"),
        ]
        text_format = ".2~s"  # 1,094 h -> "1.1k": four digits do not fit a cell
    else:
        value, title, label = (
            "blocked_issues",
            f"Blocked issues, week of {week.isoformat()}",
            "blocked issues",
        )
        tooltip = [
            alt.Tooltip("blocked_team:N", title="blocked team (waits)"),
            alt.Tooltip("blocking_team:N", title="blocking team"),
            alt.Tooltip("blocked_issues:Q", title="blocked issues"),
            alt.Tooltip("blocked_hours:Q", title="blocked hours", format=",.0f"),
        ]
        text_format = "d"
    x = alt.X(
        "blocking_team:N",
        sort=blocking,
        scale=alt.Scale(domain=blocking),
        title="blocking team (is waited on)",
        axis=alt.Axis(orient="top", labelAngle=-45),
    )
    y = alt.Y("blocked_team:N", sort=blocked, scale=alt.Scale(domain=blocked), title="blocked team (waits)")
    base = alt.Chart(cells).encode(x=x, y=y)
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color(f"{value}:Q", title=label, scale=alt.Scale(scheme="oranges")),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=text_format),
        color=alt.condition(
            f"datum.{value} > 0.6 * {float(cells[value].max())}", alt.value("white"), alt.value("#333")
        ),
    )
    spec: dict[str, Any] = (
        alt.layer(rect, text)
        .properties(title=title, width=max(len(blocking), 1) * _CELL, height=max(len(blocked), 1) * _CELL)
        .configure_view(stroke="#ddd")
        .configure_axis(grid=False)
        .to_dict()
    )
    return spec


def _trend_records(team_rows: pd.DataFrame) -> list[dict[str, Any]]:
    frame = team_rows[
        [
            "week_start",
            "symptom",
            "symptom_title",
            "severity",
            "score",
            "direction",
            "confidence",
            "sample_size",
        ]
    ].copy()
    frame["week"] = [d.isoformat() for d in frame["week_start"]]
    frame = frame.drop(columns="week_start")
    frame["severity_label"] = frame["severity"].map(SEVERITY_LABELS).fillna(frame["severity"])
    frame["score"] = frame["score"].round(3)
    frame["confidence"] = frame["confidence"].round(2)
    frame["direction"] = frame["direction"].fillna("no baseline")
    # A row without enough data has no score: a grey triangle just above the floor, never a zero.
    frame["plot_score"] = frame["score"].fillna(_NO_SCORE_AT)
    frame = frame.sort_values(["symptom", "week"]).astype(object)
    records: list[dict[str, Any]] = frame.where(frame.notna(), None).to_dict("records")
    return records


def _panel(base: alt.Chart, weeks: list[str]) -> alt.LayerChart:
    x = alt.X(
        "week:O",
        scale=alt.Scale(domain=weeks),
        title=None,
        # Week starts are dates: format them in UTC, or a browser west of Greenwich shows Sunday.
        axis=alt.Axis(
            labelExpr="utcFormat(toDate(datum.value), '%-d %b')",
            labelAngle=-45,
            labelOverlap="greedy",
            labelFontSize=9,
        ),
    )
    score_scale = alt.Scale(domain=[0, 1])
    score_axis = alt.Axis(values=[0, 0.5, 0.75, 1], format=".2~f", labelFontSize=9, grid=False, title="score")
    # The ok / watch / alert zones of the score, one rectangle each per panel (hence the aggregate).
    zones = [
        base.transform_aggregate(rows="count()", groupby=["symptom_title"])
        .mark_rect(color=colour, opacity=0.9)
        .encode(y=alt.Y(datum=low, scale=score_scale, axis=score_axis), y2=alt.Y2(datum=high))
        for low, high, colour in _ZONES
    ]
    # Null scores break the line, so a gap in the data shows as a gap.
    line = base.mark_line(color="#666", strokeWidth=1, invalid="break-paths-show-domains").encode(
        x=x, y=alt.Y("score:Q", scale=score_scale, axis=score_axis)
    )
    tooltip = [
        alt.Tooltip("symptom_title:N", title="symptom"),
        alt.Tooltip("week:N", title="week of"),
        alt.Tooltip("severity_label:N", title="severity"),
        alt.Tooltip("score:Q", title="score", format=".2f"),
        alt.Tooltip("direction:N", title="vs 4 weeks before"),
        alt.Tooltip("confidence:Q", title="confidence", format=".2f"),
        alt.Tooltip("sample_size:Q", title="sample size"),
    ]
    points = base.mark_point(filled=True, opacity=1, stroke="white", strokeWidth=0.5).encode(
        x=x,
        y=alt.Y("plot_score:Q", scale=score_scale, axis=score_axis),
        color=alt.Color(
            "severity:N",
            scale=alt.Scale(domain=list(SEVERITY_COLOURS), range=list(SEVERITY_COLOURS.values())),
            legend=None,
        ),
        shape=alt.condition(
            "datum.severity == 'insufficient_data'", alt.value("triangle-up"), alt.value("circle")
        ),
        size=alt.condition("datum.severity == 'insufficient_data'", alt.value(55), alt.value(30)),
        tooltip=tooltip,
    )
    return alt.LayerChart(layer=[*zones, line, points], width=_PANEL_WIDTH, height=_PANEL_HEIGHT)
