"""The static HTML report: which run it shows, what a lead reads in it (every alert of the period,
metrics in their units, evidence linked to the tracker, what to check), in English and French.
The browser side (offline rendering, layout, print) is in test_report_browser.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from orgpulse.analysis.flow import CYCLE_POINTS
from orgpulse.errors import AnalysisError, ConfigError, OrgpulseError
from orgpulse.i18n import translator
from orgpulse.report import ReportSummary, write_report
from orgpulse.report.flow_charts import flow_datasets
from orgpulse.report.links import IssueLinks
from orgpulse.store import Store
from report_fixture import (
    ALERT_KEY,
    AS_OF,
    JIRA_SITE,
    LATEST_WEEK,
    LINEAR_TEAM,
    PEOPLE,
    STATUS,
    STATUSES,
    TEAMS,
    WEEKS,
    add_issues,
    add_run,
    count_rows,
    english_in,
    issue_key,
    linear_url,
)

Report = tuple[ReportSummary, str]


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    add_issues(store)
    add_run(store, "run-scheduled", trigger="schedule", at=AS_OF)
    yield store
    store.close()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("report")
    store = Store.open(f"sqlite:///{folder}/x.db")
    add_issues(store)
    add_run(store, "run-scheduled", trigger="schedule", at=AS_OF)
    yield store
    store.close()


@pytest.fixture(scope="module")
def report(stored: Store, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """One English report of 12 teams × 26 weeks × 8 symptoms, written once for the module."""
    summary = write_report(stored, tmp_path_factory.mktemp("en") / "report.html")
    return summary, summary.path.read_text("utf-8")


@pytest.fixture(scope="module")
def french(stored: Store, tmp_path_factory: pytest.TempPathFactory) -> Report:
    summary = write_report(stored, tmp_path_factory.mktemp("fr") / "rapport.html", language="fr")
    return summary, summary.path.read_text("utf-8")


def _row(html: str, team: str, week: str, symptom: str) -> str:
    """The summary line of one row of the alerts table."""
    marker = f'data-team="{team}" data-week="{week}" data-symptom="{symptom}"'
    return html.split(marker, 1)[1].split("</details>", 1)[0]


def _payload(html: str, name: str) -> Any:
    return json.loads(html.split(f'id="orgpulse-{name}">', 1)[1].split("</script>", 1)[0])


def _body(html: str, team: str, week: str, symptom: str) -> dict[str, Any]:
    """What one row shows when opened (its JSON body, issue URLs joined back)."""
    index = int(re.search(r'data-body="(\d+)"', _row(html, team, week, symptom)).group(1))  # type: ignore[union-attr]
    evidence = _payload(html, "evidence")

    def joined(value: Any) -> Any:
        if isinstance(value, int):
            return evidence["strings"][value]
        if isinstance(value, dict) and "p" in value:
            return {"k": value["k"], "u": evidence["prefixes"][value["p"]] + value["k"]}
        if isinstance(value, dict) and "k" in value:
            return value
        if isinstance(value, dict):
            return {k: joined(v) for k, v in value.items()}
        if isinstance(value, list):
            return [joined(v) for v in value]
        return value

    row = evidence["rows"][index]
    body: dict[str, Any] = {k: joined(v) if k in ("m", "e", "f", "x") else v for k, v in row.items()}
    body["check"] = evidence["checks"][symptom]
    return body


def _words(value: Any) -> list[str]:
    """Every string a reader sees in a body or a payload (issue URLs and commands aside)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [w for v in value for w in _words(v)]
    if isinstance(value, dict):
        return [
            w for k, v in value.items() if k not in ("u", "cmd", "s", "lv", "prefixes") for w in _words(v)
        ]
    return []


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
    add_run(filled, "run-manual", at=AS_OF + timedelta(hours=5), seed=2, team_suffix="-NEW")
    filled.start_run(  # a later run that never finished must not be shown
        "run-crashed", trigger="manual", as_of=AS_OF, weeks=1, timezone="UTC", fingerprint="x",
        now=AS_OF + timedelta(hours=9),
    )  # fmt: skip
    latest = write_report(filled, tmp_path / "latest.html")
    html = (tmp_path / "latest.html").read_text("utf-8")
    assert latest.run_id == "run-manual"
    assert "PAY-NEW" in html
    assert 'data-team="PAY"' not in html
    assert "trigger <b>on demand</b>" in html
    # An on-demand run says which scheduled run BI views show instead.
    assert "latest scheduled run, run-scheduled" in html

    chosen = write_report(filled, tmp_path / "chosen.html", run_id="run-scheduled")
    html = (tmp_path / "chosen.html").read_text("utf-8")
    assert chosen.run_id == "run-scheduled"
    assert "PAY-NEW" not in html
    assert "trigger <b>scheduled</b>" in html
    assert "latest scheduled run" not in html


def test_a_run_without_rows_still_gives_a_page(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    store.start_run(
        "empty", trigger="schedule", as_of=AS_OF, weeks=4, timezone="UTC", fingerprint="x", now=AS_OF
    )
    store.finish_run("empty", symptom_rows=[], metric_rows=[], dependency_rows=[], now=AS_OF)
    summary = write_report(store, tmp_path / "r.html")
    html = summary.path.read_text("utf-8")
    assert (summary.teams, summary.weeks, summary.charts, summary.alerts) == (0, 0, 0, 0)
    assert "This run holds no symptom rows." in html
    assert "No team has an alert or a watch over the period." in html
    assert "No cross-team blocking was recorded in this run." in html
    with pytest.raises(OrgpulseError, match="cannot write the report to"):
        write_report(store, tmp_path / "missing-folder" / "r.html")
    with pytest.raises(ConfigError, match="'de' is not one of en, fr"):
        write_report(store, tmp_path / "r.html", language="de")
    store.close()


# -- what the page says ---------------------------------------------------------------------------


def test_summary_size_and_self_containment(report: Report) -> None:
    summary, html = report
    assert (summary.teams, summary.weeks, summary.run_id) == (12, 26, "run-scheduled")
    assert summary.bytes == summary.path.stat().st_size
    print(f"\nreport size: {summary.bytes / 1e6:.2f} MB for 12 teams × 26 weeks × 8 symptoms")
    assert summary.bytes < 2_000_000
    # Nothing to fetch: no external script, style, image or font in the markup around the scripts.
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"\s(src)=\"?(https?:)?//", markup)
    assert "<link" not in markup
    assert "@import" not in markup
    assert "url(" not in markup
    assert "window.vega=" in html  # the Vega runtime, inlined
    # Vega alone (~0.58 MB), not vega-embed with the Vega-Lite compiler (~0.9 MB): a new vl-convert
    # release needs its Vega address in charts._VEGA_MODULES.
    assert "vegaEmbed" not in html


def test_header_states_run_time_zone_and_period(report: Report) -> None:
    _, html = report
    assert '<html lang="en">' in html
    assert "Analysis run <b>run-scheduled</b>" in html
    assert "time zone <b>Europe/Paris</b>" in html
    assert "as of <b>7 Jul 2025, 03:00 CEST</b>" in html  # as_of shown in the run's zone
    assert "26 weeks, 6 Jan 2025 – 30 Jun 2025" in html
    assert "How to read this report" in html


def test_every_alert_and_watch_of_the_period_is_in_the_table(stored: Store, report: Report) -> None:
    summary, html = report
    alerts, watches = (
        count_rows(stored, "run-scheduled", "alert"),
        count_rows(stored, "run-scheduled", "watch"),
    )
    assert alerts > 30  # the whole period, not the latest week's 3
    table = html.split('id="alerts-table"', 1)[1].split('<h2 id="blocking">', 1)[0]
    rows = re.findall(r'<details class="alert[^"]*" id="[^"]+" data-team="([^"]+)" data-week="([^"]+)" '
                      r'data-symptom="([^"]+)" data-severity="([^"]+)"', table)  # fmt: skip
    assert [r[3] for r in rows].count("alert") == alerts == summary.alerts
    assert [r[3] for r in rows].count("watch") == watches == summary.watches
    assert len(set(rows)) == len(rows)
    # Alerts first, the latest week first; the latest week's alerts of AUTH and OPS lead.
    severities = [r[3] for r in rows]
    assert severities == sorted(severities)  # "alert" < "watch"
    assert [r[1] for r in rows[:alerts]] == sorted((r[1] for r in rows[:alerts]), reverse=True)
    assert rows[0][:3] == ("AUTH", LATEST_WEEK.isoformat(), "approval_bottleneck")
    assert f"<b>{alerts}</b><span>alerts over the period</span>" in html
    # The filters offer every team and symptom present.
    assert all(f'<option value="{team}">' in html for team in TEAMS)
    assert '<option value="scattered_focus">Scattered focus</option>' in html


def test_metrics_in_their_units_against_thresholds_and_what_to_check(report: Report) -> None:
    _, html = report
    week = LATEST_WEEK.isoformat()
    # score 0.92 on a 0.15 / 0.25 scale is a 32 % share of lead time in approval.
    assert "<span>32% (alert at 25%)</span>" in _row(html, "AUTH", week, "approval_bottleneck")
    auth = _body(html, "AUTH", week, "approval_bottleneck")
    assert auth["m"][0] == ["Share of lead time in approval", "32%", "15%", "25%"]
    assert auth["m"][1] == ["Wait per approval visit, median", "3.2 h", "—", "—"]
    assert auth["lv"][:2] == ["alert", ""]
    assert "Is the approval status a real decision gate" in auth["check"]
    assert "open three of the evidence issues in the tracker" in auth["check"]
    words = " ".join(_words(auth))
    assert "Known role share" not in words  # named in words, not humanised ids
    assert "share of time in statuses with a known role" in words
    assert "issues completed in W (team at completion)" in words
    assert auth["e"][0] == {"g": ["approvers", ["people", "outside the team"], [[PEOPLE, PEOPLE[:1]]]]}
    assert auth["n"] == [20, 21]  # 20 of 21 items shown
    assert auth["cmd"] == "orgpulse explain approval_bottleneck --team AUTH --week 2025-06-30"
    pair = _body(html, "AUTH", week, "cross_team_blocking")
    assert pair["e"][0]["g"][:2] == ["blocked issue", ["issue", "hours", "blocked by"]]
    assert pair["e"][0]["g"][2][0][2] == [{"k": "CORE-107", "u": f"{JIRA_SITE}/browse/CORE-107"}]
    watch = _body(html, "WEB", week, "approval_bottleneck")
    assert watch["n"] == [4, 21]  # a watch shows fewer items


def test_issue_keys_link_to_the_tracker(report: Report) -> None:
    _, html = report
    auth = _body(html, "AUTH", LATEST_WEEK.isoformat(), "approval_bottleneck")
    visits = auth["e"][1]["g"]
    assert visits[0] == "visit"
    assert visits[2][0][0] == {"k": ALERT_KEY, "u": f"{JIRA_SITE}/browse/{ALERT_KEY}"}
    assert visits[2][0][1] == STATUS
    growth = re.search(rf'data-team="{LINEAR_TEAM}" data-week="([^"]+)" data-symptom="([^"]+)"', html)
    assert growth is not None
    body = _body(html, LINEAR_TEAM, growth.group(1), growth.group(2))
    key = issue_key(LINEAR_TEAM, 0)
    assert {"k": key, "u": linear_url(key)} in [cell for g in body["e"] for row in g["g"][2] for cell in row]


def test_an_ambiguous_or_unknown_key_gets_no_link() -> None:
    links = IssueLinks(
        {
            "PAY-1": {"cloud": "https://a.example/browse/PAY-1", "dc": "https://b.example/browse/PAY-1"},
            "ENG-2": {"linear": None},
        }
    )
    assert links.url("PAY-1", "dc/PAY") == "https://b.example/browse/PAY-1"
    assert links.url("PAY-1", "PAY") is None  # two trackers hold it: no guess
    assert links.url("ENG-2", "ENG") is None  # the one source holding it kept no URL: no wrong link
    assert links.url("NOPE-3", "PAY") is None


def test_teams_sorted_by_alerts_over_the_period(report: Report) -> None:
    _, html = report
    teams = html.split('id="teams"', 1)[1]
    order = re.findall(r'<section class="team-section" id="team-\d+" data-team="([^"]+)">', teams)
    assert sorted(order) == sorted(TEAMS)
    counts = [int(n) for n in re.findall(r'<span class="sev alert">(\d+) alerts?</span>', teams)]
    assert counts == sorted(counts, reverse=True)


def test_trend_charts_plot_metrics_in_units_with_threshold_lines(report: Report) -> None:
    _, html = report
    payload = json.loads(html.split('id="orgpulse-specs">', 1)[1].split("</script>", 1)[0])
    specs = payload["charts"]
    assert {"heatmap-latest", "heatmap-window"} <= set(specs)
    template = payload["templates"]["trend"]
    # Compiled to Vega when written: the page draws it with no Vega-Lite compiler. The team's rows
    # fill a named source left empty, and each panel (a facet cell) has its own y scale.
    assert "/schema/vega/" in template["$schema"]
    assert {"name": "rows"} in template["data"]
    (cell,) = [m for m in template["marks"] if "facet" in m.get("from", {})]
    assert cell["from"]["facet"]["groupby"] == ["h"]
    assert [s["name"] for s in cell["scales"]] == ["child_y"]
    data = specs["trend-1"]["datasets"]["rows"]
    records = [
        {
            c: (data["lookup"][c][v] if c in data["lookup"] else v)
            for c, v in zip(data["columns"], row, strict=True)
        }
        for row in data["rows"]
    ]
    assert len(records) == 8 * WEEKS
    approval = [r for r in records if r["h"].startswith("Approval bottleneck|")]
    assert approval[0]["h"] == "Approval bottleneck|Share of lead time in approval (%)"
    assert {(r["wa"], r["al"]) for r in approval} == {(15.0, 25.0)}  # thresholds in per cent
    assert all(r["l"].endswith("%") for r in approval if r["v"] is not None)
    data = specs["heatmap-latest"]["data"]
    cells = next(d["values"] for d in data if "blocking_team" in d.get("values", [{}])[0])
    assert "LEGACY" in {c["blocking_team"] for c in cells}


def test_stored_text_cannot_break_out_of_the_page(filled: Store, tmp_path: Path) -> None:
    hostile = '</script><script>alert("x")</script><b>'
    with filled.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE symptom_trends SET evidence = ? WHERE team = 'AUTH' AND symptom = 'approval_bottleneck'",
            (json.dumps([{"kind": "visit", "issue": "AUTH-1", "status": hostile}]),),
        )
        conn.exec_driver_sql(  # an unreadable explain is shown empty, never a crash
            "UPDATE symptom_trends SET explain = 'not json' WHERE team = 'OPS'"
        )
    write_report(filled, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text("utf-8")
    assert 'data-team="OPS"' in html
    assert hostile not in html
    assert html.count("<script") == html.count("</script>") == 5
    # The hostile status is data in the evidence JSON, which the page sets as text.
    body = _body(html, "AUTH", LATEST_WEEK.isoformat(), "approval_bottleneck")
    assert body["e"][0]["g"][2][0][1] == hostile


# -- in French ------------------------------------------------------------------------------------


def test_french_report_speaks_french(french: Report) -> None:
    summary, html = french
    assert summary.language == "fr"
    assert '<html lang="fr">' in html
    assert "au <b>7 juil. 2025, 03:00 CEST</b>" in html
    assert "Comment lire ce rapport" in html
    assert "alertes sur la période" in html
    week = LATEST_WEEK.isoformat()
    nbsp = "\u00a0"  # French puts a no-break space before %
    assert f"<span>32{nbsp}% (alerte à 25{nbsp}%)</span>" in _row(html, "AUTH", week, "approval_bottleneck")
    auth = _body(html, "AUTH", week, "approval_bottleneck")
    assert auth["m"][1] == ["Attente par passage en approbation, médiane", "3,2 h", "—", "—"]
    assert "La porte de décision" not in auth["check"]
    assert "Le statut d'approbation est-il une vraie porte de décision" in auth["check"]
    assert "tickets terminés en S (équipe à l'achèvement)" in _words(auth)
    assert _payload(html, "evidence")["labels"]["check"] == "Ce qu'il faut vérifier avant d'agir"


def test_no_english_is_left_in_the_french_report(french: Report) -> None:
    """Every word a reader sees — the page, the bodies of the alerts, the charts' words — is French,
    apart from what the tracker and the data name: team names, issue keys, status names,
    pseudonyms, commands. (The browser test checks the rendered page too.)"""
    _, html = french
    page = re.sub(r"<script.*?</script>|<style.*?</style>|<code>.*?</code>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", page)
    specs = _payload(html, "specs")
    chart_words: list[str] = []

    def strings(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                strings(v, k)
        elif isinstance(value, list):
            for v in value:
                strings(v, key)
        elif isinstance(value, str) and key in (
            "title",
            "h",
            "l",
            "sl",
            "d",
            "wl",
            "text",
            "c",
            "il",
            "iv",
            "io",
            "s",
        ):
            chart_words.append(value)
        elif isinstance(value, str) and key == "labelExpr":  # the words quoted in an expression
            chart_words.extend(re.findall(r"'([^']*)'", value))

    strings(specs)
    allowed = {
        *TEAMS,
        "LEGACY",
        *" ".join(STATUSES).split(),
        "person",
        "acme",
        "orgpulse",
        "run",
        "scheduled",
    }  # run id
    assert english_in(text, allowed) == set()
    assert english_in(" ".join(chart_words), allowed) == set()
    assert english_in(" ".join(_words(_payload(html, "evidence"))), allowed) == set()


def test_the_english_check_would_catch_english(report: Report) -> None:
    _, html = report
    text = re.sub(r"<[^>]+>", " ", html.split("<main>", 1)[1])
    assert {"alerts", "period", "evidence"} <= english_in(text, set())
    assert {"check", "acting"} <= english_in(" ".join(_words(_payload(html, "evidence"))), set())


# -- the diagnosis, the grid, the flow ------------------------------------------------------------


def _weak_levers(stored: Store) -> dict[str, list[str]]:
    with stored.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT lever, team FROM diagnosis_trends WHERE state = 'weak' AND week_start = ?", (LATEST_WEEK,)
        ).all()
    found: dict[str, list[str]] = {}
    for lever, team in rows:
        found.setdefault(lever, []).append(team)
    return found


def test_the_verdict_and_the_weak_levers_come_first(stored: Store, report: Report) -> None:
    _, html = report
    weak = _weak_levers(stored)
    assert weak  # the fixture's latest week has weak levers (AUTH, OPS)
    top = html.split('<section id="verdict"', 1)[1].split("</section>", 1)[0]
    assert html.index('id="verdict"') < html.index('id="grid"') < html.index('id="alerts"')
    assert "The foundations hold" in top  # 2 of 12 teams is under a quarter
    assert f'<div class="figure alert" id="weak-levers"><b>{len(weak)}</b>' in top
    assert re.search(r'id="period-weak-levers"><b>[1-6] / 6</b>', top)
    assert "weak levers in the week of 30 Jun 2025" in top
    # Each weak team links to the alert row that makes the lever weak.
    for team in weak["dependencies"]:
        assert f'<a href="#f-{team}-{LATEST_WEEK.isoformat()}-cross_team_blocking">{team}</a>' in top
    assert "reduce dependencies so teams move in parallel" in top


def test_the_grid_shows_every_team_lever_and_week(report: Report) -> None:
    _, html = report
    grid = html.split('<table class="grid">', 1)[1].split("</table>", 1)[0]
    squares = re.findall(r"<(?:i|a) class=(weak|at_risk|sound|unknown|none)[ >]", grid)
    assert len(squares) == len(TEAMS) * 6 * WEEKS
    links = re.findall(r'<a class=(?:weak|at_risk) href="#([^"]+)"', grid)
    assert links
    assert all(f'id="{anchor}"' in html for anchor in links)  # every weak week opens its evidence


def test_each_team_has_its_flow_and_interventions(report: Report) -> None:
    _, html = report
    payload = _payload(html, "specs")
    assert "flow" in payload["templates"]
    flows = [k for k, v in payload["charts"].items() if v.get("template") == "flow"]
    assert len(flows) == len(TEAMS)
    auth = html.split('data-team="AUTH">', 1)[1].split("</section>", 1)[0]
    assert "completed issues spent the largest share of their cycle time in “" in auth
    assert 'class="intervention"' in auth
    assert "14 Apr 2025: Decision rights" in auth
    assert '<td>31%</td><td>12%</td><td>0.004</td><td class="outcome-improved">improved</td>' in auth
    data = payload["charts"][re.search(r'id="(flow-\d+)"', auth).group(1)]["datasets"]  # type: ignore[union-attr]
    assert data["iv"]["rows"][0][0] == "2025-04-14"  # the marker sits on the intervention's week
    shares = data["st"]["rows"]
    assert [r[0] for r in shares][-1] == "other statuses"  # the six largest statuses, then the rest
    assert len(shares) == 7
    assert sum(r[2] for r in shares) == pytest.approx(100, abs=0.5)
    # The cycle-time scatter: each completed issue of the team's weeks, by key.
    points = data["ct"]
    assert points["columns"] == ["w", "h", "k", "u"]
    assert len(points["rows"]) == CYCLE_POINTS * WEEKS
    assert all(k.startswith("AUTH-") and h > 0 for _, h, k, _ in points["rows"])
    assert len(points["lookup"]["w"]) == WEEKS
    # A dot of an issue the store holds opens it: Jira's URLs share their "<site>/browse/" prefix.
    assert points["lookup"]["u"] == ["https://acme.atlassian.net/browse/", ""]
    linked = [k for _, _, k, u in points["rows"] if points["lookup"]["u"][u]]
    assert len(linked) == WEEKS
    flow_spec = json.dumps(payload["templates"]["flow"])
    assert '\\"href\\"' in flow_spec or '"href"' in flow_spec
    # The symptom panel of the metric the intervention was measured on carries it too.
    trend = payload["charts"][re.search(r'id="(trend-\d+)"', auth).group(1)]["datasets"]["rows"]  # type: ignore[union-attr]
    records = [
        {
            c: (trend["lookup"][c][v] if c in trend["lookup"] else v)
            for c, v in zip(trend["columns"], row, strict=True)
        }
        for row in trend["rows"]
    ]
    marked = [(r["h"].split("|")[0], r["w"], r["iv"], r["io"]) for r in records if r.get("iv")]
    assert marked == [
        (
            "Approval bottleneck",
            "2025-04-14",
            "14 Apr 2025: Decision rights",
            "31% → 12%: improved (p = 0.004)",
        )
    ]


def test_an_intervention_before_the_weeks_shown_has_no_marker_but_keeps_its_outcome() -> None:
    weeks = [date(2025, 3, 3), date(2025, 3, 10)]
    flow = pd.DataFrame(
        {"team": ["AUTH"], "week_start": [weeks[0]], "metric": ["throughput"], "value": [4.0]}
    )
    spent = pd.DataFrame(columns=["team", "week_start", "status", "hours", "share"])
    cycle = pd.DataFrame(columns=["team", "week_start", "issue", "cycle_hours"])
    effects = pd.DataFrame(
        {
            "intervention": ["2025-01-06 decision_rights AUTH", "2025-03-12 dependencies AUTH"],
            "team": ["AUTH", "AUTH"],
            "metric": ["approval_wait_share", "cross_team_blocked_share"],
            "before": [0.3, 0.2],
            "after": [0.1, 0.2],
            "p_value": [0.01, 0.9],
            "outcome": ["improved", "no_clear_change"],
        }
    )
    found = flow_datasets(translator("en"), "AUTH", flow, spent, effects, {}, weeks, cycle)
    assert found is not None
    data, view = found
    assert data["iv"]["rows"] == [
        [
            "2025-03-10",
            "12 Mar 2025: Dependencies",
            "In-progress issues blocked by another team: no clear change",
        ]
    ]
    assert [i.label for i in view.interventions] == [
        "6 Jan 2025: Decision rights",
        "12 Mar 2025: Dependencies",
    ]
