"""Soak: the nightly job in a loop against three misbehaving sandboxes; nothing may be lost or doubled.

    .venv/bin/python bench/soak.py [--seconds 300] [--issues 300] [--store sqlite:///bench/out/soak.db]

One sandbox per dialect (Jira Cloud, Jira Data Center, Linear), each answering every 3rd request
with 429 and 10% of requests with 500/503 (`--rate-limit-every 3 --fault-rate 0.1`). The nightly
job (`orgpulse.schedule.run_tick`: claim, sync every source, analyse) runs tick after tick for
`--seconds`, the first tick a full sync, the others incremental. After each tick every source's
stored totals are compared with the sandbox's truth. Exit 0 only when every tick synced every
source, 0 rows were lost and 0 duplicated.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ANCHOR = date(2026, 11, 20)
OUT = Path(__file__).resolve().parent / "out"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--issues", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", help="SQLAlchemy URL (default: a fresh SQLite file under bench/out/)")
    args = parser.parse_args()

    from orgpulse.demo import demo_settings, demo_source
    from orgpulse.sandbox import DIALECTS, SandboxServer, generate_org, truth_of
    from orgpulse.schedule import run_tick
    from orgpulse.store import Store

    OUT.mkdir(exist_ok=True)
    url = args.store
    if url is None:
        path = OUT / "soak.db"
        for leftover in OUT.glob("soak.db*"):
            leftover.unlink()
        url = f"sqlite:///{path}"
    servers, sources, truth = [], [], {}
    for offset, dialect in enumerate(DIALECTS):
        org = generate_org(seed=args.seed + offset, issues=args.issues, anchor=ANCHOR, weeks=26)
        server = SandboxServer(org, dialect=dialect, rate_limit_every=3, fault_rate=0.1)
        server.start()
        servers.append(server)
        source = demo_source(dialect, server.url)
        sources.append(source)
        truth[source.name] = truth_of(org)["totals"][dialect]
    settings = demo_settings(servers[0].url, OUT, sources=sources)
    store = Store.open(url)
    print(f"soak: {len(sources)} sources of {args.issues} issues, 429 every 3rd request, 10% 5xx; {url}")
    started = time.monotonic()
    tick_at = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    ticks = failures = worst_lost = worst_duplicated = 0
    requests = 0
    try:
        while ticks == 0 or time.monotonic() - started < args.seconds:
            outcome = run_tick(settings, store, tick_at, worker=f"soak-{ticks}")
            ticks += 1
            tick_at += timedelta(minutes=1)
            line = []
            for report in outcome.synced:
                requests += report.requests
                held = store.source_totals(report.name)
                expected = truth[report.name]
                lost = sum(max(0, expected[k] - held[k]) for k in expected)
                duplicated = sum(max(0, held[k] - expected[k]) for k in expected)
                worst_lost, worst_duplicated = max(worst_lost, lost), max(worst_duplicated, duplicated)
                failures += 0 if report.ok else 1
                state = "ok" if report.ok else f"{type(report.error).__name__}: {report.error}"
                line.append(f"{report.name} {state} req {report.requests} lost {lost} dup {duplicated}")
            analysed = outcome.analysed or outcome.error or "not run"
            print(f"tick {ticks} ({time.monotonic() - started:.0f}s): {'; '.join(line)}; analysis {analysed}")
            sys.stdout.flush()
    finally:
        for server in servers:
            server.stop()
    print(
        f"soak done: {ticks} ticks in {time.monotonic() - started:.0f}s, {requests} requests, "
        f"{failures} failed source syncs, max rows lost {worst_lost}, max rows duplicated {worst_duplicated}"
    )
    return 0 if failures == 0 and worst_lost == 0 and worst_duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
