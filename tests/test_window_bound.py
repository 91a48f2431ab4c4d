"""Window-bounded reads: analysing the last weeks of a long history reads only what can touch them,
and finds exactly what reading the whole history finds (DESIGN.md, Scale; issue 13)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from golden_org import load_directly, settings_for
from orgpulse.analysis.run import detect, read_since
from orgpulse.analyze import analysis_settings
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
    # 4 reported + 4 direction weeks + 3 lead-in, then 12 trailing weeks and one more.
    assert AS_OF - since >= timedelta(weeks=4 + 4 + 3 + 12)
    assert AS_OF - since <= timedelta(weeks=4 + 4 + 3 + 13 + 1)
