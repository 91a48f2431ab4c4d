"""Re-record the connector cassettes from the sandbox (run by hand; the tests only replay them).

    .venv/bin/python scripts/record_cassettes.py [jira_cloud] [jira_dc] [linear]

Serves the organisation named in tests/cassettes.py on loopback, runs a full sync then an
incremental sync through the real connector with vcrpy recording, and writes gzipped JSON to
cassettes/<dialect>/{full_sync,incremental_sync}.json.gz. Hosts, authorization headers and
e-mail addresses are scrubbed before writing (tests/cassettes.py).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from cassettes import CASSETTES, RECORDED_CLOCK, RECORDED_ORG, recorder  # noqa: E402
from orgpulse.demo import DIALECTS, demo_settings, demo_source  # noqa: E402
from orgpulse.sandbox import SandboxServer, generate_org, truth_of  # noqa: E402
from orgpulse.store import Store  # noqa: E402
from orgpulse.sync import run_sync  # noqa: E402


def record(dialect: str) -> int:
    org = generate_org(**RECORDED_ORG)
    expected = truth_of(org)["totals"][dialect]
    folder = CASSETTES / dialect
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("full_sync", "incremental_sync"):
        (folder / f"{name}.json.gz").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(org, dialect=dialect) as server:
        settings = demo_settings(server.url, Path(tmp), sources=[demo_source(dialect, server.url)])
        store = Store.open(settings.store.url)
        for name, full in (("full_sync", True), ("incremental_sync", False)):
            with recorder(dialect, record_mode="all").use_cassette(f"{name}.json"):
                (report,) = run_sync(settings, store, full=full, clock=RECORDED_CLOCK)
            if report.error is not None:
                print(f"{dialect} {name}: sync failed: {report.error}", file=sys.stderr)
                return 1
            print(f"{dialect} {name}: {report.requests} requests, {report.counts}")
    # What the recording holds, so replay is checked against the recording, not today's generator.
    (folder / "expected.json").write_text(
        json.dumps(expected, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return 0


def main() -> int:
    dialects = sys.argv[1:] or list(DIALECTS)
    return max(record(dialect) for dialect in dialects)


if __name__ == "__main__":
    sys.exit(main())
