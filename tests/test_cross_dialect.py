"""One organisation, every dialect: synced through Jira Cloud, Jira Data Center and Linear into one
store each, it gives the same canonical counts -- but for what a dialect forces -- and, analysed,
the same findings (team, week, symptom, severity).

What Linear forces, each counted from the organisation itself and checked exactly:
* epics are Linear projects, not issues: fewer issues, and no status changes of epics;
* changes made in the first 3 minutes of an issue are part of its creation, not history;
* a team move changes the state even between two workflows sharing "Backlog" (states are per
  team), where Jira records no status change;
* there is no Flagged field: no flag changes (so `blocked_hours_p50` counts no flagged time);
* team memberships are declared (`roster_size`, and the roster replaces inferred members).
The last three move a few metrics (`DIALECT_METRICS`), never a finding. The Data Center dialect,
when present, must match Cloud exactly.
"""

from __future__ import annotations

import importlib.util
import math
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import shared_path
from orgpulse.analysis.result import Finding
from orgpulse.analyze import run_analyze
from orgpulse.config import PrivacySettings, ScheduleSettings, Secret, Settings, SourceSettings, StoreSettings
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_LINEAR_KEY
from orgpulse.sandbox.linear.history import CREATION_WINDOW_MS
from orgpulse.sandbox.org.model import Org
from orgpulse.sandbox.org.site import EPIC
from orgpulse.sandbox.server import DIALECTS
from orgpulse.store import Store
from orgpulse.store import schema as t
from orgpulse.sync import run_sync

ANCHOR = date(2026, 11, 20)
SOURCE = "sandbox"
COUNTS = ("issues", "status_changes", "assignee_changes", "links")
# Metrics a dialect moves without moving a finding: flagged time (Jira only), declared rosters (Linear)
# and the distinct states a moved issue visits (Linear: its old team's backlog and its new team's).
DIALECT_METRICS = {
    "statuses_per_issue_p50",
    "roster_size",
    "active_people",
    "external_approver_share",
    "blocked_hours_p50",
    "open_blocked_issues",
    "open_blocked_oldest_hours",
}
HAVE_DC = (
    "jira_dc" in DIALECTS and importlib.util.find_spec("orgpulse.connectors.jira.datacenter") is not None
)


def source_for(dialect: str, url: str, org: Org) -> SourceSettings:
    if dialect == "linear":
        teams = tuple(team.key for team in org.teams)
        return SourceSettings(
            SOURCE, "linear", f"{url}/graphql", "bearer", Secret(SANDBOX_LINEAR_KEY), teams=teams
        )
    if dialect == "jira_dc":
        from orgpulse.sandbox.credentials import SANDBOX_USERNAME

        return SourceSettings(
            SOURCE, "jira_dc", url, "basic", Secret(SANDBOX_TOKEN), Secret(SANDBOX_USERNAME)
        )
    return SourceSettings(SOURCE, "jira_cloud", url, "basic", Secret(SANDBOX_TOKEN), Secret(SANDBOX_EMAIL))


class Outcome:
    def __init__(self, totals: dict[str, int], tables: dict[str, int], findings: list[Finding]) -> None:
        self.totals = {k: totals[k] for k in COUNTS}
        self.tables = tables
        self.findings = {(f.team, f.week_start, f.symptom): f for f in findings}

    def rows(self) -> set[tuple[Any, ...]]:
        """(team, week, symptom, severity) of every finding."""
        return {(*key, f.severity.value) for key, f in self.findings.items()}


def sync_and_analyse(dialect: str, org: Org, folder: Path) -> Outcome:
    folder.mkdir()
    with SandboxServer(org, dialect=dialect) as server:
        settings = Settings(
            path=None,
            store=StoreSettings(url=f"sqlite:///{(folder / 'orgpulse.db').resolve()}"),
            sources=(source_for(dialect, server.url, org),),
            schedule=ScheduleSettings(),
            privacy=PrivacySettings(),
            analysis={"timezone": "UTC"},
        )
        store = Store.open(settings.store.url)
        (report,) = run_sync(settings, store, full=True)
    assert report.error is None, f"{dialect}: {report.error}"
    with store.engine.connect() as conn:
        tables = {
            table.name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for table in (t.team_changes, t.flag_changes)
        }
    as_of = datetime.combine(ANCHOR + timedelta(days=1), time(), tzinfo=UTC)
    result = run_analyze(settings, store, as_of=as_of, weeks=20, save=False).result
    outcome = Outcome(store.source_totals(SOURCE), tables, result.findings)
    store.close()
    return outcome


def items(org: Org, kind: str, *, epics: bool | None = None, early: bool = False) -> int:
    """Skeleton items of `kind` (of epics only / of issues only / of all; within 3 minutes of creation)."""
    found = 0
    for issue in org.issues:
        if epics is not None and (issue.type_id == EPIC.type_id) != epics:
            continue
        for at, _, events in issue.events:
            if early and at - issue.created >= CREATION_WINDOW_MS:
                continue
            found += sum(1 for k, _, _ in events if k == kind)
    return found


def silent_moves(org: Org) -> int:
    """Moves between two workflows with the same backlog: no Jira status item, a Linear state change."""
    return sum(
        1
        for issue in org.issues
        for _, _, events in issue.events
        if any(k == "move" for k, _, _ in events) and not any(k == "status" for k, _, _ in events)
    )


def same_metrics(a: Finding, b: Finding) -> list[str]:
    differ = []
    for name, value in a.metrics.items():
        other = b.metrics.get(name)
        equal = value == other or (
            isinstance(value, float)
            and isinstance(other, float)
            and (
                math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9)
                or (math.isnan(value) and math.isnan(other))
            )
        )
        if not equal and name not in DIALECT_METRICS:
            differ.append(name)
    return differ


@pytest.mark.slow
def test_every_dialect_gives_the_same_counts_and_findings(tmp_path: Path) -> None:
    shared_path("api", "linear", "schema.graphql")
    org = generate_org(seed=7, issues=1500, anchor=ANCHOR, weeks=26)
    truth = truth_of(org)["totals"]
    dialects = ["jira_cloud", "linear"] + (["jira_dc"] if HAVE_DC else [])
    outcomes = {d: sync_and_analyse(d, org, tmp_path / d) for d in dialects}
    cloud, linear = outcomes["jira_cloud"], outcomes["linear"]

    assert cloud.totals == truth["jira_cloud"]
    assert linear.totals == truth["linear"]
    epics = sum(1 for issue in org.issues if issue.type_id == EPIC.type_id)
    explained = {
        "issues": cloud.totals["issues"] - epics,
        "status_changes": cloud.totals["status_changes"]
        - items(org, "status", epics=True)
        - items(org, "status", epics=False, early=True)
        + silent_moves(org),
        "assignee_changes": cloud.totals["assignee_changes"]
        - items(org, "assignee", epics=False, early=True),
        "links": cloud.totals["links"],
    }
    assert linear.totals == explained
    assert linear.tables["team_changes"] == cloud.tables["team_changes"] == items(org, "move")
    assert cloud.tables["flag_changes"] == items(org, "flag") > 0
    assert linear.tables["flag_changes"] == 0

    assert cloud.rows(), "the organisation should show symptoms"
    assert any(key[3] == "alert" for key in cloud.rows())
    for dialect, outcome in outcomes.items():
        assert outcome.rows() == cloud.rows(), dialect
        for key, finding in outcome.findings.items():
            assert same_metrics(cloud.findings[key], finding) == [], (dialect, key)
    if HAVE_DC:
        assert outcomes["jira_dc"].totals == cloud.totals
