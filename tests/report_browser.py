"""Opening a report in a real browser for the tests: Debian's chromium through Playwright, with
what a page requested, printed to the console and cost to load (wall, CPU, main thread)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1280, 900
ALL_DRAWN = (
    "window.orgpulseCharts && window.orgpulseCharts.rendered + window.orgpulseCharts.failed"
    " === window.orgpulseCharts.total"
)


def launched_browser() -> Iterator[Any]:
    """Chromium, launched for a module's tests (skips when it or Playwright is missing)."""
    if not CHROMIUM.exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _children_cpu_seconds() -> float:
    """CPU time (user + system) of every process descending from this one: the Playwright driver
    and the browser it started."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    me, total = os.getpid(), 0.0
    for pid in cpu:
        ancestor = parents.get(pid)
        while ancestor is not None and ancestor not in (me, 0, 1):
            ancestor = parents.get(ancestor)
        if ancestor == me and pid != me:
            total += cpu[pid]
    return total


class Opened:
    """A report opened in a fresh page, with what it requested and printed to the console."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        devtools = self.page.context.new_cdp_session(self.page)
        devtools.send("Performance.enable")
        cpu = _children_cpu_seconds()
        started = time.perf_counter()
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.text_seconds = time.perf_counter() - started
        self.page.wait_for_function(ALL_DRAWN, timeout=60_000, polling=20)
        self.load_seconds = time.perf_counter() - started
        self.cpu_seconds = _children_cpu_seconds() - cpu
        # The page's main thread busy (parse, script, style, layout, paint): what the wall time
        # would be on an idle machine, less sensitive to the other processes of a shared one.
        metrics = {m["name"]: m["value"] for m in devtools.send("Performance.getMetrics")["metrics"]}
        self.busy_seconds = float(metrics["TaskDuration"])
        devtools.detach()

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file://", "data:", "blob:", "about:"))]

    def drawn_text(self) -> str:
        """The page's text with every section and detail open, code and scripts left out."""
        self.page.evaluate("window.orgpulseOpenAll()")
        self.page.evaluate("document.querySelectorAll('details').forEach(function (d) { d.open = true; })")
        text: str = self.page.evaluate(
            "(function () { var clone = document.body.cloneNode(true);"
            " clone.querySelectorAll('code, script, style').forEach(function (n) { n.remove(); });"
            " return clone.innerText; })()"
        )
        return text
