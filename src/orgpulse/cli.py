"""The `orgpulse` command line: a thin shell over the use cases (run_sync, run_analyze, the sandbox).

Expected errors become one line on stderr and DESIGN.md's exit code, never a traceback (cli_shell).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from orgpulse import __version__
from orgpulse.cli_shell import (
    P,
    R,
    emit_json,
    err_console,
    fail,
    handle_errors,
    redact,
    settings_of,
    stdout_console,
)
from orgpulse.errors import ConfigError, StoreError
from orgpulse.terminal import PrintableFormatter, printable_line


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=lambda: os.environ.get("ORGPULSE_CONFIG", "config.toml"),
    show_default="./config.toml or $ORGPULSE_CONFIG",
    help="The TOML configuration file.",
)
@click.option("-v", "--verbose", count=True, help="Log more (-v: one line per stage and source; -vv: debug).")
@click.version_option(__version__, prog_name="orgpulse")
@click.pass_context
def cli(ctx: click.Context, config: str, verbose: int) -> None:
    """orgpulse finds the evidence of organisational symptoms in Jira and Linear histories.

    Sync the trackers into SQL, analyse per team and ISO week, and read the trends.
    Start with `orgpulse demo`: the whole pipeline on a generated organisation, no credentials needed.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


@cli.command()
@click.option("--full", is_flag=True, help="Re-read everything instead of what changed since the last sync.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handle_errors
def sync(ctx: click.Context, full: bool, fmt: str) -> None:
    """Pull issues and their full histories from every configured source into the store."""
    from orgpulse.present import SyncBar, sync_table
    from orgpulse.store import Store
    from orgpulse.sync import exit_code, run_sync

    settings = settings_of(ctx)
    if not settings.sources:
        raise ConfigError(["sources: no [[sources]] configured"])
    store = Store.open(settings.store.url)
    with SyncBar(err_console, enabled=fmt == "table" and err_console.is_terminal) as bar:
        reports = run_sync(settings, store, full=full, progress=bar)
    if fmt == "json":
        emit_json({"sources": [r.as_json() for r in reports]})
    else:
        stdout_console().print(sync_table(reports))
    for r in reports:
        if r.error is not None:
            how = "partly synced" if r.partial else "failed"
            line = printable_line(redact(str(r.error)))
            click.echo(f"orgpulse: source {r.name} {how}: {type(r.error).__name__}: {line}", err=True)
    code = exit_code(reports)
    if code:
        raise click.exceptions.Exit(code)


def lang_option(func: Callable[P, R]) -> Callable[P, R]:
    """`--lang en|fr`: the language of what a person reads (default English)."""
    return click.option(
        "--lang",
        "lang",
        type=click.Choice(["en", "fr"]),
        help="Language of the output: en (English) or fr (French); default [report] language, else en.",
    )(func)


def _as_of(value: date | None) -> datetime | None:
    return None if value is None else datetime.combine(value, time(), tzinfo=UTC)


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
@click.option(
    "--weeks",
    type=click.IntRange(1, 520),
    help="Complete ISO weeks to report (default [analysis] weeks, 12).",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Fix 'now' (YYYY-MM-DD, 00:00 UTC); default now.",
)
@click.option("--no-save", is_flag=True, help="Compute without appending a run to the trend tables.")
@lang_option
@click.pass_context
@handle_errors
def analyze(
    ctx: click.Context, fmt: str, weeks: int | None, as_of: datetime | None, no_save: bool, lang: str | None
) -> None:
    """Compute the symptoms per team and week, their cost, the diagnosis (levers, verdict), the flow and the
    interventions' effects over the stored history, and append a trend run."""
    from orgpulse.store.arrow import start_reader

    settings = settings_of(ctx, secrets=False)
    start_reader(settings.store.url)  # the SQLite reader starts while the analysis is imported
    from orgpulse import collector
    from orgpulse.analyze import AnalysisRun, run_analyze, run_json
    from orgpulse.store import Store

    store = Store.open(settings.store.url)
    when = _as_of(as_of.date()) if as_of else None
    with collector.paused():  # the output too: a big organisation's findings are millions of objects
        documents: list[dict[str, Any]] = []  # made while the store writes the run, shown once committed

        def prepare(found: AnalysisRun) -> None:
            documents.append(run_json(found, fragments=not sys.stdout.isatty()))

        # Saving takes the store's lock.
        making = prepare if fmt == "json" else None
        run = run_analyze(settings, store, as_of=when, weeks=weeks, save=not no_save, prepare=making)
        if fmt == "json":
            emit_json(documents[0])  # indented on a terminal: the items' dicts
        elif fmt == "csv":
            from orgpulse.present import findings_csv

            click.echo(findings_csv(run.result), nl=False)
        else:  # the table's modules (Babel, Rich's tables) imported only for it
            from orgpulse.i18n import translator
            from orgpulse.present_alerts import (
                alert_weeks_table,
                interventions_lines,
                levers_lines,
                quiet_teams_line,
                verdict_line,
            )

            t = translator(lang or settings.report.language)
            console = stdout_console()
            console.print(verdict_line(t, run.result))
            console.print(levers_lines(t, run.result))
            console.print(interventions_lines(t, run.result))
            console.print(alert_weeks_table(t, run.result))
            console.print(quiet_teams_line(t, run.result))
        # The process ends with this command: its millions of objects are frozen out of the collector,
        # else the first collection once it is back on traverses them all (~0.5 s at ~430 teams).
        gc.freeze()


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handle_errors
def interventions(ctx: click.Context, fmt: str) -> None:
    """The changes recorded in [[interventions]] and their effects, from the latest analysis run."""
    from orgpulse.effects import run_interventions
    from orgpulse.present_diagnosis import interventions_view
    from orgpulse.store import Store

    settings = settings_of(ctx, secrets=False)
    found = run_interventions(Store.open(settings.store.url), settings.interventions)
    if fmt == "json":
        emit_json(found.as_json())
    else:
        stdout_console().print(interventions_view(found))


@cli.command()
@click.argument("symptom")
@click.option("--team", required=True, help="The team as outputs name it (project or team key).")
@click.option(
    "--week", type=click.DateTime(["%Y-%m-%d"]), help="The week's Monday (default: the latest week)."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@lang_option
@click.pass_context
@handle_errors
def explain(
    ctx: click.Context, symptom: str, team: str, week: datetime | None, fmt: str, lang: str | None
) -> None:
    """The evidence behind one row: metrics and thresholds, issues, statuses, team pairs, confidence."""
    from orgpulse.explain import run_explain
    from orgpulse.i18n import translator
    from orgpulse.present import explanation_view
    from orgpulse.store import Store

    settings = settings_of(ctx, secrets=False)
    found = run_explain(Store.open(settings.store.url), symptom, team, week.date() if week else None)
    if fmt == "json":
        emit_json(found.as_json())
    else:
        stdout_console().print(explanation_view(found, translator(lang or settings.report.language)))


@cli.command()
@click.option(
    "--html", "html", type=click.Path(dir_okay=False), required=True, help="Where to write the report."
)
@click.option("--run-id", help="The analysis run to show (default: the latest completed run).")
@lang_option
@click.pass_context
@handle_errors
def report(ctx: click.Context, html: str, run_id: str | None, lang: str | None) -> None:
    """Write a self-contained HTML report: the diagnosis, every alert of the period with its evidence,
    who waits on whom, and per team its flow and symptom trends."""
    from orgpulse.report import write_report
    from orgpulse.store import Store

    settings = settings_of(ctx, secrets=False)
    notes = {i.key: i.note for i in settings.interventions if i.note}
    summary = write_report(
        Store.open(settings.store.url),
        Path(html),
        run_id=run_id,
        language=lang or settings.report.language,
        notes=notes,
    )
    click.echo(
        f"wrote {summary.path} ({summary.bytes / 1e6:.2f} MB, {summary.language}): {summary.teams} teams, "
        f"{summary.weeks} weeks, {summary.alerts} alerts, {summary.charts} charts, run {summary.run_id}"
    )


@cli.command()
@click.option(
    "--max-age", default="36h", show_default=True, help="Data older than this is stale (e.g. 36h, 90m, 2d)."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handle_errors
def status(ctx: click.Context, max_age: str, fmt: str) -> None:
    """When each source last synced and analysed; exit 1 when data is stale or the last run failed."""
    from orgpulse.present import status_table
    from orgpulse.status import parse_age, run_status
    from orgpulse.store import Store

    try:
        age = parse_age(max_age)
    except ValueError as exc:
        raise fail(f"--max-age: {exc}", 2) from None
    settings = settings_of(ctx, secrets=False)
    report = run_status(settings, Store.open(settings.store.url), max_age=age, now=datetime.now(UTC))
    if fmt == "json":
        emit_json(report.as_json())
    else:
        stdout_console().print(status_table(report))
    if not report.healthy:
        raise click.exceptions.Exit(1)


@cli.command()
@click.pass_context
@handle_errors
def schedule(ctx: click.Context) -> None:
    """Run the nightly job in the foreground: sync then analyse at each [schedule] cron tick (JSON logs)."""
    from orgpulse.analyze import analysis_settings
    from orgpulse.schedule import run_schedule
    from orgpulse.status import ScheduleInfo
    from orgpulse.store import Store

    settings = settings_of(ctx)
    if not settings.sources:
        raise ConfigError(["sources: no [[sources]] configured"])
    analysis_settings(settings)  # a bad [analysis] table fails now, not at 2 a.m.
    store = Store.open(settings.store.url)
    click.echo(f"orgpulse {ScheduleInfo.of(settings, datetime.now(UTC)).line()}")
    run_schedule(settings, store)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handle_errors
def doctor(ctx: click.Context, fmt: str) -> None:
    """Check config, credentials and permissions per source (Jira and Linear); list every status with
    its role and, from the store, the statuses the site no longer lists and the accounts taken for bots."""
    from orgpulse.analyze import analysis_settings
    from orgpulse.doctor import exit_code, run_doctor
    from orgpulse.present import doctor_view
    from orgpulse.status import ScheduleInfo
    from orgpulse.store import Store

    settings = settings_of(ctx)
    if not settings.sources:
        raise ConfigError(["sources: no [[sources]] configured"])
    try:
        store: Store | None = Store.open(settings.store.url)
    except StoreError as exc:
        logging.getLogger(__name__).warning(
            "doctor: the store cannot be read (%s); retired statuses and bots are not listed", exc
        )
        store = None
    found = run_doctor(settings, analysis_settings(settings), now=datetime.now(UTC), store=store)
    scheduled = ScheduleInfo.of(settings, datetime.now(UTC))
    if fmt == "json":
        emit_json({"sources": [d.as_json() for d in found], "schedule": scheduled.as_json()})
    else:
        console = stdout_console()
        console.print(doctor_view(found))
        console.print(Text(scheduled.line()))
    code = exit_code(found)
    if code:
        raise click.exceptions.Exit(code)


def _add_commands() -> None:
    """`demo` and `sandbox` live in cli_sandbox (they need no tracker); they join the group here."""
    from orgpulse.cli_sandbox import demo, sandbox

    cli.add_command(demo)
    cli.add_command(sandbox)


_add_commands()


def main(prog_name: str | None = None) -> None:
    try:
        code = cli.main(prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("orgpulse: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("orgpulse: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
