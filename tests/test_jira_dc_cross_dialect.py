"""One organisation, two dialects: synced through Jira Cloud and through Jira Data Center into two
stores, it must hold the same canonical counts and give the same findings.

The dialects differ in every way the real services do (token vs offset paging, capped newest-first
embeds completed in bulk vs whole oldest-first histories, account ids vs user keys, accountType vs
service-account names, `parent` vs Epic Link keys, Sprint objects vs legacy strings); the
canonical model and the analysis must not see the difference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from orgpulse.analyze import run_analyze
from orgpulse.config import PrivacySettings, ScheduleSettings, Secret, Settings, SourceSettings, StoreSettings
from orgpulse.demo import DEMO_SOURCE, demo_settings
from orgpulse.sandbox import SANDBOX_TOKEN, SandboxServer, generate_org, truth_of
from orgpulse.sandbox.credentials import SANDBOX_USERNAME
from orgpulse.store import Store
from orgpulse.sync import run_sync

ANCHOR = date(2026, 11, 20)
DC_SOURCE = "sandbox-dc"
COUNTS = ("issues", "status_changes", "assignee_changes", "links")


def dc_settings(url: str, folder: Path) -> Settings:
    """The demo's configuration with the Data Center source in place of the Cloud one (basic auth)."""
    source = SourceSettings(
        name=DC_SOURCE,
        kind="jira_dc",
        url=url,
        auth="basic",
        user=Secret(SANDBOX_USERNAME),
        token=Secret(SANDBOX_TOKEN),
    )
    return Settings(
        path=None,
        store=StoreSettings(url=f"sqlite:///{(folder / 'orgpulse.db').resolve()}"),
        sources=(source,),
        schedule=ScheduleSettings(),
        privacy=PrivacySettings(),
        analysis={"timezone": "UTC"},
    )


def sync_and_analyse(
    dialect: str, org: Any, folder: Path
) -> tuple[dict[str, int], set[tuple[Any, ...]], int]:
    folder.mkdir()
    with SandboxServer(org, dialect=dialect) as server:
        if dialect == "jira_dc":
            settings, name = dc_settings(server.url, folder), DC_SOURCE
        else:
            settings, name = demo_settings(server.url, folder), DEMO_SOURCE
        store = Store.open(settings.store.url)
        (report,) = run_sync(settings, store, full=True)
    assert report.error is None, report.error
    totals = store.source_totals(name)
    as_of = datetime.combine(ANCHOR + timedelta(days=1), time(), tzinfo=UTC)
    result = run_analyze(settings, store, as_of=as_of, weeks=20, save=False).result
    findings = {(f.team, f.week_start, f.symptom, f.severity.value) for f in result.findings}
    return totals, findings, report.requests


@pytest.mark.slow
def test_cloud_and_data_center_give_the_same_counts_and_findings(tmp_path: Path) -> None:
    org = generate_org(seed=7, issues=1200, anchor=ANCHOR, weeks=26)
    truth = truth_of(org)["totals"]
    cloud_totals, cloud_findings, _ = sync_and_analyse("jira_cloud", org, tmp_path / "cloud")
    dc_totals, dc_findings, dc_requests = sync_and_analyse("jira_dc", org, tmp_path / "dc")
    assert {k: dc_totals[k] for k in COUNTS} == {k: cloud_totals[k] for k in COUNTS} == truth["jira_dc"]
    assert truth["jira_dc"] == truth["jira_cloud"]
    assert cloud_findings, "the organisation should show some symptoms"
    assert any(severity == "alert" for *_, severity in cloud_findings)
    assert dc_findings == cloud_findings
    assert dc_requests <= 0.03 * truth["jira_dc"]["issues"] + 12
