from __future__ import annotations

import dataclasses
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa

from orgpulse.errors import IncompleteSyncError, StoreError
from orgpulse.model import (
    AssigneeChange,
    Batch,
    Category,
    History,
    Issue,
    Link,
    LinkKind,
    Person,
    Quarantined,
    Status,
    StatusChange,
)
from orgpulse.store import Store
from orgpulse.store import schema as t
from orgpulse.store.frames import load_frames

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def batch(key: str = "PAY-1") -> Batch:
    b = Batch()
    b.statuses = [Status("1", "To Do", Category.TODO), Status("3", "Done", Category.DONE)]
    b.people = [Person("acc-1", "Ada"), Person("bot-1", "Automation", is_bot=True)]
    b.issues = [
        Issue(
            issue_id="10001",
            key=key,
            project_key=key.split("-")[0],
            team_key=key.split("-")[0],
            type_name="Story",
            is_epic=False,
            title="Pay",
            created=T0,
            updated=T0 + timedelta(days=2),
            status_id="3",
            labels=("a", "b"),
            history_total=1,
        )
    ]
    # Two status items in one history entry: both kept, keyed by item index.
    b.histories = [History("10001", "500", T0 + timedelta(days=1), "acc-1", 3)]
    b.status_changes = [
        StatusChange("10001", "500", 0, T0 + timedelta(days=1), "acc-1", from_status="1", to_status="3"),
        StatusChange("10001", "500", 2, T0 + timedelta(days=1), "acc-1", from_status="3", to_status="3"),
    ]
    b.assignee_changes = [AssigneeChange("10001", "500", 1, T0 + timedelta(days=1), "acc-1", None, "acc-1")]
    b.links = [Link("77", LinkKind.BLOCKS, "EXT-9", key, None, "10001", "10000", None, None, from_done=False)]
    return b


def rows(store: Store, table: sa.Table) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table))]


def test_upserts_are_idempotent_and_keep_two_items_of_one_history(store: Store) -> None:
    for _ in range(3):
        store.save_page("cloud", batch(), {"watermark": 1}, now=T0)
    totals = store.source_totals("cloud")
    assert totals == {"issues": 1, "status_changes": 2, "assignee_changes": 1, "links": 1, "quarantined": 0}
    assert store.load_cursor("cloud") == {"watermark": 1}


def test_a_moved_issue_stays_one_issue(store: Store) -> None:
    store.save_page("cloud", batch("PAY-1"), {}, now=T0)
    store.save_page("cloud", batch("CORE-7"), {}, now=T0)
    issues = rows(store, t.issues)
    assert [(i["issue_id"], i["key"]) for i in issues] == [("10001", "CORE-7")]


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    b = batch()
    b.histories = [History("10001", "500", datetime(2026, 3, 2, 10, 0, tzinfo=paris), None, 1)]
    b.status_changes = []
    b.assignee_changes = []
    store.save_page("cloud", b, {}, now=T0)
    (history,) = rows(store, t.histories)
    assert history["at"] == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert history["at"].tzinfo is not None


def test_naive_datetimes_are_refused(store: Store) -> None:
    b = batch()
    b.histories = [History("10001", "500", datetime(2026, 3, 2, 10, 0), None, 1)]  # noqa: DTZ001
    with pytest.raises(sa.exc.StatementError):
        store.save_page("cloud", b, {}, now=T0)
    assert store.load_cursor("cloud") == {}  # nothing of the page, cursor included, was committed


def test_a_bot_stays_a_bot_and_quarantine_clears_when_the_record_normalises(store: Store) -> None:
    first = Batch(
        people=[Person("bot-1", "Automation", is_bot=True)],
        quarantined=[Quarantined("10001", "jira_issue", "created is not a date", "{}")],
    )
    store.save_page("cloud", first, {}, now=T0)
    assert store.source_totals("cloud")["quarantined"] == 1
    b = batch()
    b.people = [Person("bot-1", "Automation", is_bot=False)]  # seen later without its account type
    store.save_page("cloud", b, {}, now=T0)
    assert store.source_totals("cloud")["quarantined"] == 0
    assert {p["person_id"]: p["is_bot"] for p in rows(store, t.people)}["bot-1"] is True


def test_count_check_fails_loudly_when_rows_go_missing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import orgpulse.store.core as core

    real = core.save_batch

    def lossy(conn: sa.Connection, source: str, b: Batch, now: datetime) -> None:
        b2 = Batch(**{**b.__dict__, "status_changes": b.status_changes[:1]})
        real(conn, source, b2, now)

    monkeypatch.setattr(core, "save_batch", lossy)
    with pytest.raises(IncompleteSyncError, match="status_changes"):
        store.save_page("cloud", batch(), {}, now=T0)


def test_frames_resolve_uids_teams_and_outside_blockers(store: Store) -> None:
    store.save_page("cloud", batch(), {}, now=T0)
    frames = load_frames(store, as_of=T0 + timedelta(days=30))
    issue = frames.issues.iloc[0]
    assert issue["issue_uid"] == "cloud:10001"
    assert issue["team"] == "PAY"
    assert issue["labels"] == "a,b"
    assert str(frames.status_changes["at"].dt.tz) == "UTC"
    link = frames.links.iloc[0]
    assert link["from_uid"] is None
    assert link["from_team"] == "EXT"
    assert link["to_uid"] == "cloud:10001"
    pseudonyms = set(frames.people["pseudonym"])
    assert all(p.startswith("person-") for p in pseudonyms)
    assert "Ada" not in pseudonyms
    # Changes after as_of are left out.
    assert load_frames(store, as_of=T0).status_changes.empty


def test_pseudonyms_are_stable_within_a_store_and_differ_between_stores(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    a = Store.open(f"sqlite:///{folder / 'a.db'}")
    b = Store.open(f"sqlite:///{folder / 'b.db'}")
    assert a.pseudonym("cloud:acc-1") == Store.open(f"sqlite:///{folder / 'a.db'}").pseudonym("cloud:acc-1")
    assert a.pseudonym("cloud:acc-1") != b.pseudonym("cloud:acc-1")


def test_an_unreachable_store_is_one_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot connect"):
        Store.open("postgresql+psycopg://nobody:pw@127.0.0.1:1/none")


def test_parent_changes_resolve_by_key_and_workflows_replace_per_project(store: Store) -> None:
    from orgpulse.model import ParentChange, WorkflowStatus

    b = batch()
    b.parent_changes = [
        ParentChange("10001", "501", 0, T0 + timedelta(hours=2), "acc-1", None, None, None, "PAY-1"),
        ParentChange("10001", "502", 0, T0 + timedelta(hours=3), "acc-1", None, "PAY-1", "999", "OUT-3"),
    ]
    b.workflow_statuses = [WorkflowStatus("PAY", "1"), WorkflowStatus("PAY", "3"), WorkflowStatus("PAY", "3")]
    store.save_page("cloud", b, {}, now=T0)
    store.save_page("cloud", Batch(workflow_statuses=[WorkflowStatus("PAY", "1")]), {}, now=T0)
    frames = load_frames(store, as_of=T0 + timedelta(days=30))
    changes = frames.parent_changes.sort_values("history_id")
    assert list(changes["to_parent_uid"]) == ["cloud:10001", "cloud:999"]
    assert list(changes["to_parent_key"]) == ["PAY-1", "OUT-3"]
    assert frames.workflows.to_dict("records") == [{"team": "PAY", "status_uid": "cloud:1"}]


def test_census_marks_deleted_issues_restores_and_rekeys(store: Store) -> None:
    from orgpulse.model import Census

    store.save_page("cloud", batch("PAY-1"), {}, now=T0)
    other = batch("PAY-2")
    other.issues = [dataclasses.replace(other.issues[0], issue_id="10002")]
    other.histories, other.status_changes, other.assignee_changes, other.links = [], [], [], []
    store.save_page("cloud", other, {}, now=T0)
    assert store.source_totals("cloud")["issues"] == 2
    census = Batch(census=Census(("PAY",), {"10002": "PAY-2"}))
    store.save_page("cloud", census, {}, now=T0, census_max_share=0.5)
    assert store.source_totals("cloud")["issues"] == 1
    assert bool(
        load_frames(store, as_of=T0 + timedelta(days=9)).issues.set_index("issue_id").loc["10001", "deleted"]
    )
    # It comes back (permission restored), moved to another project on the way.
    store.save_page(
        "cloud", Batch(census=Census(("PAY",), {"10001": "CORE-9", "10002": "PAY-2"})), {}, now=T0
    )
    assert store.source_totals("cloud")["issues"] == 2
    keys = {r["issue_id"]: (r["key"], r["project_key"]) for r in rows(store, t.issues)}
    assert keys["10001"] == ("CORE-9", "CORE")


def test_memberships_replace_per_team_and_feed_frames_unless_a_roster_is_declared(store: Store) -> None:
    from orgpulse.model import Membership

    left = T0 - timedelta(days=5)
    b = batch()
    b.memberships = [
        Membership("PAY", "acc-1"),
        Membership("PAY", "acc-2", until=left),  # left the team before as_of
        Membership("PAY", "acc-3", until=left),
        Membership("PAY", "acc-3"),  # ...and came back: the current membership wins
    ]
    store.save_page("cloud", b, {}, now=T0)
    frames = load_frames(store, as_of=T0)
    assert sorted(frames.memberships["person_uid"]) == ["cloud:acc-1", "cloud:acc-3"]
    roster = load_frames(store, as_of=T0, rosters={"PAY": ("acc-9",)})
    assert list(roster.memberships["person_uid"]) == ["cloud:acc-9"]
    store.save_page("cloud", Batch(memberships=[Membership("PAY", "acc-4")]), {}, now=T0)
    assert list(load_frames(store, as_of=T0).memberships["person_uid"]) == ["cloud:acc-4"]


def test_raw_payloads_are_kept_compressed_and_read_back(store: Store) -> None:
    b = batch()
    payload = '{"id": "10001", "fields": {"summary": "' + "x" * 5000 + '"}}'
    b.raw = [("jira_issue", "10001", payload)]
    store.save_page("cloud", b, {}, now=T0)
    assert store.read_raw("cloud", "jira_issue", "10001") == payload
    assert store.read_raw("cloud", "jira_issue", "nope") is None
    (row,) = rows(store, t.raw_records)
    assert len(row["payload"]) < len(payload) / 10


def test_raw_payloads_written_by_earlier_versions_as_zlib_still_read(store: Store) -> None:
    b = batch()
    payload = '{"id": "10002", "fields": {"summary": "old"}}'
    b.raw = [("jira_issue", "10002", "{}")]
    store.save_page("cloud", b, {}, now=T0)
    (row,) = rows(store, t.raw_records)
    assert row["payload"][:4] == b"\x28\xb5\x2f\xfd"  # written now: a Zstandard frame
    with store.engine.begin() as conn:
        conn.execute(t.raw_records.update().values(payload=zlib.compress(payload.encode(), 3)))
    assert store.read_raw("cloud", "jira_issue", "10002") == payload


def test_one_side_of_a_link_never_erases_the_other_and_removed_links_go(store: Store) -> None:
    both = batch()
    both.links = [
        Link("77", LinkKind.BLOCKS, "PAY-9", "PAY-1", "10009", "10001", "10000", T0, None, False, False)
    ]
    store.save_page("cloud", both, {}, now=T0)
    alone = batch()  # PAY-1 re-read alone: it knows its own id, not PAY-9's
    alone.links = [
        Link("77", LinkKind.BLOCKS, "PAY-9", "PAY-1", None, "10001", "10000", None, None, None, False)
    ]
    store.save_page("cloud", alone, {}, now=T0)
    (row,) = rows(store, t.links)
    assert (row["from_issue_id"], row["created_at"], row["from_done"]) == ("10009", T0, False)
    gone = batch()  # PAY-1 no longer lists the link: it was removed
    gone.links = []
    store.save_page("cloud", gone, {}, now=T0)
    assert rows(store, t.links) == []


def test_resolution_changes_and_resolution_date_reach_the_frames(store: Store) -> None:
    from dataclasses import replace

    from orgpulse.model import ResolutionChange

    b = batch()
    b.issues = [replace(b.issues[0], resolution="Done", resolved=T0 + timedelta(days=1))]
    b.resolution_changes = [
        ResolutionChange("10001", "500", 3, T0 + timedelta(days=1), "acc-1", None, "Done")
    ]
    store.save_page("cloud", b, {}, now=T0)
    store.save_page("cloud", b, {}, now=T0)  # idempotent: stored once
    frames = load_frames(store, as_of=T0 + timedelta(days=30))
    assert frames.resolution_changes[["issue_uid", "history_id", "item_index", "to_resolution"]].to_dict(
        "records"
    ) == [{"issue_uid": "cloud:10001", "history_id": "500", "item_index": 3, "to_resolution": "Done"}]
    assert list(frames.issues["resolved"]) == [pd.Timestamp(T0 + timedelta(days=1))]
    early = load_frames(store, as_of=T0 + timedelta(hours=1))
    assert early.resolution_changes.empty
