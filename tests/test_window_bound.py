"""Window-bounded reads: analysing the last weeks of a long history reads only what can touch them,
and finds exactly what reading the whole history finds (DESIGN.md, Scale; issue 13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from golden_org import load_directly, settings_for
from orgpulse.analysis.catalogue import build_catalogue
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.run import detect, read_since
from orgpulse.analyze import analysis_settings
from orgpulse.model import Batch, Category, Issue, ResolutionChange, Status, StatusChange
from orgpulse.sandbox import generate_org
from orgpulse.store import Store
from orgpulse.store.frames import load_frames

ANCHOR = date(2026, 11, 20)
AS_OF = datetime.combine(ANCHOR + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


@pytest.mark.slow
def test_bounded_reads_find_what_whole_reads_find(store: Store) -> None:
    org = generate_org(seed=3, issues=3000, anchor=ANCHOR, weeks=60)
    load_directly(org, store)
    settings = analysis_settings(settings_for(store.engine.url.render_as_string(hide_password=False)))
    since = read_since(settings, as_of=AS_OF, weeks=4)
    whole = load_frames(store, as_of=AS_OF)
    bounded = load_frames(store, as_of=AS_OF, since=since)
    assert len(bounded.issues) < 0.6 * len(whole.issues), "the bound left out too little to mean anything"
    assert len(bounded.status_changes) < len(whole.status_changes)
    expected = detect(whole, settings, as_of=AS_OF, weeks=4)
    found = detect(bounded, settings, as_of=AS_OF, weeks=4)
    assert len(found.findings) == len(expected.findings) > 0
    assert found.findings == expected.findings
    assert found.dependencies == expected.dependencies


def test_the_bound_reaches_back_past_the_longest_trailing_window() -> None:
    settings = analysis_settings(settings_for("sqlite:///unused.db"))
    since = read_since(settings, as_of=AS_OF, weeks=4)
    # The first scored week starts 4 reported + 4 direction weeks back; then the 12 trailing weeks
    # of the unused-status window and one more (the as-of week's own days on top).
    assert AS_OF - since >= timedelta(weeks=4 + 4 + 12)
    assert AS_OF - since <= timedelta(weeks=4 + 4 + 13 + 1)


def test_retired_statuses_are_decided_by_their_whole_history_when_the_read_is_bounded(store: Store) -> None:
    """The entries that decide a retired status's category are often old: issues that passed through
    it years ago and have been closed since are dormant, left out of a bounded read, and their votes
    must still count (SYMPTOMS.md, statuses the site no longer lists)."""
    long_ago, since = AS_OF - timedelta(days=700), AS_OF - timedelta(weeks=20)
    recent = AS_OF - timedelta(weeks=2)
    batch = Batch(
        statuses=[
            Status("1", "Open", Category.TODO),
            Status("6", "Closed", Category.DONE),
            Status("77", "Stage 4", Category.TODO, category_known=False),  # no name pattern: votes decide
        ]
    )  # status "88" is named by changes only: missing from the catalogue

    def issue(n: int, *, at: datetime, status: str) -> None:
        batch.issues.append(
            Issue(
                issue_id=str(100 + n), key=f"PAY-{n}", project_key="PAY", team_key=None, type_name="Task",
                is_epic=False, title=f"t{n}", created=at - timedelta(days=3, minutes=-n), updated=at,
                status_id=status,
            )
        )  # fmt: skip

    def entry(n: int, at: datetime, to: str, resolution: tuple[str | None, str | None] | None = None) -> None:
        history = f"h{n}-{len(batch.status_changes)}"
        frm = (
            batch.status_changes[-1].to_status
            if batch.status_changes and batch.status_changes[-1].issue_id == str(100 + n)
            else "1"
        )
        batch.status_changes.append(StatusChange(str(100 + n), history, 0, at, "a", frm, to))
        if resolution is not None:
            batch.resolution_changes.append(ResolutionChange(str(100 + n), history, 1, at, "a", *resolution))

    for n in range(1, 9):  # dormant: resolved into 77 and 88 two years ago, closed since
        issue(n, at=long_ago + timedelta(days=1), status="6")
        entry(n, long_ago, "77", (None, "Fixed"))
        entry(n, long_ago + timedelta(hours=1), "88", ("Fixed", None) if n > 2 else None)
        entry(n, long_ago + timedelta(days=1), "6")
    for n in (9, 10):  # live: enter both in the analysed weeks, no resolution item
        issue(n, at=recent + timedelta(hours=2), status="88")
        entry(n, recent, "77")
        entry(n, recent + timedelta(hours=2), "88")
    store.save_page("cloud", batch, {}, now=AS_OF)

    settings = analysis_settings(settings_for(store.engine.url.render_as_string(hide_password=False)))
    whole = load_frames(store, as_of=AS_OF)
    bounded = load_frames(store, as_of=AS_OF, since=since)
    assert bounded.retired_entries is not None
    assert whole.retired_entries is not None
    by_pandas = replace(whole, retired_entries=None)  # counted from the whole read's own changes
    assert set(bounded.issues["key"]) == {"PAY-1", "PAY-9", "PAY-10"}  # PAY-1: the first created

    def decided(frames: Frames) -> list[tuple[str, str, str, int, int, int]]:
        retired = build_catalogue(frames, settings, pd.Timestamp(AS_OF).value).statuses.retired
        return sorted(
            (r.status_id, r.category, r.category_source, r.issues, r.set_votes, r.clear_votes)
            for r in retired.itertuples(index=False)
        )

    assert (
        decided(bounded)
        == decided(whole)
        == decided(by_pandas)
        == [
            ("77", "done", "resolution", 10, 8, 0),
            ("88", "todo", "resolution", 10, 0, 6),
        ]
    )
