"""The demo use case: generate an organisation, serve it, sync, analyse, and compare with the truth."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from orgpulse.analysis.result import AnalysisResult
from orgpulse.analyze import run_analyze
from orgpulse.config import PrivacySettings, ScheduleSettings, Secret, Settings, SourceSettings, StoreSettings
from orgpulse.present import SyncBar, findings_table, sync_table
from orgpulse.report import write_report
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org, truth_of
from orgpulse.store import Store
from orgpulse.sync import exit_code, run_sync

DEMO_SOURCE = "sandbox-cloud"


def demo_settings(url: str, folder: Path) -> Settings:
    """The configuration the demo runs with: one Jira Cloud source (the sandbox), SQLite in `folder`."""
    source = SourceSettings(
        name=DEMO_SOURCE,
        kind="jira_cloud",
        url=url,
        auth="basic",
        user=Secret(SANDBOX_EMAIL),
        token=Secret(SANDBOX_TOKEN),
    )
    return Settings(
        path=None,
        store=StoreSettings(url=f"sqlite:///{(folder / 'orgpulse.db').resolve()}"),
        sources=(source,),
        schedule=ScheduleSettings(),
        privacy=PrivacySettings(),
        analysis={"timezone": "UTC"},
    )


def run_demo(
    *, issues: int, seed: int, folder: Path, anchor: date, console: Console, err_console: Console
) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("orgpulse.db*"):
        stale.unlink()
    with err_console.status(f"Generating a {issues}-issue organisation (seed {seed}) ..."):
        org = generate_org(seed=seed, issues=issues, anchor=anchor, weeks=26)
        truth = truth_of(org)
    with SandboxServer(org, dialect="jira_cloud") as server:
        settings = demo_settings(server.url, folder)
        console.print(f"Sandbox Jira Cloud at [bold]{server.url}[/] — syncing into {settings.store.url}")
        store = Store.open(settings.store.url)
        with SyncBar(err_console, enabled=True) as bar:
            reports = run_sync(settings, store, full=True, progress=bar)
    console.print(sync_table(reports))
    if exit_code(reports):
        for r in reports:
            if r.error is not None:
                err_console.print(f"orgpulse: source {r.name} failed: {r.error}")
        return exit_code(reports)
    first_cell = min((date.fromisoformat(c["week_start"]) for c in truth["cells"]), default=anchor)
    as_of = datetime.combine(anchor + timedelta(days=1), time(), tzinfo=UTC)
    weeks = max(12, (as_of.date() - first_cell).days // 7 + 1)
    run = run_analyze(settings, store, as_of=as_of, weeks=weeks, trigger="manual")
    console.print(findings_table(run.result))
    console.print(truth_table(run.result, truth))
    console.print(f"Trend run {run.run_id} appended to {settings.store.url}")
    summary = write_report(store, folder / "report.html")
    console.print(f"Report: [bold]{summary.path.resolve()}[/] — open it in a browser")
    config = folder / "config.toml"
    config.write_text(
        f'[store]\nurl = "{settings.store.url}"\n\n[analysis]\ntimezone = "UTC"\n', encoding="utf-8"
    )
    example = next((c for c in truth["cells"]), None)
    if example is not None:
        console.print(
            f"Why an alert? orgpulse --config {config} explain {example['symptom']} "
            f"--team {example['team']} --week {example['week_start']}"
        )
    return 0


def truth_table(result: AnalysisResult, truth: dict[str, Any]) -> Table:
    """Where the sandbox injected a dysfunction, and what orgpulse found there."""
    found = {(f.team, f.week_start.isoformat(), f.symptom): f for f in result.findings}
    table = Table(title="The sandbox's truth against what orgpulse found", title_justify="left")
    for name in ("team", "week", "injected symptom", "orgpulse says", "evidence issues (truth)"):
        table.add_column(name)
    injected = set()
    for cell in sorted(truth["cells"], key=lambda c: (c["symptom"], c["team"], c["week_start"])):
        key = (cell["team"], cell["week_start"], cell["symptom"])
        injected.add(key)
        f = found.get(key)
        said = f.severity.value if f else "not reported"
        table.add_row(
            cell["team"], cell["week_start"], cell["symptom"], said, ", ".join(cell["issue_keys"][:4])
        )
    extra = sorted(k for k, f in found.items() if f.severity.value == "alert" and k not in injected)
    for team, week, symptom in extra:
        table.add_row(team, week, symptom, "alert (not injected)", "")
    hits = sum(1 for k in injected if k in found and found[k].severity.value == "alert")
    table.caption = f"{hits} of {len(injected)} injected cells alerted; {len(extra)} alerts outside the truth"
    return table
