"""Benchmark: HTTP requests per issue and wall time of a full and an incremental Jira sync.

    .venv/bin/python bench/bench_sync.py [--issues 5000] [--seed 7] [--latency-ms 0]
                                         [--dialect jira_cloud|jira_dc]

Serves a generated organisation (a quarter of its issues have more than 40 history entries) on
loopback in the chosen dialect (Jira Cloud by default, or Jira Data Center), syncs it into a fresh
SQLite store, checks the stored counts against the sandbox's truth, then syncs again with nothing
changed. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from orgpulse.config import Secret, Settings
from orgpulse.demo import demo_settings
from orgpulse.sandbox import SANDBOX_TOKEN, SandboxServer, generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_USERNAME
from orgpulse.store import Store
from orgpulse.store import schema as tables
from orgpulse.sync import run_sync


def bench_settings(dialect: str, url: str, folder: Path) -> Settings:
    """The demo's settings; for Data Center, its one source as a `jira_dc` one (basic auth)."""
    settings = demo_settings(url, folder)
    if dialect == "jira_cloud":
        return settings
    (source,) = settings.sources
    dc = replace(
        source, name="sandbox-dc", kind="jira_dc", user=Secret(SANDBOX_USERNAME), token=Secret(SANDBOX_TOKEN)
    )
    return replace(settings, sources=(dc,))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--dialect", choices=("jira_cloud", "jira_dc"), default="jira_cloud")
    args = parser.parse_args()

    started = time.perf_counter()
    org = generate_org(seed=args.seed, issues=args.issues, anchor=date(2026, 11, 20), weeks=26)
    truth = truth_of(org)["totals"][args.dialect]
    print(f"{args.dialect}: generated {truth['issues']} issues in {time.perf_counter() - started:.1f}s")
    with (
        tempfile.TemporaryDirectory() as folder,
        SandboxServer(org, dialect=args.dialect, latency_ms=args.latency_ms) as server,
    ):
        settings = bench_settings(args.dialect, server.url, Path(folder))
        store = Store.open(settings.store.url)
        for label, full in (("full", True), ("incremental", False)):
            before = server.requests
            started = time.perf_counter()
            (report,) = run_sync(settings, store, full=full)
            seconds = time.perf_counter() - started
            if report.error is not None:
                print(f"{label} sync failed: {report.error}", file=sys.stderr)
                return 1
            served = server.requests - before
            print(
                f"{label} sync: {seconds:.1f}s, {report.requests} requests counted by the connector, "
                f"{served} served, {served / truth['issues']:.4f} requests per issue"
            )
        name = settings.sources[0].name
        counts = store.source_totals(name)
        mismatches = {k: (counts[k], v) for k, v in truth.items() if counts[k] != v}
        print(f"stored {counts}; truth {truth}")
        histories = tables.histories
        with store.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(histories).where(histories.c.source == name)
            stored = conn.execute(query).scalar_one()
        served_histories = sum(i.history_total for i in org.issues)
        print(f"history entries stored {stored} of {served_histories} served")
        if stored != served_histories:
            mismatches["histories"] = (stored, served_histories)
        if mismatches:
            print(f"MISMATCH (stored, truth): {mismatches}", file=sys.stderr)
            return 1
        print("stored counts equal the truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
