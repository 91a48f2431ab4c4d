"""The static HTML report: `orgpulse report --html PATH` for a Product Ops lead.

One self-contained file (the Vega bundle and every chart spec inlined, no network request):
per-team symptom trends, the team × team blocking heatmaps, and the current alerts and watches
with their evidence one click away. It reads one completed analysis run — the latest by default —
and takes no lock (DESIGN.md).

    data.py     SQL reads into pandas (the only module that touches the store)
    charts.py   Altair / Vega-Lite specs
    page.py     view models and the Jinja2 template (templates/report.html.j2)
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orgpulse.errors import OrgpulseError
from orgpulse.report.charts import blocking_heatmap, trend_charts, vega_bundle
from orgpulse.report.data import (
    SYMPTOMS,
    load_current,
    load_dependencies,
    load_latest_scheduled,
    load_run,
    load_trends,
    team_order,
)
from orgpulse.report.page import PageContext, TeamView, alert_views, render_page
from orgpulse.store import Store

__all__ = ["ReportSummary", "write_report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportSummary:
    """What `write_report` wrote."""

    path: Path
    bytes: int
    teams: int
    weeks: int
    charts: int
    run_id: str


def write_report(store: Store, path: Path, *, run_id: str | None = None) -> ReportSummary:
    """Write the HTML report of run `run_id` (default: the latest completed run) to `path`.

    Raises AnalysisError when there is no completed run (or `run_id` is unknown or not completed),
    OrgpulseError when the file cannot be written.
    """
    run = load_run(store, run_id)
    trends = load_trends(store, run.run_id)
    dependencies = load_dependencies(store, run.run_id)
    weeks = sorted(set(trends["week_start"]))
    latest = weeks[-1] if weeks else None
    teams = team_order(trends, latest) if latest else []
    current = load_current(store, run.run_id, latest) if latest else None
    present = set(trends["symptom"])
    symptoms = [s for s in SYMPTOMS if s in present] + sorted(present - set(SYMPTOMS))

    specs: dict[str, dict[str, Any]] = {}
    heatmap_ids = []
    # Both heatmaps share one axis order: the teams as ranked below, then teams outside the sync.
    waiting, owning = set(dependencies["blocked_team"]), set(dependencies["blocking_team"])
    blocked = [t for t in teams if t in waiting] + sorted(waiting - set(teams))
    blocking = [t for t in teams if t in owning] + sorted(owning - set(teams))
    for name, week in (("heatmap-latest", latest), ("heatmap-window", None)):
        spec = blocking_heatmap(dependencies, week=week, blocked=blocked, blocking=blocking)
        if spec is not None:
            specs[name] = spec
            heatmap_ids.append(name)
    team_views = []
    for i, (team, spec) in enumerate(zip(teams, trend_charts(trends, teams, symptoms), strict=True), start=1):
        chart_id = f"trend-{i}"
        specs[chart_id] = spec
        latest_rows = trends[(trends["team"] == team) & (trends["week_start"] == latest)]
        team_views.append(
            TeamView(
                team=team,
                alerts=int((latest_rows["severity"] == "alert").sum()),
                watches=int((latest_rows["severity"] == "watch").sum()),
                chart_id=chart_id,
            )
        )
    alerts = alert_views(current, teams) if current is not None else []
    context = PageContext(
        run=run,
        scheduled=load_latest_scheduled(store),
        weeks=weeks,
        latest_week=latest,
        alerts=alerts,
        teams=team_views,
        heatmap_ids=heatmap_ids,
        specs=specs,
        bundle=vega_bundle(),
        generated_at=datetime.now(UTC),
        counts={
            "alert": sum(a.severity == "alert" for a in alerts),
            "watch": sum(a.severity == "watch" for a in alerts),
            "teams_flagged": len({a.team for a in alerts}),
            "low_confidence": sum(a.low_confidence for a in alerts),
        },
    )
    html = render_page(context).encode("utf-8")
    _write_atomically(path, html)
    summary = ReportSummary(
        path=path, bytes=len(html), teams=len(teams), weeks=len(weeks), charts=len(specs), run_id=run.run_id
    )
    log.info(
        "report: run %s, %d teams, %d weeks, %d charts, %d bytes -> %s",
        run.run_id, summary.teams, summary.weeks, summary.charts, summary.bytes, path,
    )  # fmt: skip
    return summary


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
