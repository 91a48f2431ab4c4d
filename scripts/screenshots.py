"""Regenerate the README's pictures from the demo (run by hand; needs Debian's chromium):

    .venv/bin/python scripts/screenshots.py [--issues 2000] [--seed 7] [--anchor 2026-12-07]

Runs `orgpulse demo` into a temporary folder and writes to docs/:
    demo.svg          the demo's terminal output (what fits one 50-line screen)
    report.png        the top of the English report at 1,280 × 900: the verdict, the weak levers
    report-flow.png   the section of a team with an intervention: its flow charts, the intervention
                      marked on them with its outcome, its symptom trends
    report-fr.png     the top of the same report in French
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright
from rich.console import Console

from orgpulse.demo import run_demo
from orgpulse.report import write_report
from orgpulse.store import Store

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
DRAWN = (
    "window.orgpulseCharts && window.orgpulseCharts.rendered + window.orgpulseCharts.failed"
    " === window.orgpulseCharts.total"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor", type=date.fromisoformat, default=date(2026, 12, 7))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        console = Console(record=True, width=100, force_terminal=True)
        code = run_demo(
            issues=args.issues,
            seed=args.seed,
            folder=folder,
            anchor=args.anchor,
            console=console,
            err_console=Console(stderr=True),
        )
        if code:
            print(f"the demo failed with exit code {code}", file=sys.stderr)
            return code
        DOCS.mkdir(exist_ok=True)
        (DOCS / "demo.svg").write_text(console.export_svg(title="orgpulse demo"), encoding="utf-8")
        store = Store.open(f"sqlite:///{folder / 'orgpulse.db'}")
        french = write_report(store, folder / "rapport.html", language="fr")
        store.close()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto((folder / "report.html").as_uri())
            page.wait_for_function(DRAWN, timeout=120_000)
            page.screenshot(path=str(DOCS / "report.png"))
            # The team of the planted intervention: its flow, the markers and the before/after.
            section = page.locator("section.team-section:has(.intervention)").first
            section.scroll_into_view_if_needed()
            section.screenshot(path=str(DOCS / "report-flow.png"))
            page.goto(french.path.as_uri())
            page.wait_for_function(DRAWN, timeout=120_000)
            page.screenshot(path=str(DOCS / "report-fr.png"))
            browser.close()
    for name in ("demo.svg", "report.png", "report-flow.png", "report-fr.png"):
        print(f"wrote {DOCS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
