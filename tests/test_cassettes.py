"""The Jira Cloud connector replayed from recorded HTTP (cassettes/jira_cloud), with no server at all.

Re-record with `.venv/bin/python scripts/record_cassettes.py` (against the sandbox).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cassettes import CASSETTES, SCRUBBED_HOST, recorder
from orgpulse.demo import DEMO_SOURCE, demo_settings
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN
from orgpulse.store import Store
from orgpulse.sync import run_sync


def test_cassettes_replay_a_full_then_an_incremental_sync(tmp_path: Path) -> None:
    settings = demo_settings(f"https://{SCRUBBED_HOST}", tmp_path)
    store = Store.open(settings.store.url)
    with recorder("jira_cloud").use_cassette("full_sync.json") as cassette:
        (full,) = run_sync(settings, store, full=True)
    assert full.error is None
    assert cassette.all_played
    assert full.requests == len(cassette.requests)
    truth = json.loads((CASSETTES / "jira_cloud" / "expected.json").read_text())  # the sandbox's truth then
    assert {k: store.source_totals(DEMO_SOURCE)[k] for k in truth} == truth
    with recorder("jira_cloud").use_cassette("incremental_sync.json") as cassette:
        (incremental,) = run_sync(settings, store, full=False)
    assert incremental.error is None
    assert incremental.requests <= 6
    assert cassette.all_played


def test_replay_refuses_a_request_the_cassette_lacks(tmp_path: Path) -> None:
    from vcr.errors import CannotOverwriteExistingCassetteException

    settings = demo_settings(f"https://{SCRUBBED_HOST}", tmp_path)
    store = Store.open(settings.store.url)
    # An incremental sync from an empty store asks what only the full-sync cassette holds.
    with (
        recorder("jira_cloud").use_cassette("incremental_sync.json"),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        run_sync(settings, store, full=False)


@pytest.mark.parametrize("name", ["full_sync.json.gz", "incremental_sync.json.gz"])
def test_no_secret_host_or_email_was_recorded(name: str) -> None:
    text = gzip.decompress((CASSETTES / "jira_cloud" / name).read_bytes()).decode()
    for secret in (SANDBOX_TOKEN, SANDBOX_EMAIL, "127.0.0.1", "Basic ", "authorization", "Authorization"):
        assert secret not in text
