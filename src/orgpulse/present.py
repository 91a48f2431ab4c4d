"""How results look on a terminal and in a spreadsheet: Rich tables, a progress bar, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from orgpulse.analysis.result import AnalysisResult, Finding
from orgpulse.status import Status
from orgpulse.sync import SourceReport

SEVERITY_STYLE = {"ok": "green", "watch": "yellow", "alert": "bold red", "insufficient_data": "dim"}
SEVERITY_GLYPH = {"ok": "ok", "watch": "watch", "alert": "ALERT", "insufficient_data": "·"}
DIRECTION_GLYPH = {"worsening": "↑ worse", "improving": "↓ better", "stable": "→ stable"}
WEEKS_SHOWN = 8


class SyncBar:
    """A Rich progress line per source (issues seen so far); silent when disabled."""

    def __init__(self, console: Console, *, enabled: bool) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=None),
            TextColumn("{task.completed} issues"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> SyncBar:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def start(self, source: str) -> None:
        self._tasks[source] = self._progress.add_task(f"sync {source}", total=None)

    def advance(self, source: str, seen: int) -> None:
        self._progress.update(self._tasks[source], completed=seen)

    def finish(self, source: str, ok: bool) -> None:
        task = self._tasks[source]
        self._progress.update(
            task, total=1, completed=1, description=f"sync {source}: {'done' if ok else 'FAILED'}"
        )


def sync_table(reports: Sequence[SourceReport]) -> Table:
    table = Table(title="Sync", title_justify="left")
    for name in (
        "source",
        "issues",
        "status changes",
        "assignee changes",
        "links",
        "quarantined",
        "requests",
        "result",
    ):
        table.add_column(name, justify="left" if name in ("source", "result") else "right")
    for r in reports:
        outcome = Text("ok", style="green") if r.ok else Text(type(r.error).__name__, style="bold red")
        c = r.counts
        table.add_row(
            r.name,
            str(c.get("issues", 0)),
            str(c.get("status_changes", 0)),
            str(c.get("assignee_changes", 0)),
            str(c.get("links", 0)),
            str(c.get("quarantined", 0)),
            str(r.requests),
            outcome,
        )
    return table


def findings_table(result: AnalysisResult, *, title: str | None = None) -> Table:
    """One row per (team, symptom), one column per recent week, then the latest direction and confidence."""
    weeks = sorted(result.weeks)[-WEEKS_SHOWN:]
    cells: dict[tuple[str, str], dict[object, Finding]] = {}
    for f in result.findings:
        cells.setdefault((f.team, f.symptom), {})[f.week_start] = f
    table = Table(
        title=title or f"Symptoms per team and ISO week (weeks start Monday, {result.timezone})",
        title_justify="left",
        caption="ALERT / watch / ok; · = not enough data; * = confidence below 0.5",
        caption_justify="left",
    )
    table.add_column("team", no_wrap=True)
    table.add_column("symptom", no_wrap=True)
    for week in weeks:
        table.add_column(week.strftime("%m-%d"), justify="center", no_wrap=True)
    table.add_column("trend", no_wrap=True)
    table.add_column("conf.", justify="right")
    for (team, symptom), by_week in sorted(cells.items()):
        row: list[Text | str] = [team, symptom.replace("_", " ")]
        for week in weeks:
            cell = by_week.get(week)
            if cell is None:
                row.append("")
                continue
            mark = SEVERITY_GLYPH[cell.severity.value] + ("*" if cell.confidence < 0.5 else "")
            row.append(Text(mark, style=SEVERITY_STYLE[cell.severity.value]))
        latest = by_week.get(weeks[-1]) if weeks else None
        row.append(DIRECTION_GLYPH.get(latest.direction or "", "") if latest else "")
        row.append(f"{latest.confidence:.2f}" if latest else "")
        table.add_row(*row)
    return table


def findings_csv(result: AnalysisResult) -> str:
    """One line per (team, week, symptom); metrics as their own columns, for spreadsheets."""
    metric_names = sorted({name for f in result.findings for name in f.metrics})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "team",
            "week_start",
            "symptom",
            "severity",
            "score",
            "direction",
            "confidence",
            "sample_size",
            *metric_names,
        ]
    )
    for f in result.findings:
        writer.writerow(
            [
                f.team,
                f.week_start.isoformat(),
                f.symptom,
                f.severity.value,
                "" if f.score is None else f"{f.score:.4f}",
                f.direction or "",
                f"{f.confidence:.4f}",
                f.sample_size,
                *("" if f.metrics.get(m) is None else f.metrics[m] for m in metric_names),
            ]
        )
    return out.getvalue()


def status_table(status: Status) -> Table:
    """Per source: the last sync (when, outcome, counts, requests, duration, error); then the analysis."""
    table = Table(title="orgpulse status", title_justify="left")
    for name in ("what", "last run", "outcome", "issues", "requests", "seconds", "last success", "problem"):
        table.add_column(name, justify="right" if name in ("issues", "requests", "seconds") else "left")

    def when(moment: object) -> str:
        return moment.strftime("%Y-%m-%d %H:%M UTC") if hasattr(moment, "strftime") else "never"

    rows = [(f"sync {s.name}", s.last_run, s.last_success, s.problem) for s in status.sources]
    rows.append(
        (
            "analysis",
            status.analysis,
            status.analysis.finished_at if status.analysis else None,
            status.analysis_problem,
        )
    )
    for what, run, success, problem in rows:
        outcome = run.outcome if run else "never"
        style = "green" if outcome == "ok" else "bold red" if outcome in ("failed", "aborted") else "yellow"
        issues = run.counts.get("issues") if run else None
        table.add_row(
            what,
            when(run.started_at if run else None),
            Text(outcome, style=style),
            "" if issues is None else str(issues),
            "" if not run or run.requests is None else str(run.requests),
            "" if not run or run.seconds is None else f"{run.seconds:.1f}",
            when(success),
            Text(problem or "ok", style="bold red" if problem else "green"),
        )
    return table
