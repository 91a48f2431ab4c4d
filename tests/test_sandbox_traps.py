"""The sandbox's traps of real trackers (org/traps.py), read through the whole pipeline.

A workflow migration retired the first control team's done status ("Resolved", no longer in
/status; completions entered it with the resolution set); stale backlog tickets of the control
teams are closed in bulk by an automation account; a release bot closes recent work in bulk; a few
issues are reopened and done again. Synced from the Jira Cloud dialect, the analysis must place
each completion where SYMPTOMS.md says, and `doctor` must list the retired status.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from orgpulse.analysis.derived import BULK, CATALOGUE, FACTS, SPECS
from orgpulse.analysis.inputs import Context, build_inputs
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.analysis.weeks import NAT, build_week_grid, timestamp_ns
from orgpulse.demo import demo_settings
from orgpulse.doctor import run_doctor
from orgpulse.sandbox import SandboxServer, generate_org
from orgpulse.sandbox.org.model import Issue, Org
from orgpulse.sandbox.org.site import RETIRED_DONE
from orgpulse.store import Store
from orgpulse.store.frames import load_frames
from orgpulse.sync import run_sync

ANCHOR = date(2026, 11, 20)
AS_OF = datetime.combine(ANCHOR + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


@dataclass
class Read:
    org: Org
    store: Store
    facts: pd.DataFrame
    bulk: pd.DataFrame
    code: dict[str, int]  # issue key -> catalogue code


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Read]:
    org = generate_org(seed=7, issues=2000, anchor=ANCHOR, weeks=26)
    folder = tmp_path_factory.mktemp("traps")
    with SandboxServer(org, dialect="jira_cloud") as server:
        settings = demo_settings(server.url, Path(folder))
        store = Store.open(settings.store.url)
        (report,) = run_sync(settings, store, full=True)
        assert report.error is None
        analysis = AnalysisSettings()
        frames = load_frames(store, as_of=AS_OF)
        grid = build_week_grid(AS_OF, "UTC", 21)
        context = Context(frames=frames, settings=analysis, as_of=timestamp_ns(AS_OF), grid=grid)
        inputs = build_inputs(context, [CATALOGUE, FACTS, BULK], SPECS)
        cat = inputs[CATALOGUE]
        code = {str(k): n for n, k in enumerate(cat.issues.frame["key"])}
        yield Read(org, store, inputs[FACTS], inputs[BULK], code)


def at_ms(read: Read, issue: Issue, column: str) -> int | None:
    value = int(read.facts[column].iloc[read.code[issue.key]])
    return None if value == NAT else value // 1_000_000


def test_every_trap_is_laid_in_the_default_organisation(read: Read) -> None:
    traps = read.org.traps
    assert traps.migrated_team in read.org.control_teams
    assert len(traps.retired_entries) >= 20
    assert len(traps.cleaned_up) >= 20
    assert len(traps.released) >= 20
    assert traps.reopened


def test_completions_into_the_retired_status_are_placed_at_their_entry(read: Read) -> None:
    for issue in read.org.traps.retired_entries:
        entries = [
            at for at, _, items in issue.events for k, _, b in items if k == "status" and b == RETIRED_DONE
        ]
        if issue.fate == "done" and issue.done_ms in entries:
            assert at_ms(read, issue, "completed") == issue.done_ms, issue.key


def test_stale_tickets_closed_in_bulk_are_canceled_and_a_release_counts(read: Read) -> None:
    for issue in read.org.traps.cleaned_up:
        assert at_ms(read, issue, "completed") is None, issue.key
        assert at_ms(read, issue, "canceled_at") == issue.done_ms
    for issue in read.org.traps.released:
        assert at_ms(read, issue, "completed") == issue.done_ms, issue.key
    outcomes = read.bulk.groupby("outcome").size().to_dict()
    assert outcomes.get("cleaned_up", 0) == len(read.org.traps.cleaned_up)
    assert outcomes.get("completed", 0) >= len(read.org.traps.released)


def test_a_reopened_issue_completes_when_it_is_done_again(read: Read) -> None:
    for issue in read.org.traps.reopened:
        assert at_ms(read, issue, "completed") == issue.done_ms


def test_doctor_lists_the_retired_status_with_its_decided_category(read: Read, tmp_path: Path) -> None:
    with SandboxServer(read.org, dialect="jira_cloud") as server:
        settings = demo_settings(server.url, tmp_path)
        (found,) = run_doctor(settings, AnalysisSettings(), now=AS_OF, store=read.store)
    assert not found.problems
    listed = {r.status_id: r for r in found.retired}
    assert set(listed) == {str(RETIRED_DONE)}
    resolved = listed[str(RETIRED_DONE)]
    assert (resolved.name, resolved.category, resolved.decided_by) == ("Resolved", "done", "resolution")
    assert resolved.issues == len(read.org.traps.retired_entries)
    assert {name for _, name in found.bots} >= {"Automation for Jira", "GitHub for Jira"}
