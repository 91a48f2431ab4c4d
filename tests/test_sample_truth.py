"""Every finding's sample_size equals the sample the sandbox's truth counts from its own records.

The truth (`truth_of(org)["samples"]`, org/samples.py) counts, per team and week, the issues
completed, created and in progress, and the active people with the issues they touched, from the
generator's records, applying SYMPTOMS.md's rules for
retired statuses and bulk cleanups — never with the analysis code. Synced from each dialect, the
analysis must find exactly those samples, the weeks of the traps included.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from orgpulse.analyze import run_analyze
from orgpulse.demo import demo_settings, demo_source
from orgpulse.sandbox import SandboxServer, generate_org, truth_of
from orgpulse.store import Store
from orgpulse.sync import run_sync

ANCHOR = date(2026, 11, 20)
AS_OF = datetime.combine(ANCHOR + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
SAMPLE_OF = {
    "rigid_workflow": "completed",
    "diluted_ownership": "completed",
    "goal_disconnect": "created",
    "cross_team_blocking": "in_progress",
    "oversized_team": "touched",
}


@pytest.fixture(scope="module")
def org_truth() -> tuple[Any, dict[str, Any]]:
    org = generate_org(seed=7, issues=2000, anchor=ANCHOR, weeks=26)
    return org, truth_of(org)


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["jira_cloud", "jira_dc", "linear"])
def test_sample_sizes_equal_the_truths_own_counts(
    dialect: str, org_truth: tuple[Any, dict[str, Any]], tmp_path: Path
) -> None:
    org, truth = org_truth
    traps = org.traps
    trap_weeks = {org.calendar.week_mondays[w] for w in (traps.cleanup_week, traps.release_week)}
    expected = {(s["team"], s["week_start"]): s for s in truth["samples"][dialect]}
    with SandboxServer(org, dialect=dialect) as server:
        settings = demo_settings(server.url, tmp_path, sources=[demo_source(dialect, server.url)])
        store = Store.open(settings.store.url)
        (report,) = run_sync(settings, store, full=True)
    assert report.error is None
    run = run_analyze(settings, store, as_of=AS_OF, weeks=21, save=False)
    checked: set[str] = set()
    wrong = []
    for f in run.result.findings:
        kind = SAMPLE_OF.get(f.symptom)
        if kind is None:
            continue
        row = expected.get((f.team, f.week_start.isoformat()), {})
        if f.sample_size != row.get(kind, 0):
            wrong.append((f.team, f.week_start.isoformat(), f.symptom, f.sample_size, row.get(kind, 0)))
        if f.symptom == "oversized_team" and f.metrics["active_people"] != row.get("active_people", 0):
            people = (f.metrics["active_people"], row.get("active_people", 0))
            wrong.append((f.team, f.week_start.isoformat(), "active_people", *people))
        checked.add(f.week_start.isoformat())
    assert wrong == [], "\n".join(map(str, wrong))
    # The traps' weeks are among those checked (Mondays in the site's zone are those in UTC here).
    assert {d.isoformat() for d in trap_weeks} <= checked
