"""`orgpulse demo` and `orgpulse sandbox serve|truth`: the commands that need no tracker.

They join the `orgpulse` group in cli.py; errors go through the same `handle_errors` (one line on
stderr, DESIGN.md's exit code). Sandbox logins come from `sandbox.login`, as the demo's do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from orgpulse.cli_shell import emit_json, err_console, handle_errors, stdout_console


@click.command()
@click.option("--issues", type=click.IntRange(100, 200_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False),
    default="orgpulse-demo",
    show_default=True,
    help="Where the demo's SQLite store is written (recreated on each run).",
)
@click.option(
    "--anchor", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the sandbox history (default today)."
)
@click.option(
    "--dialect",
    "dialects",
    type=click.Choice(["jira_cloud", "jira_dc", "linear"]),
    multiple=True,
    help="Sources to serve and sync (repeatable; default one of each kind).",
)
@handle_errors
def demo(issues: int, seed: int, folder: str, anchor: datetime | None, dialects: tuple[str, ...]) -> None:
    """Run the whole pipeline on generated organisations served by the sandbox (no credentials).

    One source of each kind — Jira Cloud, Jira Data Center, Linear — in one store, analysed, compared
    with what the sandbox injected, and written as an HTML report.
    """
    from orgpulse.demo import run_demo
    from orgpulse.sandbox import DIALECTS

    code = run_demo(
        issues=issues,
        seed=seed,
        folder=Path(folder),
        anchor=anchor.date() if anchor else datetime.now(UTC).date(),
        console=stdout_console(),
        err_console=err_console,
        dialects=dialects or DIALECTS,
    )
    if code:
        raise click.exceptions.Exit(code)


@click.group()
def sandbox() -> None:
    """Faithful doubles of Jira Cloud, Jira Data Center and Linear serving a generated organisation."""


def _generation_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--weeks", type=click.IntRange(8, 260), default=26, show_default=True)(func)
    func = click.option(
        "--anchor", type=click.DateTime(["%Y-%m-%d"]), help="Last day of history (default today)."
    )(func)
    func = click.option("--seed", type=int, default=7, show_default=True)(func)
    func = click.option("--issues", type=click.IntRange(100, 200_000), default=2000, show_default=True)(func)
    return func


def _org(issues: int, seed: int, anchor: datetime | None, weeks: int) -> Any:
    from orgpulse.sandbox import generate_org

    day = anchor.date() if anchor else datetime.now(UTC).date()
    return generate_org(seed=seed, issues=issues, anchor=day, weeks=weeks)


@sandbox.command("serve")
@click.option("--dialect", type=click.Choice(["jira_cloud", "jira_dc", "linear"]), default="jira_cloud")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="0 picks a free port.")
@_generation_options
@click.option("--latency-ms", type=click.IntRange(0, 60_000), default=0, show_default=True)
@click.option("--page-cap", type=click.IntRange(1, 5000), help="Lower the largest page the server returns.")
@click.option(
    "--rate-limit-every", type=click.IntRange(0), default=0, help="Answer every Nth request with 429."
)
@click.option(
    "--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests answered 500/503."
)
@handle_errors
def sandbox_serve(
    dialect: str,
    port: int,
    issues: int,
    seed: int,
    anchor: datetime | None,
    weeks: int,
    latency_ms: int,
    page_cap: int | None,
    rate_limit_every: int,
    fault_rate: float,
) -> None:
    """Serve the organisation on 127.0.0.1 until stopped (Ctrl-C)."""
    from orgpulse.sandbox import SandboxServer, login

    server = SandboxServer(
        _org(issues, seed, anchor, weeks),
        dialect=dialect,
        latency_ms=latency_ms,
        page_cap=page_cap,
        rate_limit_every=rate_limit_every,
        fault_rate=fault_rate,
        port=port,
    )
    server.start()
    credentials = login(dialect)
    click.echo(f"{server.url}{credentials.path}")
    click.echo(credentials.describe())
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@sandbox.command("truth")
@_generation_options
def sandbox_truth(issues: int, seed: int, anchor: datetime | None, weeks: int) -> None:
    """Print the injected dysfunctions, the control teams and the expected totals as JSON."""
    from orgpulse.sandbox import truth_of

    emit_json(truth_of(_org(issues, seed, anchor, weeks)))
