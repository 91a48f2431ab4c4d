"""Cursors stored by the previous version load: the JSON as main wrote it, for each connector.

Each document below is what `cursor_json` wrote before the kit's incremental state existed
(`connectors/jira/cursor.py`, `cursor_dc.py`, `linear/cursor.py` at main e7cdd2c): a sync that
upgrades resumes from it, with its watermark, metadata, checkpoint and census time, and writes it
back with the same field names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from orgpulse.connectors.jira.cursor import JIRA_CURSOR, Run
from orgpulse.connectors.kit.incremental import lagged, lagged_ms, next_watermark
from orgpulse.connectors.linear.cursor import LINEAR_CURSOR
from orgpulse.connectors.linear.cursor import Run as LinearRun

FETCHED = "2026-05-01T02:00:00+00:00"
JIRA_METADATA = {
    "fetched_at": FETCHED,
    "fields": {
        "sprint": "customfield_10020",
        "flagged": "customfield_10021",
        "epic_link": None,
        "team": None,
    },
    "link_types": [{"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}],
    "status_ids": ["1", "10001", "3"],
    "projects": None,
}
CLOUD_CURSOR = {
    "version": 1,
    "watermark_ms": 1718000000000,
    "metadata": JIRA_METADATA,
    "checkpoint": {
        "jql": "project in (PAY) ORDER BY created ASC",
        "next_page_token": "tok-2",
        "max_updated_ms": 1718000500000,
        "seen": 200,
        "projects": ["PAY"],
    },
    "census_at": "2026-04-28T02:00:00+00:00",
}
DC_CURSOR = {
    **CLOUD_CURSOR,
    "checkpoint": {
        "jql": "project in (PAY) ORDER BY created ASC",
        "start_at": 100,
        "max_updated_ms": 1718000500000,
        "seen": 100,
        "projects": ["PAY"],
    },
}
LINEAR_STORED = {
    "version": 1,
    "watermark": "2026-05-01T01:45:00.000Z",
    "metadata": {"fetched_at": "2026-05-01T02:00:00.000Z", "teams": {"t1": "ENG"}, "labels": {"l1": "Bug"}},
    "checkpoint": {
        "after": "cursor-3",
        "run_started": "2026-05-02T02:00:00.000Z",
        "since": "2026-05-01T01:45:00.000Z",
        "created_since": None,
        "teams": ["ENG"],
        "seen": 240,
    },
}


def test_a_stored_jira_cloud_cursor_loads_and_writes_back_unchanged() -> None:
    state = JIRA_CURSOR.load(CLOUD_CURSOR)
    assert state.watermark == 1718000000000
    assert state.metadata is not None
    assert state.metadata.fields.sprint == "customfield_10020"
    assert state.metadata.status_ids == frozenset({"1", "3", "10001"})
    assert state.census_at == datetime(2026, 4, 28, 2, tzinfo=UTC)
    run = Run.resume(state.checkpoint, ["PAY"])
    assert run is not None
    assert (run.token, run.max_updated_ms, run.seen, run.resumed) == ("tok-2", 1718000500000, 200, True)
    again = JIRA_CURSOR.dump(state.watermark, state.metadata, run.checkpoint(["PAY"]), state.census_at)
    assert again == CLOUD_CURSOR
    assert list(again) == list(CLOUD_CURSOR)  # the same fields, in the same order


def test_a_stored_jira_dc_cursor_resumes_at_its_offset() -> None:
    state = JIRA_CURSOR.load(DC_CURSOR)
    run = Run.resume(state.checkpoint, ["PAY"], "offset")
    assert run is not None
    assert (run.start_at, run.token, run.seen, run.resumed) == (100, None, 100, True)
    assert state.metadata is not None
    again = JIRA_CURSOR.dump(state.watermark, state.metadata, run.checkpoint(["PAY"]), state.census_at)
    assert again == DC_CURSOR
    assert Run.resume(state.checkpoint, ["PAY"]) is None  # an offset is no page token
    assert Run.resume({**DC_CURSOR["checkpoint"], "start_at": 0}, ["PAY"], "offset") is None


def test_a_stored_linear_cursor_loads_and_writes_back_unchanged() -> None:
    state = LINEAR_CURSOR.load(LINEAR_STORED)
    assert state.watermark == datetime(2026, 5, 1, 1, 45, tzinfo=UTC)
    assert state.metadata is not None
    assert state.metadata.teams == {"t1": "ENG"}
    assert state.census_at is None
    run = LinearRun.resume(state.checkpoint, ["ENG"])
    assert run is not None
    assert (run.after, run.seen, run.run_started) == ("cursor-3", 240, datetime(2026, 5, 2, 2, tzinfo=UTC))
    again = LINEAR_CURSOR.dump(state.watermark, state.metadata, run.checkpoint())
    assert again == LINEAR_STORED
    assert "census_at" not in again


def test_an_unreadable_linear_watermark_starts_from_the_beginning() -> None:
    state = LINEAR_CURSOR.load({**LINEAR_STORED, "watermark": "yesterday"})
    assert state.watermark is None
    assert state.metadata is not None


def test_watermarks_move_forward_only_on_incremental_runs() -> None:
    overlap = 15 * 60_000
    assert lagged_ms(None, 15) is None
    assert next_watermark(None, lagged_ms(10 * overlap, 15), full=False) == 9 * overlap
    assert next_watermark(9 * overlap, lagged_ms(5 * overlap, 15), full=False) == 9 * overlap
    assert next_watermark(9 * overlap, lagged_ms(5 * overlap, 15), full=True) == 4 * overlap
    assert next_watermark(9 * overlap, None, full=True) == 9 * overlap
    start = datetime(2026, 5, 2, 2, tzinfo=UTC)
    later = datetime(2026, 5, 3, 2, tzinfo=UTC)
    assert next_watermark(lagged(later, 15), lagged(start, 15), full=False) == lagged(later, 15)
    assert next_watermark(lagged(later, 15), lagged(start, 15), full=True) == datetime(
        2026, 5, 2, 1, 45, tzinfo=UTC
    )
