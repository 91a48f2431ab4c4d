"""Each connector replayed from recorded HTTP (cassettes/<dialect>), with no server at all.

Requests are matched on method, path, query and body (Linear's GraphQL documents included).
Re-record with `.venv/bin/python scripts/record_cassettes.py` (against the sandbox).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cassettes import CASSETTES, RECORDED_CLOCK, SCRUBBED_HOST, recorder
from orgpulse.config import Settings
from orgpulse.demo import SOURCE_NAMES, demo_settings, demo_source
from orgpulse.sandbox import DIALECTS, SANDBOX_EMAIL, SANDBOX_TOKEN
from orgpulse.sandbox.credentials import SANDBOX_LINEAR_KEY
from orgpulse.store import Store
from orgpulse.sync import run_sync


def settings_for(dialect: str, folder: Path) -> Settings:
    url = f"https://{SCRUBBED_HOST}"
    return demo_settings(url, folder, sources=[demo_source(dialect, url)])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_cassettes_replay_a_full_then_an_incremental_sync(dialect: str, tmp_path: Path) -> None:
    settings = settings_for(dialect, tmp_path)
    store = Store.open(settings.store.url)
    with recorder(dialect).use_cassette("full_sync.json") as cassette:
        (full,) = run_sync(settings, store, full=True, clock=RECORDED_CLOCK)
    assert full.error is None
    assert cassette.all_played
    assert full.requests == len(cassette.requests)
    truth = json.loads((CASSETTES / dialect / "expected.json").read_text())  # the sandbox's truth then
    held = store.source_totals(SOURCE_NAMES[dialect])
    assert {k: held[k] for k in truth} == truth
    with recorder(dialect).use_cassette("incremental_sync.json") as cassette:
        (incremental,) = run_sync(settings, store, full=False, clock=RECORDED_CLOCK)
    assert incremental.error is None
    assert incremental.requests <= 6
    assert cassette.all_played


def test_replay_refuses_a_request_the_cassette_lacks(tmp_path: Path) -> None:
    from vcr.errors import CannotOverwriteExistingCassetteException

    settings = settings_for("jira_cloud", tmp_path)
    store = Store.open(settings.store.url)
    # An incremental sync from an empty store asks what only the full-sync cassette holds.
    with (
        recorder("jira_cloud").use_cassette("incremental_sync.json"),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        run_sync(settings, store, full=False, clock=RECORDED_CLOCK)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", ["full_sync.json.gz", "incremental_sync.json.gz"])
def test_no_secret_host_or_email_was_recorded(dialect: str, name: str) -> None:
    text = gzip.decompress((CASSETTES / dialect / name).read_bytes()).decode()
    for secret in (SANDBOX_TOKEN, SANDBOX_LINEAR_KEY, SANDBOX_EMAIL, "127.0.0.1", "Basic ", "Bearer "):
        assert secret not in text
    assert "authorization" not in text.lower()
