"""How results look on a terminal and in a spreadsheet: Rich tables, a progress bar, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console, Group
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from orgpulse.analysis.levers import LEVER_OF
from orgpulse.analysis.result import AnalysisResult
from orgpulse.doctor import Diagnosis
from orgpulse.explain import Explanation
from orgpulse.i18n import Translator, translator
from orgpulse.labels import (
    direction_label,
    metric_name,
    severity_label,
    symptom_title,
)
from orgpulse.labels_evidence import explain_text, field_name
from orgpulse.status import Status
from orgpulse.sync import SourceReport
from orgpulse.terminal import printable

SEVERITY_STYLE = {"ok": "green", "watch": "yellow", "alert": "bold red", "insufficient_data": "dim"}


class SyncBar:
    """A Rich progress line per source (issues seen so far); silent when disabled."""

    def __init__(self, console: Console, *, enabled: bool, transient: bool = False) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", style="bold", markup=False),
            BarColumn(bar_width=None),
            TextColumn("{task.completed} issues"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
            transient=transient,
        )
        self._tasks: dict[str, TaskID] = {}
        self._seen: dict[str, int] = {}

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
        self._seen[source] = seen
        self._progress.update(self._tasks[source], completed=seen)

    def finish(self, source: str, ok: bool) -> None:
        task = self._tasks[source]
        seen = self._seen.get(source, 0)  # the bar fills; the count stays the issues seen
        self._progress.update(
            task,
            total=max(seen, 1),
            completed=seen,
            description=f"sync {source}: {'done' if ok else 'FAILED'}",
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


def findings_csv(result: AnalysisResult) -> str:
    """One line per (team, week, symptom); metrics as their own columns, for spreadsheets.

    After the metrics: the finding's cost, its lever and the lever's state in that team and week,
    and the team's flow that week (columns flow_*).
    """
    metric_names = sorted({name for f in result.findings for name in f.metrics})
    levers = {(r.team, r.week_start, r.lever): r.state.value for r in result.diagnosis.teams}
    flow = {(r.team, r.week_start): r.metrics for r in result.flow}
    flow_names = list(next(iter(flow.values()), {}))
    out = io.StringIO()
    writer = csv.writer(out)
    head = ["team", "week_start", "symptom", "severity", "score", "direction", "confidence", "sample_size"]
    tail = ["cost_hours", "lever", "lever_state", *(f"flow_{m}" for m in flow_names)]
    writer.writerow([*head, *metric_names, *tail])
    for f in result.findings:
        writer.writerow(
            [
                spreadsheet_safe(f.team),
                f.week_start.isoformat(),
                spreadsheet_safe(f.symptom),
                f.severity.value,
                "" if f.score is None else f"{f.score:.4f}",
                spreadsheet_safe(f.direction or ""),
                f"{f.confidence:.4f}",
                f.sample_size,
                *("" if f.metrics.get(m) is None else spreadsheet_safe(f.metrics[m]) for m in metric_names),
                "" if f.cost_hours is None else f"{f.cost_hours:.4f}",
                LEVER_OF.get(f.symptom, ""),
                spreadsheet_safe(levers.get((f.team, f.week_start, LEVER_OF.get(f.symptom, "")), "")),
                *(
                    "" if (v := flow.get((f.team, f.week_start), {}).get(m)) is None else spreadsheet_safe(v)
                    for m in flow_names
                ),
            ]
        )
    return out.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: object) -> object:
    """A text cell a spreadsheet will not run as a formula (OWASP CSV injection): quoted with `'`.

    Numbers stay numbers; text starting like a formula (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`,
    `-2+3`, their full-width forms) gets a leading apostrophe, which spreadsheets show as text, and
    control characters are written as visible escapes (orgpulse.terminal).
    """
    if not isinstance(value, str):
        return value
    value = printable(value)  # no raw control sequence reaches a terminal through `--format csv` either
    return "'" + value if value.startswith(_FORMULA_START) else value


def status_table(status: Status) -> Table:
    """Per source: the last sync (when, outcome, counts, requests, duration, error); then the analysis."""
    table = Table(title="orgpulse status", title_justify="left")
    if status.schedule is not None:
        table.caption = status.schedule.line()
        table.caption_justify = "left"
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


def explanation_view(e: Explanation, t: Translator | None = None) -> Group:
    """What `orgpulse explain` prints: the row, its metrics against thresholds, evidence, confidence,
    in `t`'s language (English by default; ids stay as they are in English, as config keys)."""
    t = t or translator()
    english = t.language == "en"

    def field(key: str) -> str:
        return key.replace("_", " ") if english else field_name(t, key)

    style = SEVERITY_STYLE.get(e.severity, "")
    score = "null" if e.score is None else f"{e.score:.2f}"
    title = e.symptom.replace("_", " ") if english else symptom_title(t, e.symptom)
    direction = (e.direction or "n/a") if english else direction_label(t, e.direction)
    head = Text.assemble(
        (t._("{symptom} — team {team}, week of {week} ({zone})").format(
            symptom=title, team=e.team, week=e.week_start, zone=e.timezone) + "\n", "bold"),
        (t._("severity") + " ", ""),
        (e.severity if english else severity_label(t, e.severity), style),
        ("   " + t._("score {score}   direction {direction}").format(
            score=score, direction=direction), ""),
        ("   " + t._("sample {n}   confidence {confidence}").format(
            n=e.sample_size, confidence=f"{e.confidence:.2f}"), ""),
        (" " + t._("(low: check the factors below)") if e.confidence < 0.5 else "", "bold yellow"),
        ("\n" + t._("run {run} ({trigger}, as of {as_of} UTC)").format(
            run=e.run_id, trigger=e.run_trigger, as_of=f"{e.run_as_of:%Y-%m-%d %H:%M}"), "dim"),
    )  # fmt: skip
    thresholds = e.explain.get("thresholds", {})
    metrics = Table(title=t._("Metrics"), title_justify="left")
    for name, left in ((t._("metric"), True), (t._("value"), False), (t._("watch"), False),
                       (t._("alert"), False), (t._("other thresholds"), True)):  # fmt: skip
        metrics.add_column(name, justify="left" if left else "right")
    for name, value in e.metrics.items():
        limits = thresholds.get(name, {}) if isinstance(thresholds.get(name), dict) else {}
        other = ", ".join(f"{field(k)} {v}" for k, v in limits.items() if k not in ("watch", "alert"))
        metrics.add_row(
            Text(name if english else metric_name(t, name)),
            _number(value),
            _number(limits.get("watch")),
            _number(limits.get("alert")),
            Text(other),
        )
    parts: list[Table | Text] = [head, metrics]
    cost = e.explain.get("cost")
    if isinstance(cost, dict):
        parts.append(cost_view(cost, t))
    by_kind: dict[str, list[dict[str, object]]] = {}
    for item in e.evidence:
        by_kind.setdefault(str(item.get("kind", "evidence")), []).append(item)
    for kind, items in by_kind.items():
        columns = [c for c in dict.fromkeys(k for item in items for k in item) if c != "kind"]
        table = Table(
            title=t._("Evidence: {kind} ({n})").format(kind=field(kind), n=len(items)), title_justify="left"
        )
        for column in columns:
            table.add_column(field(column))
        for item in items:
            table.add_row(*(Text(_cell(item.get(c))) for c in columns))
        parts.append(table)
    cleanups = e.explain.get("cleanups") or []
    if cleanups:
        bulk = Table(
            title="Bulk closes that touched this team (not evidence: cleaned-up issues count as canceled)",
            title_justify="left",
        )
        for name in ("started", "actor", "moves", "cleaned up", "completed", "exits"):
            bulk.add_column(name)
        for note in cleanups:
            shown = ("started", "actor", "moves", "cleaned_up", "completed", "exit")
            bulk.add_row(*(_cell(note.get(k)) for k in shown))
        parts.append(bulk)
    factors = e.explain.get("confidence_factors", {})
    if factors:
        conf = Table(title=t._("Confidence = the product of"), title_justify="left")
        conf.add_column(t._("factor"))
        conf.add_column(t._("value"), justify="right")
        for name, value in factors.items():
            conf.add_row(field(name), _number(value))
        parts.append(conf)
    return Group(*parts)


def cost_view(cost: dict[str, object], t: Translator | None = None) -> Table:
    """How a row's waiting cost was made: what was counted, the total, the issues behind it."""
    t = t or translator()
    issues = cost.get("issues")
    listed = issues if isinstance(issues, list) else []
    counted = str(cost.get("counted"))
    title = t._("Cost: {hours} issue-hours inside the week = {counted}, summed over {n} issues").format(
        hours=_number(cost.get("hours")), counted=explain_text(t, counted), n=cost.get("issue_count")
    )
    if len(listed) < int(str(cost.get("issue_count") or 0)):
        title += " " + t._("(the {n} largest shown)").format(n=len(listed))
    table = Table(title=title, title_justify="left")
    table.add_column(t._("issue"))
    table.add_column(t._("hours"), justify="right")
    for item in listed:
        if isinstance(item, dict):
            table.add_row(Text(str(item.get("issue"))), _number(item.get("hours")))
    return table


def _number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _cell(value: object) -> str:
    if isinstance(value, list | tuple | set):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return _number(value)


def doctor_view(found: Sequence[Diagnosis]) -> Group:
    """Per source: server, account, projects, custom fields, blocking link types, and every status's role."""
    parts: list[Table | Text] = []
    for d in found:
        status = (
            Text("ok", style="green") if not d.problems else Text("; ".join(d.problems), style="bold red")
        )
        parts.append(Text.assemble((f"{d.name} ({d.kind}): ", "bold"), status))
        if d.check is None:
            continue
        c = d.check
        parts.append(
            Text(
                f"  server {c.server}; credentials {c.account}; projects {', '.join(c.projects) or 'none'}; "
                f"{c.requests} requests"
            )
        )
        fields = ", ".join(f"{name}: {fid or 'not found'}" for name, fid in c.fields.items())
        parts.append(Text(f"  custom fields — {fields}"))
        parts.append(Text(f"  link types read as blocking — {', '.join(c.blocking_link_types) or 'none'}"))
        table = Table(title=f"Statuses of {d.name} and their roles", title_justify="left", padding=(0, 1))
        for name in ("id", "status", "category", "role", "from", "pattern"):
            table.add_column(name)
        for r in d.roles:
            table.add_row(r.status_id, r.name, r.category, r.role, r.role_source, r.pattern or "")
        parts.append(table)
    for d in found:
        parts += _history_view(d)
    return Group(*parts)


def _history_view(d: Diagnosis) -> list[Table | Text]:
    """What the stored history of one source shows: retired statuses and the accounts taken for bots."""
    if not d.stored:
        return [
            Text(f"{d.name}: no history stored yet — run `orgpulse sync` to list retired statuses and bots")
        ]
    retired = Table(
        title=f"Statuses {d.name} no longer lists (ids only its history holds), as the analysis reads them",
        title_justify="left",
        padding=(0, 1),
    )
    for name in ("id", "recorded name", "issues", "category", "decided by", "why"):
        retired.add_column(name)
    for r in d.retired:
        name = r.name if r.in_catalogue else f"{r.name} (no status record)"
        retired.add_row(r.status_id, name, str(r.issues), r.category, r.decided_by, r.reason)
    bots = ", ".join(f"{n or '(no name)'} [{i}]" for i, n in d.bots) or "none"
    return [
        retired if d.retired else Text(f"{d.name}: every status in its history is listed by the site"),
        Text(f"{d.name}: accounts taken for bots (never counted as people) — {bots}"),
    ]
