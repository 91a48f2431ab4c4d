"""The static HTML report: `orgpulse report --html PATH` for a Product Ops lead to present.

One self-contained file (the Vega runtime and every chart, compiled to Vega, inlined: no network
request), in English or French. It opens on the diagnosis — the verdict and the weak levers — then every alert
and watch of the period, filterable, each with its evidence (issue keys linked to the tracker) and
what to check before acting; then who waits on whom, and per team its flow and its symptom trends
in their own units. It reads one completed analysis run — the latest by default — and takes no
lock (DESIGN.md).

    data.py         SQL reads of the symptom rows into pandas
    diagnosis.py    SQL reads of the diagnosis tables; the verdict and the team × lever grid
    links.py        issue key -> its page in the tracker
    charts.py       Altair / Vega-Lite specs of the symptom trends and the blocking heatmaps
    flow_charts.py  each team's flow and interventions
    views.py        view models of the alerts table
    page.py         the Jinja2 template (templates/report.html.j2), rendered through gettext
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from orgpulse.errors import OrgpulseError
from orgpulse.i18n import translator
from orgpulse.labels import SYMPTOMS, symptom_title
from orgpulse.report.charts import blocking_heatmap, to_vega, trend_charts, vega_bundle
from orgpulse.report.diagnosis import evidence_links, grid_view, verdict_view
from orgpulse.report.flow_charts import flow_datasets, flow_template, trend_markers
from orgpulse.report.links import load_issue_links
from orgpulse.report.page import PageContext, TeamView, render_page
from orgpulse.report.views import EVIDENCE_SHOWN, ISSUE_KEY, LinkPrefixes, alert_views, team_order
from orgpulse.store import Store
from orgpulse.store.reports import (
    load_cycle_times,
    load_dependencies,
    load_effects,
    load_flagged,
    load_flow,
    load_latest_scheduled,
    load_levers,
    load_metrics,
    load_run,
    load_status_time,
    load_thresholds,
    load_trends,
)

__all__ = ["ReportSummary", "write_report"]

log = logging.getLogger(__name__)

WATCH_EVIDENCE_SHOWN = 4  # a watch keeps the report small: its full evidence is one `explain` away


@dataclass(frozen=True)
class ReportSummary:
    """What `write_report` wrote."""

    path: Path
    bytes: int
    teams: int
    weeks: int
    charts: int
    alerts: int  # alert rows of the period, all in the alerts table
    watches: int
    run_id: str
    language: str


def write_report(
    store: Store,
    path: Path,
    *,
    run_id: str | None = None,
    language: str | None = None,
    notes: Mapping[str, str] | None = None,
) -> ReportSummary:
    """Write the HTML report of run `run_id` (default: the latest completed run) to `path`, in
    `language` ("en", the default, or "fr"). `notes` gives the note a lead wrote for each recorded
    intervention, by its key (the trend tables keep the key only).

    Raises AnalysisError when there is no completed run (or `run_id` is unknown or not completed),
    ConfigError for an unknown language, OrgpulseError when the file cannot be written.
    """
    t = translator(language)
    run = load_run(store, run_id)
    trends = load_trends(store, run.run_id)
    metrics = load_metrics(store, run.run_id)
    flagged = load_flagged(store, run.run_id, metrics)
    thresholds = load_thresholds(store, run.run_id)
    dependencies = load_dependencies(store, run.run_id)
    weeks = sorted(set(trends["week_start"]))
    teams = team_order(trends)
    present = set(trends["symptom"])
    symptoms = [s for s in SYMPTOMS if s in present] + sorted(present - set(SYMPTOMS))

    specs: dict[str, dict[str, Any]] = {}
    heatmap_ids = []
    # Both heatmaps share one axis order: the teams as ranked below, then teams outside the sync.
    waiting, owning = set(dependencies["blocked_team"]), set(dependencies["blocking_team"])
    blocked = [x for x in teams if x in waiting] + sorted(waiting - set(teams))
    blocking = [x for x in teams if x in owning] + sorted(owning - set(teams))
    latest = weeks[-1] if weeks else None
    for name, week in (("heatmap-latest", latest), ("heatmap-window", None)):
        spec = blocking_heatmap(t, dependencies, week=week, blocked=blocked, blocking=blocking)
        if spec is not None:
            specs[name] = to_vega(spec)
            heatmap_ids.append(name)
    links = load_issue_links(store, _evidence_keys(flagged))
    prefixes = LinkPrefixes()
    alerts = [
        *alert_views(t, flagged[flagged["severity"] == "alert"], teams, links, EVIDENCE_SHOWN, prefixes),
        *alert_views(
            t, flagged[flagged["severity"] == "watch"], teams, links, WATCH_EVIDENCE_SHOWN, prefixes
        ),
    ]
    anchors = {(a.team, date.fromisoformat(a.week), a.symptom): "#" + a.anchor for a in alerts}
    evidence = evidence_links(anchors)

    levers = load_levers(store, run.run_id)
    flow, status_time = load_flow(store, run.run_id), load_status_time(store, run.run_id)
    effects = load_effects(store, run.run_id)
    cycle_times = load_cycle_times(store, run.run_id)
    dots = load_issue_links(store, set(cycle_times["issue"]))
    markers = trend_markers(t, effects)
    template, datasets = trend_charts(t, trends, metrics, thresholds, teams, symptoms, markers)
    templates = {"trend": to_vega(template)} if teams else {}
    if not flow.empty:
        templates["flow"] = to_vega(flow_template(t, weeks))
    team_views = []
    for i, (team, data) in enumerate(zip(teams, datasets, strict=True), start=1):
        chart_id = f"trend-{i}"
        specs[chart_id] = {"template": "trend", "datasets": data}
        rows = trends[trends["team"] == team]
        extra: dict[str, Any] = {}
        found = flow_datasets(t, team, flow, status_time, effects, notes or {}, weeks, cycle_times, dots)
        if found is not None:
            flow_data, flow_view = found
            specs[f"flow-{i}"] = {"template": "flow", "datasets": flow_data}
            extra["flow"] = replace(flow_view, chart_ids=[f"flow-{i}"])
        team_views.append(
            TeamView(
                team=team,
                anchor=f"team-{i}",
                alerts=int((rows["severity"] == "alert").sum()),
                watches=int((rows["severity"] == "watch").sum()),
                chart_id=chart_id,
                extra=extra,
            )
        )
    sections: dict[str, Any] = {}
    verdict = verdict_view(t, levers, evidence)
    if verdict is not None:
        sections["diagnosis"] = verdict
    grid = grid_view(t, levers, [(v.team, v.anchor) for v in team_views], weeks, evidence)
    if grid is not None:
        sections["grid"] = grid
    context = PageContext(
        run=run,
        scheduled=load_latest_scheduled(store),
        weeks=weeks,
        alerts=alerts,
        link_prefixes=prefixes.prefixes,
        teams=team_views,
        symptoms=[(s, symptom_title(t, s)) for s in symptoms],
        heatmap_ids=heatmap_ids,
        specs=specs,
        templates=templates,
        bundle=vega_bundle(),
        generated_at=datetime.now(UTC),
        counts={
            "alert": sum(a.severity == "alert" for a in alerts),
            "watch": sum(a.severity == "watch" for a in alerts),
            "teams_flagged": len({a.team for a in alerts if a.severity == "alert"}),
            "low_confidence": sum(a.low_confidence for a in alerts if a.severity == "alert"),
        },
        sections=sections,
    )
    html = render_page(t, context).encode("utf-8")
    _write_atomically(path, html)
    summary = ReportSummary(
        path=path,
        bytes=len(html),
        teams=len(teams),
        weeks=len(weeks),
        charts=len(specs),
        alerts=context.counts["alert"],
        watches=context.counts["watch"],
        run_id=run.run_id,
        language=t.language,
    )
    log.info(
        "report: run %s, %d teams, %d weeks, %d alerts, %d charts, %d bytes, %s -> %s",
        run.run_id, summary.teams, summary.weeks, summary.alerts, summary.charts, summary.bytes,
        summary.language, path,
    )  # fmt: skip
    return summary


def _evidence_keys(flagged: Any) -> set[str]:
    """Every issue key the alerts table may show (evidence values and lists of them)."""
    keys: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if ISSUE_KEY.match(value):
                keys.add(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for evidence in flagged["evidence"]:
        walk(evidence[:EVIDENCE_SHOWN])
    return keys


def _write_atomically(path: Path, content: bytes) -> None:
    """Write via a temporary file in the same folder, so a reader never sees half a report."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OrgpulseError(f"cannot write the report to {path}: {exc.strerror or exc}") from exc
