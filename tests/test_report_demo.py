"""The demo's own report in a real browser — the page a new user opens first: its first screen shows
the verdict, the levers weak over the period and the period's alerts; every alert of the run is a
row of the alerts table; an issue key links to the tracker; it fits a 1,280 px window; no console
error; no request leaves the file; written in French, it is French once drawn.

A smaller organisation than the demo's default (600 issues per dialect, the three dialects), so the
module runs in about half a minute; load figures are printed with -s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from orgpulse.cli import cli
from orgpulse.report import write_report
from orgpulse.store import Store
from report_browser import HEIGHT, WIDTH, Opened, launched_browser
from report_fixture import english_in

DEMO = ["demo", "--issues", "600", "--seed", "7", "--anchor", "2026-12-06"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, [*DEMO, "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "report.html").exists()
    return folder


def _alerts_of_the_run(folder: Path) -> set[tuple[str, str, str]]:
    store = Store.open(f"sqlite:///{folder / 'orgpulse.db'}")
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT team, week_start, symptom FROM symptom_trends"
                    " WHERE severity = 'alert' AND run_id = (SELECT run_id FROM analysis_runs"
                    " WHERE status = 'completed' ORDER BY finished_at DESC LIMIT 1)"
                )
            ).all()
    finally:
        store.close()
    return {(str(team), str(week)[:10], str(symptom)) for team, week, symptom in rows}


def test_the_demo_report_answers_on_its_first_screen(browser: Any, demo: Path) -> None:
    opened = Opened(browser, demo / "report.html")
    page = opened.page
    print(
        f"\ndemo report in chromium: all {page.evaluate('window.orgpulseCharts.total')} charts drawn in "
        f"{opened.load_seconds:.2f} s (main thread busy {opened.busy_seconds:.2f} s), "
        f"{(demo / 'report.html').stat().st_size / 1e6:.2f} MB"
    )
    for figure in ("#verdict .say", "#period-weak-levers", "#period-alerts"):
        box = page.locator(figure).bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= HEIGHT, f"{figure} is below the first screen"
    assert page.inner_text("#verdict .say").startswith(("The foundations", "Foundations first"))
    assert int(page.inner_text("#period-weak-levers b").split("/")[0]) > 0
    alerts = _alerts_of_the_run(demo)
    assert int(page.inner_text("#period-alerts b")) == len(alerts) > 0
    # Every alert of the period is a row of the table (not only the latest week's).
    rows = page.eval_on_selector_all(
        'details.alert[data-severity="alert"]',
        "rows => rows.map(r => [r.dataset.team, r.dataset.week, r.dataset.symptom])",
    )
    assert len(rows) == len(alerts)
    assert {tuple(r) for r in rows} == alerts
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client == WIDTH
    assert page.evaluate("window.orgpulseCharts.failed") == 0
    assert opened.outside_requests() == []
    assert opened.errors == []
    page.close()


def test_an_issue_key_of_the_demo_links_to_its_tracker(browser: Any, demo: Path) -> None:
    page = Opened(browser, demo / "report.html").page
    page.evaluate("window.orgpulseOpenAll()")
    links = page.eval_on_selector_all("a.key", "keys => keys.map(k => [k.textContent, k.href])")
    assert links
    store = Store.open(f"sqlite:///{demo / 'orgpulse.db'}")
    try:
        with store.engine.connect() as conn:
            sandboxes = [
                str(u) for (u,) in conn.execute(sa.text("SELECT url FROM sources WHERE kind LIKE 'jira%'"))
            ]
    finally:
        store.close()
    for key, href in links:
        jira = any(href == f"{site}/browse/{key}" for site in sandboxes)
        linear = href.startswith("https://linear.app/") and f"/issue/{key}/" in href
        assert jira or linear, (key, href)
    assert any("/browse/" in href for _, href in links)
    page.close()


def test_the_demo_report_in_french_is_french(browser: Any, demo: Path) -> None:
    store = Store.open(f"sqlite:///{demo / 'orgpulse.db'}")
    try:
        summary = write_report(store, demo / "rapport.html", language="fr")
        with store.engine.connect() as conn:
            statuses = [str(s) for (s,) in conn.execute(sa.text("SELECT DISTINCT name FROM statuses"))]
            teams = [str(s) for (s,) in conn.execute(sa.text("SELECT DISTINCT team FROM symptom_trends"))]
    finally:
        store.close()
    opened = Opened(browser, summary.path)
    page = opened.page
    assert page.evaluate("document.documentElement.lang") == "fr"
    text = opened.drawn_text()
    assert "Ce qu'il faut vérifier avant d'agir" in text
    # What the tracker names stays as it is: statuses, team keys (sandbox-cloud/DATA), pseudonyms,
    # Linear's goal ids (project:<uuid>).
    allowed = {*" ".join(statuses).split(), *" ".join(teams).replace("/", " ").replace("-", " ").split()}
    allowed |= {"person", "project"}
    assert english_in(text, allowed) == set()
    assert opened.errors == []
    page.close()
