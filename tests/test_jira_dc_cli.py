"""`orgpulse sandbox serve --dialect jira_dc`: the URL on the first line, the DC credentials on the
second, and a server that accepts them (personal access token or basic) and refuses others."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from orgpulse.sandbox import SANDBOX_TOKEN
from orgpulse.sandbox.credentials import SANDBOX_USERNAME


@pytest.fixture
def served() -> Iterator[tuple[str, str]]:
    command = [sys.executable, "-c", "from orgpulse.cli import main; main()", "sandbox", "serve"]
    command += ["--dialect", "jira_dc", "--issues", "200", "--anchor", "2026-06-12"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url, credentials = process.stdout.readline().strip(), process.stdout.readline().strip()
        yield url, credentials
    finally:
        process.terminate()
        process.wait(10)


def test_serve_prints_the_dc_credentials_and_serves_data_center(served: tuple[str, str]) -> None:
    url, credentials = served
    assert url.startswith("http://127.0.0.1:")
    assert credentials == f"token={SANDBOX_TOKEN} (bearer) user={SANDBOX_USERNAME} password={SANDBOX_TOKEN}"
    info = requests.get(
        f"{url}/rest/api/2/serverInfo", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}, timeout=10
    )
    assert info.json()["deploymentType"] == "DataCenter"
    me = requests.get(f"{url}/rest/api/2/myself", auth=(SANDBOX_USERNAME, SANDBOX_TOKEN), timeout=10)
    assert me.json()["name"] == SANDBOX_USERNAME
    refused = requests.get(f"{url}/rest/api/2/myself", auth=(SANDBOX_USERNAME, "wrong"), timeout=10)
    assert refused.status_code == 401
    assert "X-RateLimit-Limit" not in refused.headers
