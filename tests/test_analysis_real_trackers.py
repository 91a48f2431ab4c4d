"""The rules that keep orgpulse true on real trackers (SYMPTOMS.md): retired statuses, bulk cleanups,
confidence over the metric's own time. Each test shows the old reading and the new one.

Times are hours after T0 (Monday 2024-01-01 UTC); W = week 10 (2024-03-11) unless said otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from analysis_builder import Org, at, week
from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.derived import BULK, CATALOGUE, FACTS, SPECS
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.inputs import Context, build_inputs
from orgpulse.analysis.result import Finding, Severity
from orgpulse.analysis.run import detect
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.analysis.weeks import NAT, build_week_grid, timestamp_ns

SETTINGS = AnalysisSettings()
AS_OF = week(11)
W = date(2024, 3, 11)


def facts(
    frames: Frames, settings: AnalysisSettings = SETTINGS
) -> tuple[Catalogue, pd.DataFrame, pd.DataFrame]:
    as_of = at(AS_OF)
    assert as_of is not None
    grid = build_week_grid(as_of, settings.timezone, 1)
    context = Context(frames=frames, settings=settings, as_of=timestamp_ns(as_of), grid=grid)
    inputs = build_inputs(context, [CATALOGUE, FACTS, BULK], SPECS)
    return inputs[CATALOGUE], inputs[FACTS], inputs[BULK]


def hours(cat: Catalogue, table: pd.DataFrame, key: str, column: str) -> float | None:
    code = int(cat.issues.codes(pd.Series([f"jira:{key}"]))[0])
    value = int(table[column].iloc[code])
    return None if value == NAT else (value - timestamp_ns(at(0.0))) / 3.6e12  # type: ignore[arg-type]


def finding(frames: Frames, symptom: str, team: str = "PAY") -> Finding:
    as_of = at(AS_OF)
    assert as_of is not None
    result = detect(frames, SETTINGS, as_of=as_of, weeks=1)
    (found,) = [f for f in result.findings if f.team == team and f.symptom == symptom and f.week_start == W]
    return found


# The old reading: no name patterns for retired statuses, no bulk close ever found, and (below) no
# `resolution` items nor `resolutiondate` from the connector.
OLD = replace(SETTINGS, retired_done_patterns=(), retired_canceled_patterns=(), bulk_close_issues=10**9)


def without_resolution_items(frames: Frames) -> Frames:
    issues = frames.issues.assign(resolved=pd.NaT)
    return replace(frames, resolution_changes=frames.resolution_changes.iloc[0:0], issues=issues)


# --- Statuses the site no longer lists ---------------------------------------------------------


def retired_org() -> Org:
    org = Org()
    org.status("Resolved", "todo", category_known=False)  # retired: missing from /status
    org.status("Triage Queue", "todo", category_known=False)  # retired, named like nothing
    return org


def test_a_retired_status_entered_with_a_resolution_set_is_done_and_places_the_completion() -> None:
    org = retired_org()
    org.issue("PAY-1", created=week(9))
    org.move("PAY-1", week(9, 2), "In Progress")
    org.move("PAY-1", week(10, 5), "Resolved", resolution="Fixed")
    cat, table, _ = facts(org.frames())
    assert hours(cat, table, "PAY-1", "completed") == week(10, 5)
    decided = cat.statuses.retired.set_index("name")
    assert decided.loc["Resolved", "category"] == "done"
    assert decided.loc["Resolved", "category_source"] == "resolution"

    old_cat, old, _ = facts(without_resolution_items(org.frames()), OLD)
    assert hours(old_cat, old, "PAY-1", "completed") is None  # the old way: never completed


def test_a_retired_status_whose_entries_set_a_cancellation_is_canceled() -> None:
    org = retired_org()
    for n in (1, 2):
        org.issue(f"PAY-{n}", created=week(9))
        org.move(f"PAY-{n}", week(9, 2), "In Progress")
        org.move(f"PAY-{n}", week(10, 5), "Triage Queue", resolution="Won't Do")
    cat, table, _ = facts(org.frames())
    assert hours(cat, table, "PAY-1", "completed") is None
    assert hours(cat, table, "PAY-1", "canceled_at") == week(10, 5)


def test_a_retired_status_entered_while_the_resolution_is_cleared_is_not_done() -> None:
    org = Org()
    org.status("Closed Old", "todo", category_known=False)  # named done, but its entries reopen
    org.issue("PAY-1", created=week(9), resolution="Done")
    org.move("PAY-1", week(10, 5), "Closed Old", clears=True)
    cat, table, _ = facts(org.frames())
    row = cat.statuses.retired.set_index("name").loc["Closed Old"]
    assert (row["category"], row["category_source"]) == ("todo", "resolution")
    assert hours(cat, table, "PAY-1", "resolved_at") is None


def test_name_patterns_decide_when_no_resolution_item_does_and_unknown_stays_todo() -> None:
    org = Org()
    org.status("Fermé (ancien)", "todo", category_known=False)
    org.status("Rejected", "todo", category_known=False)
    org.status("Parked", "todo", category_known=False)
    org.issue("PAY-1", created=week(9))
    org.move("PAY-1", week(9, 2), "In Progress")
    org.move("PAY-1", week(10, 5), "Fermé (ancien)")
    cat, table, _ = facts(org.frames())
    decided = cat.statuses.retired.set_index("name")
    assert decided.loc["Fermé (ancien)", ["category", "category_source"]].tolist() == ["done", "name pattern"]
    assert decided.loc["Rejected", "category"] == "canceled"
    assert decided.loc["Parked", ["category", "category_source"]].tolist() == ["todo", "unknown"]
    assert hours(cat, table, "PAY-1", "completed") == week(10, 5)
    # The role of a retired status stays unknown for confidence, whatever its category.
    code = int(cat.statuses.codes(pd.Series([org.status_uid("Fermé (ancien)")]))[0])
    assert not cat.statuses.known[code]

    custom = replace(SETTINGS, retired_done_patterns=("ancien",), retired_canceled_patterns=())
    cat2, _, _ = facts(org.frames(), custom)
    assert cat2.statuses.retired.set_index("name").loc["Rejected", "category"] == "todo"


def test_completion_from_the_resolution_where_statuses_cannot_place_it() -> None:
    org = Org()
    org.status("Parked", "todo", category_known=False)
    org.issue("PAY-1", created=week(9))
    org.move("PAY-1", week(9, 2), "In Progress")
    org.move("PAY-1", week(10, 1), "Parked")
    org.resolve("PAY-1", week(10, 7), "Done")  # the changelog item wins over resolutiondate
    org.issue("PAY-2", created=week(9), status="Parked", resolution="Done", resolved=week(10, 9))
    org.issue("PAY-3", created=week(9), status="Parked")  # no resolution: open
    cat, table, _ = facts(org.frames())
    assert hours(cat, table, "PAY-1", "completed") == week(10, 7)
    assert hours(cat, table, "PAY-2", "completed") == week(10, 9)
    assert hours(cat, table, "PAY-3", "resolved_at") is None
    old_cat, old, _ = facts(without_resolution_items(org.frames()), OLD)
    assert hours(old_cat, old, "PAY-1", "completed") is None


def test_a_status_missing_from_the_catalogue_gets_its_own_decision() -> None:
    org = Org()
    org.issue("PAY-1", created=week(9))
    org.move("PAY-1", week(9, 2), "In Progress")
    org.move("PAY-1", week(10, 5), "10400-gone", resolution="Done")  # not in the catalogue at all
    cat, table, _ = facts(org.frames())
    row = cat.statuses.retired.set_index("status_uid").loc["jira:missing-10400-gone"]
    assert (row["category"], bool(row["in_catalogue"]), row["issues"]) == ("done", False, 1)
    assert hours(cat, table, "PAY-1", "completed") == week(10, 5)


# --- Bulk cleanups -----------------------------------------------------------------------------


def bulk_org(*, stale: int, recent: int, gate: int = 0) -> Org:
    """`stale` issues blocked and idle since week 0, `recent` issues active in week 10 and `gate` waiting for
    approval since week 0 — all closed by one admin within 8 minutes on week 10 + 40 h."""
    org = Org()
    close = week(10, 40)
    n = 0
    for kind, count in (("stale", stale), ("recent", recent), ("gate", gate)):
        for _ in range(count):
            n += 1
            key = f"PAY-{n}"
            org.issue(key, created=week(0) if kind != "recent" else week(9))
            if kind == "stale":
                org.move(key, week(0, 5), "In Progress")
                org.move(key, week(0, 6), "Blocked")
            elif kind == "gate":
                org.move(key, week(0, 5), "Awaiting Approval")
            else:
                org.move(key, week(9, 5), "In Progress")
                org.assign(key, week(10, 30), "dev2")
            org.move(key, close + n * 8 / 60 / max(stale + recent + gate, 1), "Done", by="admin")
    return org


def test_a_stale_bulk_close_is_a_cleanup_and_a_release_close_of_recent_work_counts() -> None:
    org = bulk_org(stale=22, recent=6)
    cat, table, bulk = facts(org.frames())
    assert bulk["bulk"].nunique() == 1
    assert len(bulk) == 28
    outcomes = bulk.groupby("outcome").size().to_dict()
    assert outcomes == {"cleaned_up": 22, "completed": 6}
    assert hours(cat, table, "PAY-1", "completed") is None  # stale: cleaned up
    assert hours(cat, table, "PAY-1", "canceled_at") is not None
    assert hours(cat, table, "PAY-28", "completed") is not None  # recent: shipped by the release

    old_cat, old_table, _ = facts(org.frames(), OLD)
    assert hours(old_cat, old_table, "PAY-1", "completed") is not None


def test_stale_cleanup_leaves_the_completed_sample_and_no_rigid_workflow_alert() -> None:
    org = bulk_org(stale=22, recent=0)
    row = finding(org.frames(), "rigid_workflow")
    assert row.sample_size == 0
    assert row.severity is Severity.INSUFFICIENT_DATA
    old = detect(
        org.frames(),
        replace(SETTINGS, bulk_close_issues=10_000),
        as_of=at(AS_OF),
        weeks=1,  # type: ignore[arg-type]
    )
    (before,) = [f for f in old.findings if f.symptom == "rigid_workflow" and f.team == "PAY"]
    assert before.sample_size == 22
    assert before.severity is Severity.ALERT


def test_explain_lists_the_cleanups_of_the_row_team_and_weeks_apart_from_evidence() -> None:
    row = finding(bulk_org(stale=22, recent=3).frames(), "diluted_ownership")
    (note,) = row.explain["cleanups"]
    assert note["moves"] == 25
    assert note["actor"] == ["p-admin"]
    assert note["cleaned_up"] == sorted(f"PAY-{n}" for n in range(1, 23))
    assert note["completed"] == ["PAY-23", "PAY-24", "PAY-25"]
    assert not any(item.get("key") in note["cleaned_up"] for item in row.evidence)


def test_fewer_moves_than_the_threshold_or_spread_out_is_no_bulk_close() -> None:
    org = bulk_org(stale=19, recent=0)
    _, _, bulk = facts(org.frames())
    assert bulk.empty
    _, _, wider = facts(bulk_org(stale=22, recent=0).frames(), replace(SETTINGS, bulk_close_minutes=0.1))
    assert wider.empty


def test_approval_exits_in_bulk_stay_exits() -> None:
    org = bulk_org(stale=15, recent=0, gate=10)
    cat, table, bulk = facts(org.frames())
    assert bulk.groupby("outcome").size().to_dict() == {"cleaned_up": 15, "exit": 10}
    assert hours(cat, table, "PAY-25", "completed") is not None


def test_a_previous_change_of_any_kind_keeps_an_issue_active() -> None:
    org = bulk_org(stale=22, recent=0)
    org.assign("PAY-1", week(9, 1), "ann")  # touched 9 days before the close: not stale
    cat, table, bulk = facts(org.frames())
    assert bulk.groupby("outcome").size().to_dict() == {"cleaned_up": 21, "completed": 1}
    assert hours(cat, table, "PAY-1", "completed") is not None


# --- Confidence over the metric's own time -----------------------------------------------------


def test_confidence_of_a_completed_sample_counts_its_whole_lead_time_in_unknown_roles() -> None:
    """Five issues wait 600 h in a retired status of unknown role before week 10, then finish fast:
    the old factor (time inside W only) saw known roles; the lead-time factor sees mostly unknown."""
    org = Org()
    org.status("Legacy Wait", "todo", category_known=False)
    for n in range(1, 6):
        key = f"PAY-{n}"
        org.issue(key, created=week(6))
        org.move(key, week(6, 1), "In Progress")
        org.move(key, week(6, 2), "Legacy Wait")
        org.move(key, week(10, 2), "In Progress")
        org.move(key, week(10, 3), "Done")
    row = finding(org.frames(), "rigid_workflow")
    assert row.sample_size == 5
    assert row.severity is Severity.ALERT  # it rests on the time in Legacy Wait (queue by category)
    assert row.confidence < 0.5
    assert row.explain["low_confidence"] is True


def test_the_history_rules_are_read_from_the_analysis_table() -> None:
    import pytest

    from orgpulse.errors import ConfigError

    table = {"retired_done_patterns": ["Livré (v1)"], "bulk_close_issues": 15, "cleanup_idle_days": 45}
    read = AnalysisSettings.from_mapping(table, source_roles={}, source_overrides={})
    assert read.retired_done_patterns == ("livre v1",)
    assert (read.bulk_close_issues, read.bulk_close_minutes, read.cleanup_idle_days) == (15, 10.0, 45.0)
    assert read.fingerprint() != SETTINGS.fingerprint()
    with pytest.raises(ConfigError, match=r"analysis\.bulk_close_issues"):
        AnalysisSettings.from_mapping({"bulk_close_issues": 0}, source_roles={}, source_overrides={})
