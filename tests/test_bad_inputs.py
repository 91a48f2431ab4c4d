"""The whole bad-input list, through the real command line: one stderr line, the contract's exit code.

Each case runs `python -m orgpulse` in a subprocess (so logging and the console are the real
ones) against the sandbox behind a hostile proxy, or with a hostile config or store. An expected
error is exactly one line on stderr, never a traceback, and no credential is ever printed.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hostile import Exchange, HostileProxy, Stream, gzip_bomb, trickle
from orgpulse.cli import cli
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, SandboxServer, generate_org, truth_of
from orgpulse.store import Store

ANCHOR = date(2026, 11, 20)
ORG = generate_org(seed=5, issues=100, anchor=ANCHOR, weeks=8)
TRUTH = truth_of(ORG)["totals"]["jira_cloud"]
BASIC = base64.b64encode(f"{SANDBOX_EMAIL}:{SANDBOX_TOKEN}".encode()).decode()
ENV = {"OP_EMAIL": SANDBOX_EMAIL, "OP_TOKEN": SANDBOX_TOKEN}
HOSTILE_TEAM = (
    "[/][bold red]X[/bold red][link=https://evil.example]c[/link]\x1b[2J\x1b]0;pwned\x07" + "T" * 250
)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def one_error_line(self) -> str:
        assert "Traceback" not in self.err, self.err
        lines = self.err.splitlines()
        assert len(lines) == 1, self.err
        return lines[0]

    def no_secret(self, *more: str) -> None:
        for text in (self.out, self.err):
            for secret in (SANDBOX_TOKEN, BASIC, *more):
                assert secret not in text


def orgpulse(config: Path, *args: str, env: dict[str, str] | None = None, prelude: str = "") -> Result:
    code = f"{prelude}\nfrom orgpulse.cli import main\nmain()"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OP_", "ORGPULSE_"))}
    environ.update(ENV if env is None else env)
    done = subprocess.run(
        [sys.executable, "-c", code, "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def config(
    folder: Path,
    url: str,
    store: str | None = None,
    *,
    cron: str = "0 2 * * *",
    extra: str = "",
    team: str = "",
) -> Path:
    path = folder / f"config-{uuid.uuid4().hex[:6]}.toml"
    store_url = store or f"sqlite:///{folder / 'orgpulse.db'}"
    team_map = f"team_map = {{PAY = {json.dumps(team)}}}\n" if team else ""
    path.write_text(
        f"[store]\nurl = {json.dumps(store_url)}\n\n[schedule]\ncron = {json.dumps(cron)}\n\n"
        f'[[sources]]\nname = "sandbox"\nkind = "jira_cloud"\nurl = {json.dumps(url)}\n'
        f'email_env = "OP_EMAIL"\ntoken_env = "OP_TOKEN"\nmax_retries = 0\n{team_map}{extra}',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(ORG, dialect="jira_cloud")
    server.start()
    yield server
    server.stop()


def proxy(server: SandboxServer, attack: Callable[[Exchange], Any]) -> HostileProxy:
    return HostileProxy(server.url, attack, _forget_forged_tokens if attack is _looping_tokens else None)


def _forget_forged_tokens(exchange: Exchange) -> None:
    """The tokens the attack forges mean nothing to the sandbox: it is always asked its first page."""
    if _search(exchange):
        doc = exchange.request_json()
        doc.pop("nextPageToken", None)
        exchange.request_body = json.dumps(doc).encode()


def _search(exchange: Exchange) -> bool:
    return exchange.method == "POST" and exchange.path.split("?")[0].endswith("/search/jql")


def _census(exchange: Exchange) -> bool:
    return _search(exchange) and exchange.request_json().get("fields") == ["key"]


# -- configuration ----------------------------------------------------------------------------------


def in_process(config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """The command in this process (fast) for errors raised before any logging happens."""
    result = CliRunner().invoke(cli, ["--config", str(config), *args], env=ENV if env is None else env)
    return Result(result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize(
    ("command", "cron"),
    [("schedule", "0 25 * * *"), ("status", "0 2 * * 8"), ("doctor", "61 * * * *"), ("sync", "0 2 1 * mon")],
)
def test_an_invalid_cron_is_exit_2_in_one_line_for_every_command(
    tmp_path: Path, command: str, cron: str
) -> None:
    result = in_process(config(tmp_path, "https://x.example", cron=cron), command)
    assert result.code == 2
    assert result.one_error_line().startswith("orgpulse: configuration error: schedule.cron:")


def test_the_real_entry_point_says_an_invalid_cron_in_one_line(tmp_path: Path) -> None:
    result = orgpulse(config(tmp_path, "https://x.example", cron="0 25 * * *"), "schedule")
    assert result.code == 2
    assert result.one_error_line().startswith("orgpulse: configuration error: schedule.cron:")


def test_a_token_pasted_into_token_env_is_not_echoed(tmp_path: Path) -> None:
    path = config(tmp_path, "https://x.example")
    path.write_text(path.read_text().replace('token_env = "OP_TOKEN"', f'token_env = "{SANDBOX_TOKEN}"'))
    result = in_process(path, "sync")
    assert result.code == 2
    assert "token_env: must name an environment variable" in result.one_error_line()
    result.no_secret()


def test_read_only_commands_need_no_tracker_secret(tmp_path: Path) -> None:
    path = config(tmp_path, "https://x.example")
    for command in (["status"], ["analyze", "--no-save"], ["report", "--html", str(tmp_path / "r.html")]):
        result = in_process(path, *command, env={})
        assert "OP_TOKEN is not set" not in result.err, command
        assert "Traceback" not in result.err
    assert in_process(path, "sync", env={}).code == 2  # a tracker command still needs it


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://reader:hunter2@db.example:notaport/orgpulse",
        "postgresql+psycopg://reader@127.0.0.1:1/orgpulse?password=hunter2",
        "nosuchdialect://reader:hunter2@db.example/orgpulse",
    ],
)
def test_a_bad_store_url_is_one_line_without_its_password(tmp_path: Path, url: str) -> None:
    result = in_process(config(tmp_path, "https://x.example", store=url), "status")
    assert result.code == 1
    assert result.one_error_line().startswith("orgpulse: store error:")
    result.no_secret("hunter2")


# -- the store ---------------------------------------------------------------------------------------

FULL_DISK = """
import sqlalchemy as sa
from sqlalchemy.engine import Engine

@sa.event.listens_for(Engine, "connect")
def _small_disk(dbapi, _record):
    pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
    dbapi.execute(f"PRAGMA max_page_count = {max(pages, 60) + 2}")
"""


def test_sqlite_disk_full_is_one_line(tmp_path: Path, sandbox: SandboxServer) -> None:
    result = orgpulse(config(tmp_path, sandbox.url), "sync", prelude=FULL_DISK)
    assert result.code == 1
    assert "database or disk is full" in result.one_error_line()


@pytest.mark.postgres
def test_a_terminated_postgres_backend_is_one_line(
    tmp_path: Path, postgres_url: str, sandbox: SandboxServer
) -> None:
    seen: list[int] = []

    def attack(exchange: Exchange) -> None:
        if _search(exchange):
            seen.append(1)
            if len(seen) == 2:
                engine = sa.create_engine(postgres_url)
                with engine.connect() as conn:
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    )
                    conn.commit()
                engine.dispose()

    with proxy(sandbox, attack) as hostile:
        result = orgpulse(config(tmp_path, hostile.url, store=postgres_url, extra="page_size = 20\n"), "sync")
    assert result.code == 1
    assert result.one_error_line().startswith("orgpulse: store error:")


@pytest.mark.postgres
def test_postgres_takes_nul_bytes_and_any_team_length(
    tmp_path: Path, postgres_url: str, sandbox: SandboxServer
) -> None:
    def attack(exchange: Exchange) -> Exchange | None:
        if not _search(exchange) or _census(exchange):
            return None
        doc = exchange.answer_json()
        for issue in doc.get("issues", []):
            fields = issue.get("fields", {})
            fields["summary"] = f"nul\u0000 in {fields.get('summary')}"
        exchange.set_json(doc)
        return exchange

    engine = Store.open(postgres_url).engine  # migrated, whichever test ran first on this database
    with engine.begin() as conn:
        for table in ("issues", "status_changes", "assignee_changes", "links", "sources", "sync_cursors"):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE source = 'sandbox'" if table != "sources"
                                 else "DELETE FROM sources WHERE name = 'sandbox'"))  # fmt: skip
    engine.dispose()
    with proxy(sandbox, attack) as hostile:
        path = config(tmp_path, hostile.url, store=postgres_url, team=HOSTILE_TEAM)
        synced = orgpulse(path, "sync", "--format", "json")
    assert synced.code == 0, synced.err
    (source,) = json.loads(synced.out)["sources"]
    assert {k: source[k] for k in TRUTH} == TRUTH
    analysed = orgpulse(path, "analyze", "--as-of", "2026-11-20")
    assert analysed.code == 0, analysed.err
    assert "Traceback" not in analysed.err


# -- the terminal and the spreadsheet -----------------------------------------------------------------


def test_markup_and_escape_sequences_in_names_are_shown_as_text(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    def attack(exchange: Exchange) -> Exchange | None:
        if "/status" in exchange.path and exchange.method == "GET" and exchange.status == 200:
            doc = exchange.answer_json()
            if isinstance(doc, list):
                for status in doc:
                    if isinstance(status, dict) and "name" in status:
                        status["name"] = "[/]" + status["name"] + "\x1b]8;;https://evil.example\x1b\\x"
                exchange.set_json(doc)
                return exchange
        return None

    with proxy(sandbox, attack) as hostile:
        path = config(tmp_path, hostile.url, team=HOSTILE_TEAM)
        assert orgpulse(path, "sync").code == 0
        doctor = orgpulse(path, "doctor")
    analysed = orgpulse(path, "analyze", "--as-of", "2026-11-20")
    explained = orgpulse(path, "explain", "oversized_team", "--team", HOSTILE_TEAM)
    status = orgpulse(path, "status")
    csv_out = orgpulse(path, "analyze", "--as-of", "2026-11-20", "--format", "csv", "--no-save")
    for result in (doctor, analysed, explained, status, csv_out):
        assert "Traceback" not in result.err, result.err
        assert "MarkupError" not in result.err
        assert "\x1b" not in result.out + result.err  # written as a visible \x1b, never sent raw
    assert doctor.code == 0, doctor.err
    assert "[/]" in doctor.out
    assert analysed.code == 0, analysed.err
    assert "[/]" in analysed.out  # the team's name shown as text (the table may wrap the rest of it)


def test_csv_cells_never_start_a_formula(tmp_path: Path, sandbox: SandboxServer) -> None:
    path = config(tmp_path, sandbox.url, team='=HYPERLINK("https://evil.example","x")')
    assert orgpulse(path, "sync").code == 0
    result = orgpulse(path, "analyze", "--as-of", "2026-11-20", "--format", "csv", "--no-save")
    assert result.code == 0, result.err
    cells = [line.split(",")[0] for line in result.out.splitlines()[1:]]
    assert any(c.startswith("\"'=HYPERLINK") or c.startswith("'=HYPERLINK") for c in cells)
    assert not any(c.lstrip('"').startswith(("=", "+", "-", "@")) for c in cells)


# -- hostile servers ---------------------------------------------------------------------------------


def _looping_tokens(exchange: Exchange) -> Exchange | None:
    if not _search(exchange) or _census(exchange):
        return None
    doc = exchange.answer_json()
    exchange.set_json({**doc, "nextPageToken": uuid.uuid4().hex, "isLast": False})
    return exchange


def _trickling(exchange: Exchange) -> Stream | None:
    return trickle(exchange, pause=0.3) if _search(exchange) else None


BOMB = gzip_bomb(100)


def _bombing(exchange: Exchange) -> Stream | None:
    if not _search(exchange):
        return None
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    return Stream(200, headers, iter([BOMB[i : i + 65536] for i in range(0, len(BOMB), 65536)]))


def _echoing(exchange: Exchange) -> Exchange | None:
    if not _search(exchange):
        return None
    auth = exchange.request_headers.get("Authorization", "")
    exchange.set_json({"errorMessages": [f"you sent {auth}"], "errors": {"token": SANDBOX_TOKEN}}, status=400)
    return exchange


def _login_page(exchange: Exchange) -> Exchange | None:
    if "serverInfo" not in exchange.path:
        return None
    exchange.status, exchange.headers = 200, {"Content-Type": "text/html"}
    exchange.body = f"<html>Log in again. {exchange.request_headers.get('Authorization')}</html>".encode()
    return exchange


@pytest.mark.parametrize(
    ("attack", "expected"),
    [
        (_looping_tokens, "PaginationError"),
        (_trickling, "DeadlineExceededError"),
        (_bombing, "ResponseTooLargeError"),
        (_echoing, "HTTPStatusError"),
        (_login_page, "ProtocolError"),
    ],
    ids=["endless-pages", "trickle", "gzip-bomb", "echoed-secret", "login-page"],
)
def test_a_hostile_server_fails_the_source_in_one_line(
    tmp_path: Path, sandbox: SandboxServer, attack: Callable[[Exchange], Any], expected: str
) -> None:
    with proxy(sandbox, attack) as hostile:
        path = config(tmp_path, hostile.url, extra="deadline_seconds = 2\nmax_response_mb = 8\n")
        result = orgpulse(path, "sync", "--format", "json")
    assert result.code == 1
    line = result.one_error_line()
    assert line.startswith(f"orgpulse: source sandbox failed: {expected}:")
    result.no_secret()
    (source,) = json.loads(result.out)["sources"]
    assert source["error"]["class"] == expected
    with sqlite3.connect(tmp_path / "orgpulse.db") as db:
        messages = [
            m for (m,) in db.execute("SELECT error_message FROM runs WHERE error_message IS NOT NULL")
        ]
    assert all(SANDBOX_TOKEN not in m and BASIC not in m for m in messages)


def test_an_empty_census_is_refused_and_nothing_is_deleted(tmp_path: Path, sandbox: SandboxServer) -> None:
    path = config(tmp_path, sandbox.url, extra="census_days = 0\n")
    assert orgpulse(path, "sync").code == 0

    def empty_census(exchange: Exchange) -> Exchange | None:
        if not _census(exchange):
            return None
        exchange.set_json({"issues": [], "isLast": True})
        return exchange

    with proxy(sandbox, empty_census) as hostile:
        path = config(tmp_path, hostile.url, extra="census_days = 0\n")
        result = orgpulse(path, "sync", "--format", "json")
    assert result.code == 0, result.err
    assert "census sandbox: refused, it would delete 100 of 100 issues" in result.err
    assert "Traceback" not in result.err
    (source,) = json.loads(result.out)["sources"]
    assert source["issues"] == TRUTH["issues"]


def test_a_source_url_with_credentials_is_never_stored_nor_printed(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    with_password = sandbox.url.replace("http://", "http://reader:hunter2@")
    result = orgpulse(config(tmp_path, with_password), "sync")
    assert result.code == 0, result.err
    with sqlite3.connect(tmp_path / "orgpulse.db") as db:
        (stored,) = db.execute("SELECT url FROM sources").fetchone()
    assert "hunter2" not in stored
    assert "reader" not in stored
    refused = orgpulse(config(tmp_path, "http://reader:hunter2@127.0.0.1:1"), "sync")
    assert refused.code == 1
    refused.one_error_line()
    refused.no_secret("hunter2")
