"""Benchmark: requests, complexity points and wall time of Linear syncs through the sandbox's Linear dialect.

    .venv/bin/python bench/bench_linear.py [--issues 5000] [--seed 7] [--latency-ms 0]

Serves a generated organisation as a Linear workspace on loopback (from a child process, so the
CPU figure, resource.getrusage of this process, is the sync's alone) and syncs it with the real
Linear connector into a fresh SQLite store, as if 24 hours before the end of the history (sandbox
time); then a nightly incremental sync at the end of the history (it reads the issues updated
during the last day and refreshes the metadata, whose TTL is 24 hours), and one more right after,
with nothing changed. The stored counts are checked against the sandbox's Linear totals. Points
are the sandbox's prices by Linear's formula (the X-Complexity it sends); the projection scales
the full sync's points to 10,000 issues against the API key's 3,000,000 points/hour budget.
Prints one line per figure.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orgpulse.config import PrivacySettings, ScheduleSettings, Secret, Settings, SourceSettings, StoreSettings
from orgpulse.sandbox import generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_LINEAR_KEY
from orgpulse.sandbox.linear.app import LIMITS
from orgpulse.sandbox.org.weeks import local_ms
from orgpulse.store import Store
from orgpulse.sync import run_sync
from sandbox_process import SandboxProcess, own_cpu

SOURCE = "sandbox-linear"
TARGET_REQUESTS_PER_ISSUE = 0.05


def settings_for(endpoint: str, folder: Path, teams: tuple[str, ...]) -> Settings:
    source = SourceSettings(
        name=SOURCE,
        kind="linear",
        url=endpoint,
        auth="bearer",
        token=Secret(SANDBOX_LINEAR_KEY),
        teams=teams,
    )
    return Settings(
        path=None,
        store=StoreSettings(url=f"sqlite:///{(folder / 'orgpulse.db').resolve()}"),
        sources=(source,),
        schedule=ScheduleSettings(),
        privacy=PrivacySettings(),
        analysis={"timezone": "UTC"},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()

    anchor = date(2026, 11, 20)
    started = time.perf_counter()
    org = generate_org(seed=args.seed, issues=args.issues, anchor=anchor, weeks=26)
    truth = truth_of(org)["totals"]["linear"]
    elapsed = time.perf_counter() - started
    print(f"generated {args.issues} issues ({truth['issues']} Linear issues) in {elapsed:.1f}s")
    gc.freeze()  # the org is bench data forked to the sandbox's process: out of the sync's collections
    evening = datetime.fromtimestamp(local_ms(anchor + timedelta(days=1)) / 1000 - 2 * 3600, UTC)
    budget = LIMITS["api"][1]
    teams = tuple(team.key for team in org.teams)
    with (
        tempfile.TemporaryDirectory() as folder,
        SandboxProcess(org, dialect="linear", latency_ms=args.latency_ms) as server,
    ):
        settings = settings_for(f"{server.url}/graphql", Path(folder), teams)
        store = Store.open(settings.store.url)
        runs = (
            ("full", True, evening - timedelta(days=1)),
            ("nightly incremental, 24 h later", False, evening),
            ("incremental, nothing changed", False, evening + timedelta(minutes=5)),
        )
        for label, full, moment in runs:
            before_requests, before_points = server.requests, server.complexity_points
            started, cpu = time.perf_counter(), own_cpu()
            (report,) = run_sync(settings, store, full=full, clock=lambda moment=moment: moment)
            seconds, cpu = time.perf_counter() - started, own_cpu() - cpu
            if report.error is not None:
                print(f"{label} sync failed: {report.error}", file=sys.stderr)
                return 1
            requests = server.requests - before_requests
            points = server.complexity_points - before_points
            print(
                f"{label} sync: {seconds:.1f}s wall, {cpu:.1f}s CPU of the sync process, {requests} requests "
                f"({report.requests} counted by the connector), "
                f"{requests / truth['issues']:.4f} requests per issue, {points:,} complexity points"
            )
            if full:
                per_issue = points / truth["issues"]
                projected = per_issue * 10_000
                print(
                    f"  {per_issue:.1f} points per issue; 10,000 issues -> {projected:,.0f} points, "
                    f"{projected / budget:.0%} of the {budget:,} points/hour API-key budget "
                    f"({projected / budget * 60:.0f} min of it)"
                )
                verdict = "within" if requests / truth["issues"] <= TARGET_REQUESTS_PER_ISSUE else "OVER"
                print(f"  {verdict} the target of {TARGET_REQUESTS_PER_ISSUE} requests per issue")
        counts = store.source_totals(SOURCE)
        mismatches = {k: (counts[k], v) for k, v in truth.items() if counts[k] != v}
        print(f"stored {counts}; truth {truth}")
        if mismatches:
            print(f"MISMATCH (stored, truth): {mismatches}", file=sys.stderr)
            return 1
        print("stored counts equal the Linear truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
