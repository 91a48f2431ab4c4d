"""No secret in logs, errors, reprs or the database: a sync with known token values, scanned."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from orgpulse.config import Secret
from orgpulse.demo import demo_settings
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org
from orgpulse.store import Store
from orgpulse.sync import run_sync

WRONG_TOKEN = "tok-WRONG-5f2c9a71"


@pytest.mark.slow
def test_tokens_never_reach_logs_errors_or_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every library's debug log too (requests, urllib3, jira)
    org = generate_org(seed=3, issues=200, anchor=date(2026, 11, 20), weeks=26)
    with SandboxServer(org, dialect="jira_cloud", rate_limit_every=7) as server:
        settings = demo_settings(server.url, tmp_path)
        store = Store.open(settings.store.url)
        (ok,) = run_sync(settings, store, full=True)
        wrong = replace(settings, sources=(replace(settings.sources[0], token=Secret(WRONG_TOKEN)),))
        (refused,) = run_sync(wrong, store, full=False)
    assert ok.error is None
    assert refused.error is not None
    texts = [
        caplog.text,
        str(refused.error),
        repr(refused.error),
        repr(refused.error.__cause__),
        repr(refused.error.__context__),
        str(refused.error.__context__),
        str(refused.error.__cause__),
        repr(settings),
        repr(wrong),
    ]
    db = b"".join(p.read_bytes() for p in tmp_path.glob("orgpulse.db*"))
    for secret in (SANDBOX_TOKEN, WRONG_TOKEN):
        for text in texts:
            assert secret not in text
        assert secret.encode() not in db
    # The basic-auth header value (base64 of "email:token") never shows either.
    import base64

    for token in (SANDBOX_TOKEN, WRONG_TOKEN):
        header = base64.b64encode(f"{SANDBOX_EMAIL}:{token}".encode()).decode()
        assert all(header not in text for text in texts)
        assert header.encode() not in db
