"""Benchmark: HTTP requests per issue and wall time of a full and an incremental Jira sync.

    .venv/bin/python bench/bench_sync.py [--issues 5000] [--seed 7] [--latency-ms 0]
                                         [--dialect jira_cloud|jira_dc] [--store URL] [--overlap-only]

Serves a generated organisation (a quarter of its issues have more than 40 history entries) on
loopback in the chosen dialect (Jira Cloud by default, or Jira Data Center), from a child process,
syncs it into a fresh SQLite store (or the empty database `--store` names), checks the stored
counts against the sandbox's truth, then syncs again with nothing changed. Prints one line per
figure; the CPU figure is user + sys of this process only (the sync: the sandbox serves from its
own process), from resource.getrusage.

`--overlap-only` measures the unchanged incremental of a site too big to sync whole here: instead
of the full sync, the store is seeded with the watermark a full sync would leave (the largest
`updated` minus the overlap) and one incremental reads the overlap window (and takes the census);
the next incremental, with nothing changed, is the one measured. Stored counts are not compared.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orgpulse.config import Secret, Settings, StoreSettings
from orgpulse.demo import demo_settings
from orgpulse.model import Batch
from orgpulse.sandbox import SANDBOX_TOKEN, generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_USERNAME
from orgpulse.store import Store
from orgpulse.store import schema as tables
from orgpulse.sync import run_sync
from sandbox_process import SandboxProcess, own_cpu


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
    parser.add_argument("--store", help="an empty database's SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--overlap-only", action="store_true", help="seed the overlap window, not a full sync"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    org = generate_org(seed=args.seed, issues=args.issues, anchor=date(2026, 11, 20), weeks=26)
    truth = truth_of(org)["totals"][args.dialect]
    print(f"{args.dialect}: generated {truth['issues']} issues in {time.perf_counter() - started:.1f}s")
    served_histories = sum(i.history_total for i in org.issues)
    # The generated organisation lives in this process only to be forked to the sandbox's: out of
    # the collector's sight, it does not tax the sync's garbage collections (a real sync has no org).
    gc.freeze()
    with (
        tempfile.TemporaryDirectory() as folder,
        SandboxProcess(org, dialect=args.dialect, latency_ms=args.latency_ms) as server,
    ):
        settings = bench_settings(args.dialect, server.url, Path(folder))
        if args.store:
            settings = replace(settings, store=StoreSettings(url=args.store))
        store = Store.open(settings.store.url)
        cpus: dict[str, float] = {}
        runs = (("full", True), ("incremental", False))
        if args.overlap_only:
            source = settings.sources[0]
            watermark = max(i.updated for i in org.issues) - source.overlap_minutes * 60_000
            cursor = {"version": 1, "watermark_ms": watermark, "metadata": None, "checkpoint": None}
            store.save_page(source.name, Batch(), {**cursor, "census_at": None}, now=datetime.now(UTC))
            runs = (("seeding incremental (the overlap window, the census)", False), ("incremental", False))
        for label, full in runs:
            before = server.requests
            started, cpu = time.perf_counter(), own_cpu()
            (report,) = run_sync(settings, store, full=full)
            seconds, cpu = time.perf_counter() - started, own_cpu() - cpu
            if report.error is not None:
                print(f"{label} sync failed: {report.error}", file=sys.stderr)
                return 1
            served = server.requests - before
            cpus[label] = cpu
            print(
                f"{label} sync: {seconds:.1f}s wall, {cpu:.1f}s CPU of the sync process, "
                f"{report.requests} requests counted by the connector, "
                f"{served} served, {served / truth['issues']:.4f} requests per issue"
            )
        name = settings.sources[0].name
        if args.overlap_only:
            return 0
        counts = store.source_totals(name)
        mismatches = {k: (counts[k], v) for k, v in truth.items() if counts[k] != v}
        print(f"stored {counts}; truth {truth}")
        histories = tables.histories
        with store.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(histories).where(histories.c.source == name)
            stored = conn.execute(query).scalar_one()
        print(f"history entries stored {stored} of {served_histories} served")
        if full_cpu := cpus.get("full"):
            print(f"full sync: {full_cpu / max(stored, 1) * 1e6:.0f} µs of CPU per history entry stored")
        if stored != served_histories:
            mismatches["histories"] = (stored, served_histories)
        if mismatches:
            print(f"MISMATCH (stored, truth): {mismatches}", file=sys.stderr)
            return 1
        print("stored counts equal the truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
