"""Write the golden findings file that tests/test_golden_findings.py compares against (run by hand).

    .venv/bin/python scripts/golden_findings.py [--store URL]

Generates the 10k-issue sandbox organisation (tests/golden_org.py), syncs it over loopback HTTP
through the Jira Cloud connector into a fresh store (a temporary SQLite file unless --store names an
empty one), analyses it and writes tests/golden/findings-10k-seed7.json.gz. Rewrite it only when a
change is meant to change findings (a rule of SYMPTOMS.md, the sandbox's organisation), and say so in
the commit: the file is the record of what the analysis answers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from golden_org import GOLDEN_PATH, analysed, golden_org, sync_over_http, write_golden  # noqa: E402
from orgpulse.store import Store  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="an empty store's URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    started = time.perf_counter()
    org = golden_org()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(args.store or f"sqlite:///{Path(folder) / 'orgpulse.db'}")
        settings = sync_over_http(org, store)
        findings = analysed(settings, store)
        store.close()
    write_golden(findings)
    print(f"{len(findings)} findings written to {GOLDEN_PATH} in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
