"""The demo: generate organisations, serve each in its dialect, sync, analyse, and compare with the truth.

One source of each kind — Jira Cloud, Jira Data Center, Linear — each serving its own generated
organisation (seeds seed, seed+1, seed+2) on loopback, synced into one SQLite store. Each source
logs in as `orgpulse sandbox serve` says (`sandbox.login`); a sandbox that cannot start is skipped,
saying why.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from orgpulse.analysis.result import AnalysisResult, Intervention
from orgpulse.analyze import run_analyze
from orgpulse.config import (
    PrivacySettings,
    ScheduleSettings,
    Secret,
    Settings,
    SourceSettings,
    StoreSettings,
    as_kind,
)
from orgpulse.errors import ConfigError
from orgpulse.i18n import translator
from orgpulse.present import SyncBar
from orgpulse.present_alerts import alert_weeks_table, levers_lines, quiet_teams_line, verdict_line
from orgpulse.report import write_report
from orgpulse.sandbox import DIALECTS, SandboxServer, generate_org, login, truth_of
from orgpulse.store import Store
from orgpulse.sync import SourceReport, exit_code, run_sync
from orgpulse.teams import TeamNamer

DEMO_SOURCE = "sandbox-cloud"
SOURCE_NAMES = {"jira_cloud": DEMO_SOURCE, "jira_dc": "sandbox-dc", "linear": "sandbox-linear"}


def demo_source(dialect: str, url: str) -> SourceSettings:
    """The source a config would declare for the sandbox of one dialect (fixed sandbox credentials)."""
    credentials = login(dialect)
    return SourceSettings(
        name=SOURCE_NAMES[dialect],
        kind=as_kind(dialect),
        url=f"{url}{credentials.path}",
        auth=credentials.auth,
        user=Secret(credentials.user) if credentials.user is not None else None,
        token=Secret(credentials.token),
    )


def demo_settings(url: str, folder: Path, *, sources: Sequence[SourceSettings] | None = None) -> Settings:
    """The demo's configuration: the given sources (default: one Jira Cloud sandbox), SQLite in `folder`."""
    return Settings(
        path=None,
        store=StoreSettings(url=f"sqlite:///{(folder / 'orgpulse.db').resolve()}"),
        sources=tuple(sources) if sources is not None else (demo_source("jira_cloud", url),),
        schedule=ScheduleSettings(),
        privacy=PrivacySettings(),
        analysis={"timezone": "UTC"},
    )


@dataclass(frozen=True)
class Served:
    source: SourceSettings
    truth: dict[str, Any]
    team_keys: tuple[str, ...]


@contextlib.contextmanager
def serve_all(
    dialects: Sequence[str], *, issues: int, seed: int, anchor: date, err_console: Console
) -> Iterator[list[Served]]:
    """Start one sandbox per dialect (a dialect the machine cannot serve is skipped, saying why)."""
    with contextlib.ExitStack() as stack:
        served = []
        for offset, dialect in enumerate(dialects):
            org_seed = seed + offset
            with err_console.status(
                f"Generating a {issues}-issue organisation for {dialect} (seed {org_seed}) ..."
            ):
                org = generate_org(seed=org_seed, issues=issues, anchor=anchor, weeks=26)
            try:
                server = stack.enter_context(SandboxServer(org, dialect=dialect))
            except ConfigError as exc:
                err_console.print(
                    Text.assemble((f"skipping the {dialect} sandbox: ", "yellow"), "; ".join(exc.problems))
                )
                continue
            keys = tuple(team.key for team in org.teams)
            served.append(Served(demo_source(dialect, server.url), truth_of(org), keys))
        yield served


def run_demo(
    *,
    issues: int,
    seed: int,
    folder: Path,
    anchor: date,
    console: Console,
    err_console: Console,
    dialects: Sequence[str] = DIALECTS,
) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("orgpulse.db*"):
        stale.unlink()
    with serve_all(dialects, issues=issues, seed=seed, anchor=anchor, err_console=err_console) as served:
        settings = demo_settings("", folder, sources=[s.source for s in served])
        store = Store.open(settings.store.url)
        # On a terminal the bars give way to the summary below; elsewhere they print nothing.
        with SyncBar(err_console, enabled=err_console.is_terminal, transient=True) as bar:
            reports = run_sync(settings, store, full=True, progress=bar)
    console.print(sync_summary(reports, {s.source.name: s.source for s in served}))
    if exit_code(reports):
        for r in reports:
            if r.error is not None:
                err_console.print(f"orgpulse: source {r.name} failed: {r.error}")
        return exit_code(reports)
    truth = merged_truth(served)
    first_cell = min((date.fromisoformat(c["week_start"]) for c in truth["cells"]), default=anchor)
    as_of = datetime.combine(anchor + timedelta(days=1), time(), tzinfo=UTC)
    weeks = max(12, (as_of.date() - first_cell).days // 7 + 1)
    planted = planted_interventions(truth)
    settings = replace(settings, interventions=planted)
    run = run_analyze(settings, store, as_of=as_of, weeks=weeks, trigger="manual")
    t = translator("en")
    console.print(alert_weeks_table(t, run.result, why=False))
    console.print(quiet_teams_line(t, run.result))
    console.print(levers_lines(t, run.result))
    summary = write_report(store, folder / "report.html", notes={i.key: i.note for i in planted if i.note})
    config = folder / "config.toml"
    config.write_text(
        f'[store]\nurl = "{settings.store.url}"\n\n[analysis]\ntimezone = "UTC"\n'
        + interventions_toml(planted),
        encoding="utf-8",
    )
    example = next((c for c in truth["cells"]), None)
    if example is not None:
        console.print(
            Text(
                f"Why an alert? orgpulse --config {config} explain {example['symptom']} "
                f"--team {example['team']} --week {example['week_start']}"
            )
        )
    if planted:
        console.print(Text(f"Did the change work? orgpulse --config {config} interventions"))
    # The conclusion last, where the eye lands: the verdict, the truth comparison, the report.
    console.print(verdict_line(t, run.result))
    console.print(truth_line(run.result, truth))
    console.print(Text.assemble("Report: ", (str(summary.path.resolve()), "bold"), " — open it in a browser"))
    return 0


def sync_summary(reports: Sequence[SourceReport], sources: dict[str, SourceSettings]) -> Table:
    """One row per source: the double it was served by, what the store now holds, the requests."""
    table = Table(box=None, padding=(0, 1, 0, 0), header_style="bold")
    table.add_column("source", no_wrap=True)
    table.add_column("served as (http)", overflow="fold")  # wraps on a narrow terminal, never cut
    for number in ("issues", "status\nchanges", "links", "requests"):
        table.add_column(number, justify="right", no_wrap=True)
    for r in reports:
        source = sources.get(r.name)
        served = f"{source.kind} {source.url.removeprefix('http://')}" if source else ""
        if not r.ok:
            table.add_row(r.name, served, Text(f"FAILED {type(r.error).__name__}", style="bold red"))
            continue
        c = r.counts
        issues = f"{c.get('issues', 0):,}"
        if c.get("quarantined"):
            issues += f" ({c['quarantined']:,} quarantined)"
        table.add_row(
            r.name,
            served,
            issues,
            f"{c.get('status_changes', 0):,}",
            f"{c.get('links', 0):,}",
            f"{r.requests:,}",
        )
    return table


def truth_line(result: AnalysisResult, truth: dict[str, Any]) -> Text:
    """What the sandbox injected against what orgpulse found, in one line (`sandbox truth` has it all)."""
    found = {(f.team, f.week_start.isoformat(), f.symptom): f for f in result.findings}
    injected = {(c["team"], c["week_start"], c["symptom"]) for c in truth["cells"]}
    hits = sum(1 for k in injected if k in found and found[k].severity.value == "alert")
    extra = sum(1 for k, f in found.items() if f.severity.value == "alert" and k not in injected)
    line = Text.assemble(
        ("Truth: ", "bold"),
        (f"{hits} of {len(injected)} injected cells alerted, {extra} alerts outside the truth", ""),
    )
    for n, (expected, effect) in enumerate(
        zip(truth.get("interventions", []), result.interventions, strict=False)
    ):
        said = next((e.outcome for e in effect.effects if e.metric == expected["metric"]), "nothing")
        verdict = "as expected" if said == expected["expected"] else f"(expected {expected['expected']})"
        line.append(
            f"{'; planted changes: ' if n == 0 else ', '}{', '.join(expected['teams'])} {said} {verdict}"
        )
    return line


def merged_truth(served: Sequence[Served]) -> dict[str, Any]:
    """The truths of every served source, with teams named as outputs name them (`source/KEY` when shared)."""
    namer = TeamNamer({}, [(s.source.name, team) for s in served for team in s.team_keys])
    cells = [
        {**cell, "team": namer.of_key(s.source.name, cell["team"])}
        for s in served
        for cell in s.truth["cells"]
    ]
    controls = [namer.of_key(s.source.name, team) for s in served for team in s.truth["control_teams"]]
    interventions = [
        {**planted, "teams": [namer.of_key(s.source.name, team) for team in planted["teams"]]}
        for s in served[:1]
        for planted in s.truth.get("interventions", [])
    ]
    return {"cells": cells, "control_teams": controls, "interventions": interventions}


def planted_interventions(truth: dict[str, Any]) -> tuple[Intervention, ...]:
    """The sandbox's planted change and its control, as a lead would record them in config."""
    return tuple(
        Intervention(
            date=date.fromisoformat(i["date"]), teams=tuple(i["teams"]), lever=i["lever"], note=i["note"]
        )
        for i in truth["interventions"]
    )


def interventions_toml(interventions: Sequence[Intervention]) -> str:
    return "".join(
        f"\n[[interventions]]\ndate = {i.date.isoformat()}\nteams = {json.dumps(list(i.teams))}\n"
        f'lever = "{i.lever}"\nnote = {json.dumps(i.note)}\n'
        for i in interventions
    )
