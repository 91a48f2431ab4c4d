"""Benchmark: HTTP requests per issue and wall time of a full and an incremental Jira Cloud sync.

    .venv/bin/python bench/bench_sync.py [--issues 5000] [--seed 7] [--latency-ms 0]

Serves a generated organisation (a quarter of its issues have more than 40 history entries) on
loopback, syncs it into a fresh SQLite store, checks the stored counts against the sandbox's truth,
then syncs again with nothing changed. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from orgpulse.demo import DEMO_SOURCE, demo_settings
from orgpulse.sandbox import SandboxServer, generate_org, truth_of
from orgpulse.store import Store
from orgpulse.sync import run_sync


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    org = generate_org(seed=args.seed, issues=args.issues, anchor=date(2026, 11, 20), weeks=26)
    truth = truth_of(org)["totals"]["jira_cloud"]
    print(f"generated {truth['issues']} issues in {time.perf_counter() - started:.1f}s")
    with (
        tempfile.TemporaryDirectory() as folder,
        SandboxServer(org, dialect="jira_cloud", latency_ms=args.latency_ms) as server,
    ):
        settings = demo_settings(server.url, Path(folder))
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
        counts = store.source_totals(DEMO_SOURCE)
        mismatches = {k: (counts[k], v) for k, v in truth.items() if counts[k] != v}
        print(f"stored {counts}; truth {truth}")
        if mismatches:
            print(f"MISMATCH (stored, truth): {mismatches}", file=sys.stderr)
            return 1
        print("stored counts equal the truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
