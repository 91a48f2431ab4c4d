"""Altair (Vega-Lite) chart specs for the HTML report: symptom trends per team, blocking heatmaps.

Each function returns a Vega-Lite spec as a plain dict (data inlined); `to_vega` compiles it to
Vega with vl-convert, and the page draws it with the Vega runtime `vega_bundle` gives, matched to
Altair's schema.

The trend panels plot each symptom's thresholded metric in its own unit (a share in per cent,
hours, people) against its watch and alert lines, so a lead reads "31 % of lead time waiting for
approval, alert at 25 %" rather than a score. Every word in a spec comes translated from the
caller, and every number a tooltip shows is formatted in Python, per locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from importlib.metadata import version
from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc

from orgpulse.i18n import Translator
from orgpulse.labels import (
    direction_label,
    metric_name,
    metric_unit,
    metric_value,
    severity_label,
    symptom_title,
)

SEVERITY_COLOURS = {
    "ok": "#2e7d32",
    "watch": "#ef8f00",
    "alert": "#c62828",
    "insufficient_data": "#9e9e9e",
}
MARKER_COLOUR = "#6a1b9a"  # an intervention's week, on every time chart
_PANEL_WIDTH = 215
_PANEL_HEIGHT = 80
_PANELS_PER_ROW = 4
_CELL = 26
_ROWS = "rows"  # the named dataset of a trend spec


def _vl_version() -> str:
    """vl-convert's name of the Vega-Lite version matching Altair's schema (or its latest)."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    wanted = f"{major}.{minor}"
    known = list(vlc.get_vegalite_versions())
    return "v" + (wanted if wanted in known else known[-1]).replace(".", "_")


# vl-convert bundles modules by their CDN address (served from its own copy, never fetched). Its
# bundle imports Vega as a default export, which Vega lacks, so the page imports Vega's namespace by
# the address each vl-convert release pins; another release falls back to Vega as vega-embed holds
# it, with the Vega-Lite compiler the page does not need (test_report checks which one shipped).
_VEGA_MODULES = {"1.9": "https://cdn.jsdelivr.net/npm/vega@6.2.0/+esm"}
_VEGA_NAMES = ("View", "parse", "loader", "formatLocale", "timeFormatLocale")


def vega_bundle() -> str:
    """The Vega runtime as one JavaScript bundle (offline), as `window.vega`. Specs are compiled to
    Vega in Python (`to_vega`), so the page carries neither the Vega-Lite compiler nor vega-embed:
    a third less script to parse, and no compilation per chart in the browser."""
    release = ".".join(version("vl-convert-python").split(".")[:2])
    module = _VEGA_MODULES.get(release)
    if module is None:
        snippet = "window.vega = vegaEmbed.vega;"
    else:
        names = ", ".join(f"{n}: v.{n}" for n in _VEGA_NAMES)
        snippet = f'import * as v from "{module}"; window.vega = {{{names}}};'
    return str(vlc.javascript_bundle(snippet, vl_version=_vl_version()))


def to_vega(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A Vega-Lite spec compiled to Vega. A named dataset without values (a template's) stays an
    empty named data source, which the page fills per chart."""
    return dict(vlc.vegalite_to_vega(dict(spec), vl_version=_vl_version()))


def primary_metric(thresholds: Mapping[str, Any]) -> str | None:
    """The metric a symptom's severity is read from: the one with numeric watch and alert levels."""
    for name, levels in thresholds.items():
        if isinstance(levels, dict) and all(
            isinstance(levels.get(k), int | float) for k in ("watch", "alert")
        ):
            return str(name)
    return None


def plotted(metric: str, value: float) -> float:
    """A metric value on its chart's axis: shares in per cent, the rest as they are."""
    return round(value * 100 if metric_unit(metric) == "share" else value, 2)


def trend_charts(
    t: Translator,
    trends: pd.DataFrame,
    metrics: pd.DataFrame,
    thresholds: Mapping[str, Mapping[str, Any]],
    teams: list[str],
    symptoms: list[str],
    markers: Mapping[tuple[str, str], list[tuple[str, str, str]]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Per team in `teams`, a panel per symptom: its thresholded metric per week in its own unit,
    the watch and alert lines, points coloured by severity; `symptoms` orders the panels.
    `markers` (flow_charts.trend_markers) draws each intervention on the panels of the metrics it
    was measured on, its before → after outcome in the tooltip.

    `trends` are `load_trends` rows, `metrics` `load_metrics` rows, `thresholds` `load_thresholds`.
    Every team shares one spec, built and validated once (Altair's validation costs about a second
    per chart) and written once in the page: returns that template and, per team, its named dataset
    `rows` in columnar form (`{"columns": [...], "rows": [[...], ...]}`), which the page expands.
    """
    weeks = sorted({d.isoformat() for d in trends["week_start"]})
    headers = {s: _panel_header(t, s, primary_metric(thresholds.get(s, {}))) for s in symptoms}
    template: dict[str, Any] = (
        _panel(t, alt.Chart(alt.NamedData(name=_ROWS)), weeks)
        .facet(
            facet=alt.Facet(
                "h:N",
                sort=[headers[s] for s in symptoms],
                title=None,
                header=alt.Header(
                    labelAnchor="start",
                    labelFontSize=11,
                    labelFontWeight="bold",
                    labelExpr="split(datum.value, '|')",
                    labelLimit=_PANEL_WIDTH + 30,
                ),
            ),
            columns=_PANELS_PER_ROW,
        )
        .resolve_scale(y="independent")
        .configure_view(stroke="#ddd")
        .to_dict()
    )
    values = {
        (team, week, symptom): value
        for team, week, symptom, metric, value in metrics.itertuples(index=False, name=None)
        if metric == primary_metric(thresholds.get(symptom, {}))
    }
    datasets = []
    for team in teams:
        rows = trends[(trends["team"] == team) & trends["symptom"].isin(symptoms)]
        records = _trend_records(t, rows, values, thresholds, headers, markers or {})
        datasets.append({_ROWS: columnar(records)})
    return template, datasets


def columnar(
    records: list[dict[str, Any]], repeated: tuple[str, ...] = ("h", "w", "wl", "sev", "sl", "d", "wa", "al")
) -> dict[str, Any]:
    """Records as one list of columns and rows of values, the `repeated` columns as indexes into a
    list of their distinct values: the page expands them back (a third of the bytes)."""
    columns = list(dict.fromkeys(k for r in records for k in r))
    lookup: dict[str, list[Any]] = {}
    index: dict[str, dict[str, int]] = {}
    for column in (c for c in repeated if c in columns):
        values = list({repr(r.get(column)): r.get(column) for r in records}.items())
        lookup[column] = [v for _, v in values]
        index[column] = {k: i for i, (k, _) in enumerate(values)}
    rows = [[index[c][repr(r.get(c))] if c in index else r.get(c) for c in columns] for r in records]
    return {"columns": columns, "rows": rows, "lookup": lookup}


def _panel_header(t: Translator, symptom: str, metric: str | None) -> str:
    if metric is None:
        return symptom_title(t, symptom)
    unit = {"share": "%", "hours": "h", "people": t._("people")}.get(metric_unit(metric), "")
    return f"{symptom_title(t, symptom)}|{metric_name(t, metric)}{f' ({unit})' if unit else ''}"


def _trend_records(
    t: Translator,
    rows: pd.DataFrame,
    values: Mapping[tuple[str, date, str], float],
    thresholds: Mapping[str, Mapping[str, Any]],
    headers: Mapping[str, str],
    markers: Mapping[tuple[str, str], list[tuple[str, str, str]]],
) -> list[dict[str, Any]]:
    records = []
    for team, week, symptom, severity, direction, confidence, sample in zip(
        rows["team"], rows["week_start"], rows["symptom"], rows["severity"], rows["direction"],
        rows["confidence"], rows["sample_size"], strict=True,
    ):  # fmt: skip
        metric = primary_metric(thresholds.get(symptom, {}))
        value = values.get((team, week, symptom)) if metric else None
        value = None if value is None or pd.isna(value) else float(value)
        levels = thresholds.get(symptom, {}).get(metric, {}) if metric else {}
        record: dict[str, Any] = {
            "h": headers[symptom],
            "w": week.isoformat(),
            "wl": t.date(week),
            "sev": severity,
            "sl": severity_label(t, severity),
            "d": direction_label(t, direction if isinstance(direction, str) else None),
            "c": t.number(float(confidence)),
            "n": int(sample),
            "v": None if value is None or metric is None else plotted(metric, value),
            "l": "—" if metric is None else metric_value(t, metric, value),
        }
        if metric:
            record["wa"] = plotted(metric, float(levels["watch"]))
            record["al"] = plotted(metric, float(levels["alert"]))
            marked = [
                (label, change) for w, label, change in markers.get((team, metric), []) if w == record["w"]
            ]
            if marked:
                record["iv"] = "; ".join(label for label, _ in marked)
                record["io"] = "; ".join(change for _, change in marked)
        records.append(record)
    records.sort(key=lambda r: (r["h"], r["w"]))
    return records


def week_axis(weeks: list[str]) -> alt.X:
    """The x of every chart over weeks: its Monday as "7 Sep", slanted, every week of the period."""
    # Week starts are dates: format them in UTC, or a browser west of Greenwich shows Sunday.
    labels = "utcFormat(toDate(datum.value), '%-d %b')"
    axis = alt.Axis(labelExpr=labels, labelAngle=-45, labelOverlap="greedy", labelFontSize=9)
    return alt.X("w:O", scale=alt.Scale(domain=weeks), title=None, axis=axis)


def intervention_rule(
    t: Translator, chart: alt.Chart, x: alt.X, fields: tuple[str, str], change: str
) -> alt.Chart:
    """The dashed rule on an intervention's week; its tooltip names it (`fields[0]`) and tells
    what changed (`fields[1]`, titled `change`)."""
    tooltip = [
        alt.Tooltip(f"{fields[0]}:N", title=t._("intervention")),
        alt.Tooltip(f"{fields[1]}:N", title=change),
    ]
    rule: alt.Chart = chart.mark_rule(color=MARKER_COLOUR, strokeWidth=2, strokeDash=[2, 2])
    return rule.encode(x=x, tooltip=tooltip)


def _panel(t: Translator, base: alt.Chart, weeks: list[str]) -> alt.LayerChart:
    x = week_axis(weeks)
    y_axis = alt.Axis(labelFontSize=9, grid=False, title=None, tickCount=4, format="~s")
    thresholds = base.transform_aggregate(wa="max(wa)", al="max(al)", groupby=["h"])
    watch = thresholds.mark_rule(color=SEVERITY_COLOURS["watch"], strokeDash=[4, 3]).encode(
        y=alt.Y("wa:Q", axis=y_axis)
    )
    alert = thresholds.mark_rule(color=SEVERITY_COLOURS["alert"], strokeDash=[4, 3]).encode(
        y=alt.Y("al:Q", axis=y_axis)
    )
    # Null values break the line, so a week without a value shows as a gap.
    line = base.mark_line(color="#666", strokeWidth=1, invalid="break-paths-show-domains").encode(
        x=x, y=alt.Y("v:Q", axis=y_axis, scale=alt.Scale(zero=True))
    )
    tooltip = [
        alt.Tooltip("hs:N", title=t._("symptom")),
        alt.Tooltip("wl:N", title=t._("week of")),
        alt.Tooltip("l:N", title=t._("value")),
        alt.Tooltip("sl:N", title=t._("severity")),
        alt.Tooltip("d:N", title=t._("against the 4 weeks before")),
        alt.Tooltip("c:N", title=t._("confidence")),
        alt.Tooltip("n:Q", title=t._("sample size")),
    ]
    # The panel's header is "symptom|metric" (two lines); the tooltip shows it on one.
    points = base.transform_calculate(hs="replace(datum.h, '|', ' — ')")
    points = points.mark_point(filled=True, opacity=1, stroke="white", strokeWidth=0.5).encode(
        x=x,
        y=alt.Y("v:Q", axis=y_axis),
        color=alt.Color(
            "sev:N",
            scale=alt.Scale(domain=list(SEVERITY_COLOURS), range=list(SEVERITY_COLOURS.values())),
            legend=None,
        ),
        size=alt.condition("datum.sev == 'alert'", alt.value(45), alt.value(22)),
        tooltip=tooltip,
    )
    marker = intervention_rule(
        t, base.transform_filter("isValid(datum.iv)"), x, ("iv", "io"), t._("before → after")
    )
    return alt.LayerChart(
        layer=[watch, alert, marker, line, points], width=_PANEL_WIDTH, height=_PANEL_HEIGHT
    )


def blocking_heatmap(
    t: Translator, dependencies: pd.DataFrame, *, week: date | None, blocked: list[str], blocking: list[str]
) -> dict[str, Any] | None:
    """Blocked team × blocking team, for `week` (blocked issues) or the whole period (week None).

    For one week the cells count blocked issues; over the period they sum blocked hours, with the
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
    cells["hours_label"] = [t.hours(h) for h in cells["blocked_hours"]]
    cells["blocked_hours"] = cells["blocked_hours"].round(0)
    waits, waited_on = t._("blocked team (waits)"), t._("blocking team (is waited on)")
    if week is None:
        first, last = min(rows["week_start"]), max(rows["week_start"])
        title = t._("Blocked hours, weeks of {first} to {last}").format(
            first=t.date(first), last=t.date(last)
        )
        value, label, text_format = "blocked_hours", t._("blocked hours"), ".2~s"  # 1,094 h -> "1.1k"
        extra = alt.Tooltip("blocked_issues:Q", title=t._("issue-weeks blocked"))
    else:
        title = t._("Blocked issues, week of {week}").format(week=t.date(week))
        value, label, text_format = "blocked_issues", t._("blocked issues"), "d"
        extra = alt.Tooltip("blocked_issues:Q", title=t._("blocked issues"))
    tooltip = [
        alt.Tooltip("blocked_team:N", title=waits),
        alt.Tooltip("blocking_team:N", title=t._("blocking team")),
        alt.Tooltip("hours_label:N", title=t._("blocked hours")),
        extra,
    ]
    x = alt.X(
        "blocking_team:N",
        sort=blocking,
        scale=alt.Scale(domain=blocking),
        title=waited_on,
        axis=alt.Axis(orient="top", labelAngle=-45),
    )
    y = alt.Y("blocked_team:N", sort=blocked, scale=alt.Scale(domain=blocked), title=waits)
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
