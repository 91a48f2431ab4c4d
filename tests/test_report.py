"""The static HTML report: which run it shows, what a lead reads in it, and that a real browser
renders it offline (no request leaves the file), fast, with every chart drawn."""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from orgpulse.errors import AnalysisError, OrgpulseError
from orgpulse.report import ReportSummary, write_report
from orgpulse.store import Store

ROOT = Path(__file__).resolve().parents[1]
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
TEAMS = ["PAY", "CORE", "WEB", "MOBILE", "DATA", "INFRA", "SEC", "OPS", "GROWTH", "SEARCH", "BILL", "AUTH"]
WEEKS = 26
FIRST_WEEK = date(2025, 1, 6)
LATEST_WEEK = FIRST_WEEK + timedelta(weeks=WEEKS - 1)
THRESHOLDS = {
    "approval_bottleneck": ("approval_wait_share", 0.15, 0.25),
    "cross_team_blocking": ("cross_team_blocked_share", 0.10, 0.20),
}
# In the latest week: AUTH has two alerts, OPS one alert (low confidence), WEB one watch.
LATEST = {
    ("AUTH", "approval_bottleneck"): ("alert", 0.92, 0.9),
    ("AUTH", "cross_team_blocking"): ("alert", 0.81, 0.85),
    ("OPS", "cross_team_blocking"): ("alert", 0.78, 0.42),
    ("WEB", "approval_bottleneck"): ("watch", 0.61, 0.95),
}
ALERT_KEY = "AUTH-4242"


def _score_to_value(score: float, watch: float, alert: float) -> float:
    if score <= 0.5:
        return watch * score / 0.5
    if score <= 0.75:
        return watch + (alert - watch) * (score - 0.5) / 0.25
    return alert + (alert - watch) * (score - 0.75) / 0.25


def _severity(score: float) -> str:
    return "alert" if score >= 0.75 else "watch" if score >= 0.5 else "ok"


def _evidence(team: str, symptom: str, week: date, n: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for i in range(n):
        key = ALERT_KEY if (team, symptom, i) == ("AUTH", "approval_bottleneck", 0) else f"{team}-{100 + i}"
        if symptom == "approval_bottleneck":
            items.append(
                {
                    "kind": "visit",
                    "issue_key": key,
                    "status": "Awaiting approval",
                    "hours": 30.5 + i,
                    "approvers": ["person-1a2b3c4d", "person-9f8e7d6c"],
                }
            )
        else:
            items.append({"kind": "issue", "issue_key": key, "blocked_by": f"CORE-{7 + i}", "hours": 12.25})
    if symptom == "cross_team_blocking":
        items.append({"kind": "team_pair", "blocked_team": team, "blocking_team": "CORE", "issues": 3})
    return items


def _rows(run_id: str, *, seed: int, team_suffix: str = "") -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    symptoms: list[dict[str, Any]] = []
    metrics: list[dict[str, Any]] = []
    for team in TEAMS:
        for symptom, (metric, watch, alert) in THRESHOLDS.items():
            level = rng.uniform(0.05, 0.6)
            history: list[float | None] = []
            for w in range(WEEKS):
                week = FIRST_WEEK + timedelta(weeks=w)
                score: float | None = min(1.0, max(0.0, level + rng.gauss(0, 0.12)))
                severity = _severity(score) if score is not None else "insufficient_data"
                confidence = round(rng.uniform(0.6, 1.0), 3)
                if w == 3 and team == "SEC":
                    score, severity = None, "insufficient_data"
                if week == LATEST_WEEK:
                    severity, score, confidence = LATEST.get((team, symptom), ("ok", 0.2, 0.9))
                before = [s for s in history[-4:] if s is not None]
                direction = None
                if score is not None and len(before) >= 2:
                    delta = score - sum(before) / len(before)
                    direction = "worsening" if delta >= 0.05 else "improving" if delta <= -0.05 else "stable"
                history.append(score)
                value = None if score is None else round(_score_to_value(score, watch, alert), 4)
                n = 3 if severity in ("alert", "watch") else 1
                symptoms.append(
                    {
                        "run_id": run_id,
                        "team": team + team_suffix,
                        "week_start": week,
                        "symptom": symptom,
                        "severity": severity,
                        "score": score,
                        "direction": direction,
                        "confidence": confidence,
                        "sample_size": 12,
                        "evidence": json.dumps(_evidence(team, symptom, week, n)),
                        "explain": json.dumps(
                            {
                                "thresholds": {metric: {"watch": watch, "alert": alert}},
                                "confidence_factors": {
                                    "history_complete_share": 1.0,
                                    "known_role_share": confidence,
                                    "team_mapped_share": 1.0,
                                },
                                "low_confidence": confidence < 0.5,
                                "open_visits": {"count": 1, "oldest_age_hours": 52.0},
                            }
                        ),
                    }
                )
                metrics.append(
                    {
                        "run_id": run_id,
                        "team": team + team_suffix,
                        "week_start": week,
                        "symptom": symptom,
                        "metric": metric,
                        "value": value,
                    }
                )
    dependencies: list[dict[str, Any]] = []
    for w in range(WEEKS):
        week = FIRST_WEEK + timedelta(weeks=w)
        for blocked in TEAMS:
            for blocking in rng.sample([*TEAMS, "LEGACY"], 3):
                if blocking != blocked:
                    dependencies.append(
                        {
                            "run_id": run_id,
                            "week_start": week,
                            "blocked_team": blocked + team_suffix,
                            "blocking_team": blocking,
                            "blocked_issues": rng.randint(1, 6),
                            "blocked_hours": round(rng.uniform(5, 300), 1),
                        }
                    )
    return {"symptom_rows": symptoms, "metric_rows": metrics, "dependency_rows": dependencies}


def _add_run(
    store: Store, run_id: str, *, trigger: str = "manual", at: datetime, seed: int = 1, team_suffix: str = ""
) -> None:
    store.start_run(
        run_id,
        trigger=trigger,
        as_of=at,
        weeks=WEEKS,
        timezone="Europe/Paris",
        fingerprint="f" * 16,
        now=at,
    )
    store.finish_run(
        run_id, **_rows(run_id, seed=seed, team_suffix=team_suffix), now=at + timedelta(minutes=3)
    )


AS_OF = datetime(2025, 7, 7, 1, 0, tzinfo=UTC)


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    _add_run(store, "run-scheduled", trigger="schedule", at=AS_OF)
    yield store
    store.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReportSummary, str]]:
    """One report of 12 teams × 26 weeks × 2 symptoms, written once for the module."""
    folder = tmp_path_factory.mktemp("report")
    store = Store.open(f"sqlite:///{folder}/x.db")
    _add_run(store, "run-scheduled", trigger="schedule", at=AS_OF)
    summary = write_report(store, folder / "report.html")
    store.close()
    return summary, summary.path.read_text("utf-8")


# -- which run ------------------------------------------------------------------------------------


def test_no_completed_run_is_an_analysis_error(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    store.start_run(
        "still-running", trigger="manual", as_of=AS_OF, weeks=1, timezone="UTC", fingerprint="x", now=AS_OF
    )
    with pytest.raises(
        AnalysisError, match=r"^no completed analysis run in the store: run `orgpulse analyze` first$"
    ):
        write_report(store, tmp_path / "r.html")
    with pytest.raises(AnalysisError, match="still-running is running, not completed"):
        write_report(store, tmp_path / "r.html", run_id="still-running")
    with pytest.raises(AnalysisError, match="no analysis run 'nope'"):
        write_report(store, tmp_path / "r.html", run_id="nope")
    assert not (tmp_path / "r.html").exists()
    store.close()


def test_latest_completed_run_by_default_and_run_id_chooses(filled: Store, tmp_path: Path) -> None:
    _add_run(filled, "run-manual", at=AS_OF + timedelta(hours=5), seed=2, team_suffix="-NEW")
    filled.start_run(  # a later run that never finished must not be shown
        "run-crashed", trigger="manual", as_of=AS_OF, weeks=1, timezone="UTC", fingerprint="x",
        now=AS_OF + timedelta(hours=9),
    )  # fmt: skip
    latest = write_report(filled, tmp_path / "latest.html")
    html = (tmp_path / "latest.html").read_text("utf-8")
    assert latest.run_id == "run-manual"
    assert "PAY-NEW" in html
    assert ">PAY<" not in html
    assert "trigger <b>manual</b>" in html
    # An on-demand run says which scheduled run BI views show instead.
    assert "latest scheduled run, run-scheduled" in html

    chosen = write_report(filled, tmp_path / "chosen.html", run_id="run-scheduled")
    html = (tmp_path / "chosen.html").read_text("utf-8")
    assert chosen.run_id == "run-scheduled"
    assert "PAY-NEW" not in html
    assert "trigger <b>schedule</b>" in html
    assert "latest scheduled run" not in html


def test_a_run_without_rows_still_gives_a_page(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    store.start_run(
        "empty", trigger="schedule", as_of=AS_OF, weeks=4, timezone="UTC", fingerprint="x", now=AS_OF
    )
    store.finish_run("empty", symptom_rows=[], metric_rows=[], dependency_rows=[], now=AS_OF)
    summary = write_report(store, tmp_path / "r.html")
    html = summary.path.read_text("utf-8")
    assert (summary.teams, summary.weeks, summary.charts) == (0, 0, 0)
    assert "This run holds no symptom rows." in html
    assert "No cross-team blocking was recorded in this run." in html
    with pytest.raises(OrgpulseError, match="cannot write the report to"):
        write_report(store, tmp_path / "missing-folder" / "r.html")
    store.close()


# -- what the page says ---------------------------------------------------------------------------


def test_summary_size_and_self_containment(report: tuple[ReportSummary, str]) -> None:
    summary, html = report
    assert (summary.teams, summary.weeks, summary.charts, summary.run_id) == (12, 26, 14, "run-scheduled")
    assert summary.bytes == summary.path.stat().st_size
    print(f"\nreport size: {summary.bytes / 1e6:.2f} MB for 12 teams × 26 weeks")
    assert summary.bytes < 5_000_000
    # Nothing to fetch: no external script, style, image or font in the markup around the scripts.
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"\s(src|href)=\"?(https?:)?//", markup)
    assert "<link" not in markup
    assert "@import" not in markup
    assert "url(" not in markup
    assert "vegaEmbed" in html


def test_header_states_run_time_zone_and_legend(report: tuple[ReportSummary, str]) -> None:
    _, html = report
    assert "Analysis run <b>run-scheduled</b>" in html
    assert "time zone <b>Europe/Paris</b>" in html
    assert "as of <b>2025-07-07 03:00 CEST</b>" in html  # as_of shown in the run's zone
    assert f"week of {LATEST_WEEK.isoformat()}" in html
    assert "How to read this" in html
    assert "3 alerts" in html
    assert "1 watch" in html


def test_alerts_table_sorted_by_team_alerts_with_direction_and_low_confidence(
    report: tuple[ReportSummary, str],
) -> None:
    _, html = report
    table = html.split('<div class="alerts">', 1)[1].split('<h2 id="blocking">', 1)[0]
    rows = re.findall(r'<details class="alert([^"]*)" data-team="([^"]+)" data-symptom="([^"]+)">', table)
    assert [(team, symptom) for _, team, symptom in rows] == [
        ("AUTH", "approval_bottleneck"),
        ("AUTH", "cross_team_blocking"),
        ("OPS", "cross_team_blocking"),
        ("WEB", "approval_bottleneck"),
    ]
    assert [css for css, _, _ in rows] == ["", "", " lowconf-row", ""]
    ops_row = table.split('data-team="OPS"', 1)[1].split("</summary>", 1)[0]
    assert "low confidence" in ops_row
    assert "Approval bottleneck" in table
    assert "Cross-team blocking" in table
    assert ">approval_bottleneck<" not in table
    assert re.search(r'class="arrow">[↗↘→·]</span> (worsening|improving|stable|no baseline yet)', table)


def test_evidence_shows_keys_metrics_thresholds_and_factors(report: tuple[ReportSummary, str]) -> None:
    _, html = report
    auth = html.split('data-team="AUTH" data-symptom="approval_bottleneck">', 1)[1].split("</details>", 1)[0]
    assert f'<code class="key">{ALERT_KEY}</code>' in auth
    assert "Awaiting approval" in auth
    assert "person-1a2b3c4d, person-9f8e7d6c" in auth  # pseudonyms as stored, as a set
    assert "Approval wait share" in auth
    assert "<td>0.15</td><td>0.25</td>" in auth
    assert "Known role share" in auth
    assert "Open visits" in auth
    assert "orgpulse explain approval_bottleneck --team AUTH --week 2025-06-30" in auth
    pair = html.split('data-team="AUTH" data-symptom="cross_team_blocking">', 1)[1].split("</details>", 1)[0]
    assert "Evidence: team pair" in pair
    assert "Blocking team" in pair


def test_teams_sorted_by_alert_count(report: tuple[ReportSummary, str]) -> None:
    _, html = report
    trends = html.split('id="trends"', 1)[1]
    order = re.findall(r'<div class="team-head" id="team-\d+">\s*<h3>([^<]+)</h3>', trends)
    assert len(order) == 12
    assert order[:3] == ["AUTH", "OPS", "WEB"]


def test_charts_are_vega_lite_specs_with_severity_and_heatmaps(report: tuple[ReportSummary, str]) -> None:
    _, html = report
    specs = json.loads(html.split('id="orgpulse-specs">', 1)[1].split("</script>", 1)[0])
    assert sorted(specs)[:2] == ["heatmap-latest", "heatmap-window"]
    trend = specs["trend-1"]
    assert "vega-lite" in trend["$schema"]
    rows = next(d for d in trend["datasets"].values() if "severity" in d[0])
    assert {r["severity"] for r in rows} >= {"ok", "alert"}
    assert len(rows) == 2 * WEEKS
    cells = next(d for d in specs["heatmap-latest"]["datasets"].values() if "blocking_team" in d[0])
    assert {"blocked_team", "blocking_team", "blocked_issues", "blocked_hours"} <= set(cells[0])
    assert "LEGACY" in {c["blocking_team"] for c in cells}


def test_stored_text_cannot_break_out_of_the_page(filled: Store, tmp_path: Path) -> None:
    hostile = '</script><script>alert("x")</script><b>'
    with filled.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE symptom_trends SET evidence = ? WHERE team = 'AUTH' AND symptom = 'approval_bottleneck'",
            (json.dumps([{"kind": "issue", "issue_key": "AUTH-1", "status": hostile}]),),
        )
        conn.exec_driver_sql(  # an unreadable explain is shown empty, never a crash
            "UPDATE symptom_trends SET explain = 'not json' WHERE team = 'OPS'"
        )
    write_report(filled, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text("utf-8")
    assert 'data-team="OPS"' in html
    assert hostile not in html
    assert html.count("<script") == html.count("</script>") == 3


# -- in a real browser ----------------------------------------------------------------------------


def _playwright() -> Any:
    if not CHROMIUM.exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    return pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def test_report_renders_offline_in_chromium(report: tuple[ReportSummary, str], tmp_path: Path) -> None:
    sync_api = _playwright()
    summary, _ = report
    url = summary.path.resolve().as_uri()
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            started = time.perf_counter()
            page.goto(url, wait_until="load")
            text_seconds = time.perf_counter() - started
            page.wait_for_function(
                "window.orgpulseCharts && window.orgpulseCharts.rendered + window.orgpulseCharts.failed"
                " === window.orgpulseCharts.total",
                timeout=10_000,
            )
            load_seconds = time.perf_counter() - started
            print(
                f"\nreport in chromium: text loaded in {text_seconds:.2f} s, all {summary.charts} charts "
                f"drawn in {load_seconds:.2f} s ({summary.bytes / 1e6:.2f} MB)"
            )

            charts = page.locator("[data-chart]")
            assert charts.count() == summary.charts == 14
            for i in range(charts.count()):
                assert charts.nth(i).locator("svg, canvas").count() >= 1, f"chart {i} is empty"
            assert page.evaluate("window.orgpulseCharts.failed") == 0

            key = page.locator(
                f'details[data-team="AUTH"][data-symptom="approval_bottleneck"] code.key:text("{ALERT_KEY}")'
            )
            assert not key.first.is_visible()
            page.locator('details[data-team="AUTH"][data-symptom="approval_bottleneck"] summary').click()
            assert key.first.is_visible()

            shot = (
                ROOT / "docs" / "report.png"
                if os.environ.get("ORGPULSE_SCREENSHOT") == "1"
                else tmp_path / "report.png"
            )
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
    # The page's Content-Security-Policy refuses any fetch; a refusal is a console error, caught here too.
    outside = [u for u in requests if not u.startswith(("file://", "data:", "blob:", "about:"))]
    assert outside == []
    assert errors == []
    assert load_seconds < 2.0
