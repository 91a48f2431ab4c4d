"""Benchmark: analysis time and peak memory over a stored organisation of N issues.

    .venv/bin/python bench/bench_analysis.py [--issues 100000] [--seed 7]

The first run builds the store (sandbox -> HTTP -> connector -> SQLite) under bench/out/ and keeps it;
the measurement then runs in a fresh process so its peak memory (getrusage) is the analysis alone:
from the database read to committed trend rows. It also times `detect` on the same frames with the
symptoms alone and with the whole diagnosis (cost, levers, flow, an intervention), and prints the
overhead in percent.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ANCHOR = date(2026, 11, 20)
OUT = Path(__file__).resolve().parent / "out"


def build(issues: int, seed: int, folder: Path) -> None:
    from orgpulse.demo import demo_settings
    from orgpulse.sandbox import SandboxServer, generate_org
    from orgpulse.store import Store
    from orgpulse.sync import run_sync

    started = time.perf_counter()
    org = generate_org(seed=seed, issues=issues, anchor=ANCHOR, weeks=26)
    print(f"generated {issues} issues in {time.perf_counter() - started:.1f}s", flush=True)
    with SandboxServer(org, dialect="jira_cloud") as server:
        settings = demo_settings(server.url, folder)
        started = time.perf_counter()
        (report,) = run_sync(settings, Store.open(settings.store.url), full=True)
        if report.error is not None:
            raise SystemExit(f"sync failed: {report.error}")
        print(f"synced in {time.perf_counter() - started:.1f}s: {report.counts}", flush=True)


def measure(folder: Path, weeks: int, repeat: int) -> None:
    from orgpulse.analysis.result import Intervention
    from orgpulse.analysis.run import detect
    from orgpulse.analyze import analysis_settings, run_analyze
    from orgpulse.demo import demo_settings
    from orgpulse.store import Store
    from orgpulse.store.frames import load_frames

    settings = demo_settings("http://unused.invalid", folder)
    store = Store.open(settings.store.url)
    as_of = datetime.combine(ANCHOR + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    started = time.perf_counter()
    frames = load_frames(store, as_of=as_of)
    loaded = time.perf_counter()
    print(f"status changes: {len(frames.status_changes)}, issues: {len(frames.issues)}")
    print(f"load_frames {loaded - started:.2f}s")
    # The diagnosis's overhead on the same frames, alternated, best of each: the symptoms alone; with
    # cost, levers and flow; and with, besides, one intervention over every team and every symptom
    # (inside the reported weeks: a Mann-Whitney U test per team and thresholded metric).
    analysis = analysis_settings(settings)
    every = (Intervention(date=(as_of - timedelta(weeks=8)).date()),)
    kinds = {
        "symptoms alone": (False, ()),
        "+ cost, levers, flow": (True, ()),
        "+ an intervention": (True, every),
    }
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(repeat):
        for name, (diagnose, interventions) in kinds.items():
            begun = time.perf_counter()
            detect(frames, analysis, as_of=as_of, weeks=weeks, diagnose=diagnose, interventions=interventions)
            times[name].append(time.perf_counter() - begun)
    alone = min(times["symptoms alone"])
    print(
        f"detect (best of {repeat}): "
        + "; ".join(f"{name} {min(t):.2f}s ({(min(t) / alone - 1) * 100:+.1f}%)" for name, t in times.items())
    )
    del frames
    started = time.perf_counter()
    run = run_analyze(settings, store, as_of=as_of, weeks=weeks)
    total = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"run_analyze (read -> committed trend rows): {total:.2f}s, {len(run.result.findings)} findings")
    print(f"peak memory: {peak_mib:.0f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--repeat", type=int, default=2, help="timed detect runs of each kind (best counts)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.weeks, args.repeat)
        return 0
    folder = OUT / f"org-{args.issues}-{args.seed}"
    if not (folder / "orgpulse.db").exists():
        folder.mkdir(parents=True, exist_ok=True)
        build(args.issues, args.seed, folder)
    return subprocess.call(
        [
            sys.executable,
            __file__,
            "--measure",
            str(folder),
            "--weeks",
            str(args.weeks),
            "--repeat",
            str(args.repeat),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
