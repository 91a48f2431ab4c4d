"""Each team's flow in the report: where the time goes (status shares per week, the bottleneck
named), the cycle time of each completed issue with the weekly p50/p85, throughput and WIP, the
age of the work in progress — with the interventions a lead recorded drawn as markers, their
before/after outcome in the tooltip.

One Vega-Lite spec is shared by every team (built and validated once); per team only its named
datasets differ: `fl` (a row per week), `st` (a row per status), `ct` (a row per completed issue
of the cycle-time sample), `iv` (a row per intervention that concerns the team).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd

from orgpulse.i18n import Translator
from orgpulse.labels import lever_name, metric_name, metric_value, outcome_label
from orgpulse.report.charts import columnar, intervention_rule, week_axis
from orgpulse.report.diagnosis import intervention_parts
from orgpulse.report.links import IssueLinks

_WIDTH = 215
_HEIGHT = 110
STATUSES_SHOWN = 6  # the rest of a team's statuses are drawn as one "other" band


@dataclass(frozen=True)
class EffectLine:
    metric: str
    before: str
    after: str
    p_value: str
    outcome: str
    outcome_id: str


@dataclass(frozen=True)
class InterventionView:
    """One intervention as a team's section shows it: when, which lever, the note, the outcomes."""

    label: str
    note: str
    effects: list[EffectLine]


@dataclass(frozen=True)
class FlowView:
    summary: str
    chart_ids: list[str]
    interventions: list[InterventionView]


def flow_template(t: Translator, weeks: Sequence[date]) -> dict[str, Any]:
    """The shared spec: four panels side by side, each with the intervention markers."""
    x = week_axis([w.isoformat() for w in weeks])
    y_axis = alt.Axis(labelFontSize=9, grid=False, tickCount=4, format="~s")
    flow = alt.Chart(alt.NamedData(name="fl"))
    marks = intervention_rule(t, alt.Chart(alt.NamedData(name="iv")), x, ("il", "io"), t._("outcome"))
    week_tip = alt.Tooltip("w:N", title=t._("week of"))
    median, p85 = _js(t._("median")), _js(t._("85th percentile"))
    quantile_labels = f"datum.value == 'c50' ? '{median}' : '{p85}'"
    shares = (
        alt.Chart(alt.NamedData(name="st"))
        .mark_bar(height=34)
        .encode(
            x=alt.X(
                "sh:Q",
                stack="zero",
                axis=y_axis,
                title=t._("share of cycle time (%)"),
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=alt.Color(
                "s:N",
                title=None,
                sort=alt.EncodingSortField("o"),
                scale=alt.Scale(scheme="tableau10"),
                legend=alt.Legend(
                    orient="bottom", columns=2, labelFontSize=10, labelLimit=150, symbolSize=60
                ),
            ),
            order=alt.Order("o:Q"),
            tooltip=[
                alt.Tooltip("s:N", title=t._("status")),
                alt.Tooltip("sh:Q", title=t._("share of cycle time (%)"), format=".0f"),
                alt.Tooltip("hs:Q", title=t._("hours"), format=",.0f"),
            ],
        )
    )
    # `u` is the tracker URL of the dot's issue, or its prefix ("<site>/browse/") when the key ends it.
    scatter = (
        alt.Chart(alt.NamedData(name="ct"))
        .transform_calculate(
            href="datum.u ? (indexof(datum.u, datum.k) >= 0 ? datum.u : datum.u + datum.k) : ''"
        )
        .mark_circle(size=14, opacity=0.4, color="#90a4ae", cursor="pointer")
        .encode(
            x=x,
            y=alt.Y("h:Q", axis=y_axis, title=t._("cycle time (hours)")),
            href=alt.Href("href:N"),
            tooltip=[
                alt.Tooltip("k:N", title=t._("issue")),
                week_tip,
                alt.Tooltip("h:Q", title=t._("cycle time (hours)"), format=",.1f"),
            ],
        )
    )
    cycle = (
        flow.transform_fold(["c50", "c85"], as_=["q", "h"])
        .mark_line(strokeWidth=1.5)
        .encode(
            x=x,
            y=alt.Y("h:Q", axis=y_axis, title=t._("cycle time (hours)")),
            color=alt.Color(
                "q:N",
                title=None,
                scale=alt.Scale(domain=["c50", "c85"], range=["#0d47a1", "#42a5f5"]),
                legend=alt.Legend(orient="bottom", labelExpr=quantile_labels),
            ),
            tooltip=[
                week_tip,
                alt.Tooltip("c50:Q", title=t._("median (hours)"), format=",.1f"),
                alt.Tooltip("c85:Q", title=t._("85th percentile (hours)"), format=",.1f"),
            ],
        )
    )
    throughput = flow.mark_bar(color="#90a4ae").encode(
        x=x,
        y=alt.Y("tp:Q", axis=y_axis, title=t._("issues completed")),
        tooltip=[
            week_tip,
            alt.Tooltip("tp:Q", title=t._("throughput"), format=",.0f"),
            alt.Tooltip("wi:Q", title=t._("work in progress"), format=",.1f"),
        ],
    )
    wip = flow.mark_line(color="#37474f", strokeWidth=1.5).encode(
        x=x,
        y=alt.Y("wi:Q", axis=y_axis, title=t._("work in progress")),
        tooltip=[week_tip, alt.Tooltip("wi:Q", title=t._("work in progress"), format=",.1f")],
    )
    aging = flow.mark_line(color="#c62828", strokeWidth=1.5).encode(
        x=x,
        y=alt.Y("ag:Q", axis=y_axis, title=t._("age, 85th percentile (hours)")),
        tooltip=[week_tip, alt.Tooltip("ag:Q", title=t._("age, 85th percentile (hours)"), format=",.0f")],
    )

    def panel(title: str, *layers: alt.Chart) -> alt.LayerChart:
        return alt.LayerChart(layer=[*layers, marks], title=title, width=_WIDTH, height=_HEIGHT)

    spec: dict[str, Any] = (
        alt.hconcat(
            shares.properties(
                title=t._("Where the time goes, over the period"), width=_WIDTH, height=_HEIGHT
            ),
            panel(t._("Cycle time per completed issue"), scatter, cycle),
            panel(t._("Throughput and work in progress"), throughput, wip).resolve_scale(y="independent"),
            panel(t._("Age of the work in progress"), aging),
        )
        .resolve_scale(color="independent")
        .configure_view(stroke="#ddd")
        .configure_title(fontSize=12, anchor="start")
        .configure_axis(titleFontSize=10, titleFontWeight="normal")
        .to_dict()
    )
    return spec


def _js(text: str) -> str:
    """Text inside a single-quoted Vega expression string."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def flow_datasets(
    t: Translator,
    team: str,
    flow: pd.DataFrame,
    status_time: pd.DataFrame,
    effects: pd.DataFrame,
    notes: Mapping[str, str],
    weeks: Sequence[date],
    cycle_times: pd.DataFrame,
    links: IssueLinks | None = None,
) -> tuple[dict[str, Any], FlowView] | None:
    """One team's datasets for `flow_template` and what its section says; None without flow rows.
    `cycle_times` are `load_cycle_times` rows (empty for a run analysed before they were kept);
    `links` makes each of their dots open its issue in the tracker."""
    rows = flow[flow["team"] == team]
    if rows.empty:
        return None
    values = {(w, m): v for w, m, v in zip(rows["week_start"], rows["metric"], rows["value"], strict=True)}

    def get(week: date, metric: str) -> float | None:
        v = values.get((week, metric))
        return None if v is None or pd.isna(v) else float(v)

    fl = []
    for week in weeks:
        c50, c85, tp, wi, ag = (get(week, m) for m in (
            "cycle_p50_hours", "cycle_p85_hours", "throughput", "wip", "wip_age_p85_hours"))  # fmt: skip
        fl.append(
            {
                "w": week.isoformat(),
                "c50": None if c50 is None else round(c50, 1),
                "c85": None if c85 is None else round(c85, 1),
                "tp": tp,
                "wi": None if wi is None else round(wi, 2),
                "ag": None if ag is None else round(ag, 1),
            }
        )
    spent = status_time[status_time["team"] == team]
    totals = spent.groupby("status")["hours"].sum().sort_values(ascending=False)
    whole = float(totals.sum())
    # The period's status shares as one stacked bar: the largest statuses, the rest as "other".
    st = [
        {"s": str(status), "o": i, "sh": round(100 * hours / whole, 1), "hs": round(hours)}
        for i, (status, hours) in enumerate(totals.iloc[:STATUSES_SHOWN].items())
        if whole > 0
    ]
    rest = float(totals.iloc[STATUSES_SHOWN:].sum())
    if rest > 0 and whole > 0:
        st.append(
            {"s": t._("other statuses"), "o": len(st), "sh": round(100 * rest / whole, 1), "hs": round(rest)}
        )
    interventions = _interventions(t, team, effects, notes)
    # A marker only inside the weeks shown: an ordinal axis would draw an earlier one at its edge.
    # The intervention's table below the charts still gives its outcome.
    shown = {w.isoformat() for w in weeks}
    iv = [
        {"w": _monday(view_date).isoformat(), "il": view.label, "io": "; ".join(
            f"{e.metric}: {e.outcome}" for e in view.effects) or "—"}
        for view_date, view in interventions
        if _monday(view_date).isoformat() in shown
    ]  # fmt: skip
    points = cycle_times[cycle_times["team"] == team]
    ct = [
        {"w": week.isoformat(), "h": round(float(hours), 1), "k": str(key), "u": _link(links, str(key), team)}
        for week, hours, key in zip(points["week_start"], points["cycle_hours"], points["issue"], strict=True)
    ]
    return (
        {
            "fl": columnar(fl, ()),
            "st": columnar(st, ()),
            "ct": columnar(ct, ("w", "u")),
            "iv": columnar(iv, ()),
        },
        FlowView(
            summary=_summary(t, totals, weeks, get),
            chart_ids=[],
            interventions=[view for _, view in interventions],
        ),
    )


def _link(links: IssueLinks | None, key: str, team: str) -> str:
    """The issue's URL, cut before its key when it ends with it (Jira: one prefix for all)."""
    url = links.url(key, team) if links is not None else None
    if url is None:
        return ""
    return url[: -len(key)] if url.endswith(key) else url


def _summary(t: Translator, totals: pd.Series, weeks: Sequence[date], get: Any) -> str:
    parts = []
    whole = float(totals.sum())
    if whole > 0:
        top = str(totals.index[0])
        parts.append(
            t._("Over the period, completed issues spent the largest share of their cycle time in “{status}” "
                "({share} of {hours}).").format(status=top, share=t.share(float(totals.iloc[0]) / whole),
                                                hours=t.hours(whole))
        )  # fmt: skip
    latest = next((w for w in reversed(weeks) if get(w, "throughput") is not None), None)
    if latest is not None:
        parts.append(
            t._("Week of {week}: {throughput} completed, cycle time median {p50}, 85th percentile {p85}, "
                "flow efficiency {efficiency}.").format(
                week=t.date(latest),
                throughput=metric_value(t, "throughput", get(latest, "throughput")),
                p50=metric_value(t, "cycle_p50_hours", get(latest, "cycle_p50_hours")),
                p85=metric_value(t, "cycle_p85_hours", get(latest, "cycle_p85_hours")),
                efficiency=metric_value(t, "flow_efficiency", get(latest, "flow_efficiency")),
            )
        )  # fmt: skip
    return " ".join(parts)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trend_markers(t: Translator, effects: pd.DataFrame) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """For the symptom panels: per (team, metric), the interventions measured on that metric, as
    (the Monday of their week, their label, the before → after outcome)."""
    found: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    columns = ["intervention", "team", "metric", "before", "after", "p_value", "outcome"]
    for key, team, metric, before, after, p, outcome in effects[columns].itertuples(index=False, name=None):
        parts = intervention_parts(str(key))
        name = str(metric)
        change = t._("{before} → {after}: {outcome} (p = {p})").format(
            before=metric_value(t, name, None if pd.isna(before) else float(before)),
            after=metric_value(t, name, None if pd.isna(after) else float(after)),
            outcome=outcome_label(t, str(outcome)),
            p="—" if pd.isna(p) else t.number(float(p), digits=3),
        )
        week = _monday(parts["date"]).isoformat()
        found.setdefault((str(team), name), []).append((week, _label(t, parts), change))
    return found


def _label(t: Translator, parts: Mapping[str, Any]) -> str:
    lever = parts["lever"]
    return t._("{date}: {lever}").format(
        date=t.date(parts["date"]), lever=lever_name(t, lever) if lever else t._("every symptom")
    )


def _interventions(
    t: Translator, team: str, effects: pd.DataFrame, notes: Mapping[str, str]
) -> list[tuple[date, InterventionView]]:
    found = []
    for key, rows in effects[effects["team"] == team].groupby("intervention", sort=True):
        parts = intervention_parts(str(key))
        lines = [
            EffectLine(
                metric=metric_name(t, str(metric)),
                before=metric_value(t, str(metric), None if pd.isna(before) else float(before)),
                after=metric_value(t, str(metric), None if pd.isna(after) else float(after)),
                p_value="—" if pd.isna(p) else t.number(float(p), digits=3),
                outcome=outcome_label(t, str(outcome)),
                outcome_id=str(outcome),
            )
            for metric, before, after, p, outcome in rows[
                ["metric", "before", "after", "p_value", "outcome"]
            ].itertuples(index=False, name=None)
        ]
        found.append((parts["date"], InterventionView(_label(t, parts), notes.get(str(key), ""), lines)))
    return found
