"""Same answers: the findings of the 10k-issue sandbox organisation equal the golden file, on both stores.

The golden file was written by scripts/golden_findings.py from a full sync over HTTP; here the
organisation is loaded with bench/direct_load.py (the connector's normalisers without HTTP, much
faster), so this also checks that the direct loader stores what a sync stores. A change meant to
change findings rewrites the file with the script and says so in its commit.
"""

from __future__ import annotations

import pytest

from golden_org import (
    GOLDEN_PATH,
    analysed,
    differences,
    golden_org,
    load_directly,
    read_golden,
    settings_for,
)
from orgpulse.sandbox.org.model import Org
from orgpulse.store import Store


@pytest.fixture(scope="module")
def org() -> Org:
    return golden_org()


@pytest.mark.slow
@pytest.mark.timeout(1800)  # ~1 min alone; a 2-core machine shared with other work is slower
def test_findings_equal_the_golden_file(org: Org, store: Store) -> None:
    golden = read_golden()
    load_directly(org, store)
    findings = analysed(settings_for(store.engine.url.render_as_string(hide_password=False)), store)
    assert len(golden) > 1000, f"{GOLDEN_PATH} holds too few findings to mean anything"
    assert {f["severity"] for f in golden} >= {"ok", "alert"}
    assert differences(golden, findings) == []
