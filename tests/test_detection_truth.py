"""Detection against the sandbox's truth, through the whole pipeline (HTTP, connector, store, analysis).

SYMPTOMS.md: per symptom, precision and recall of `alert` at least 0.9 on the default seed and three
others, and no alert on a control team.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from orgpulse.analyze import run_analyze
from orgpulse.demo import demo_settings
from orgpulse.sandbox import SandboxServer, generate_org, truth_of
from orgpulse.store import Store
from orgpulse.sync import run_sync
from scoring import score_findings

ANCHOR = date(2026, 11, 20)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 1, 2, 3])
def test_alerts_match_the_injected_cells(seed: int, tmp_path: Path) -> None:
    org = generate_org(seed=seed, issues=2000, anchor=ANCHOR, weeks=26)
    truth = truth_of(org)
    with SandboxServer(org, dialect="jira_cloud") as server:
        settings = demo_settings(server.url, tmp_path)
        store = Store.open(settings.store.url)
        (report,) = run_sync(settings, store, full=True)
    assert report.error is None
    as_of = datetime.combine(ANCHOR + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    run = run_analyze(settings, store, as_of=as_of, weeks=21, save=False)
    scores = score_findings(run.result.findings, truth)
    injected = {c["symptom"] for c in truth["cells"]}
    assert injected <= set(scores), f"symptoms injected but not analysed: {injected - set(scores)}"
    for symptom, score in scores.items():
        assert score.precision >= 0.9, f"{symptom}: false alerts {score.false_positives}"
        assert score.recall >= 0.9, f"{symptom}: missed {score.misses}"
        assert score.control_alerts == [], f"{symptom}: alerts on control teams {score.control_alerts}"
