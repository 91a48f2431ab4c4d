"""Bad input gets one clear line on stderr and the contract's exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from orgpulse.cli import cli

GOOD_SOURCE = """
[[sources]]
name = "acme"
kind = "jira_cloud"
url = "https://acme.atlassian.net"
email_env = "OP_TEST_EMAIL"
token_env = "OP_TEST_TOKEN"
"""


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_bad_toml_is_exit_2_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[store\n", encoding="utf-8")
    code, _, err = run(["--config", str(config), "sync"])
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("orgpulse: configuration error:")
    assert "not valid TOML" in err


def test_missing_environment_variable_is_exit_2_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD_SOURCE, encoding="utf-8")
    code, _, err = run(
        ["--config", str(config), "sync"], env={"OP_TEST_EMAIL": "a@example.com", "OP_TEST_TOKEN": ""}
    )
    assert code == 2
    assert "sources[0].token_env: the environment variable OP_TEST_TOKEN is not set" in err
    assert "Traceback" not in err


def test_unreachable_store_is_exit_1(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\nurl = "postgresql+psycopg://nobody@127.0.0.1:1/none"\n' + GOOD_SOURCE, encoding="utf-8"
    )
    code, _, err = run(
        ["--config", str(config), "analyze"], env={"OP_TEST_EMAIL": "a@example.com", "OP_TEST_TOKEN": "t"}
    )
    assert code == 1
    assert err.startswith("orgpulse: store error: cannot connect to the store")
    assert err.count("\n") == 1


def test_console_script_exits_with_the_contract_code(tmp_path: Path) -> None:
    """The real entry point (not the test runner) turns a config error into exit 2 on stderr."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from orgpulse.cli import main; main()",
            "--config",
            str(tmp_path / "none.toml"),
            "sync",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "no such config file" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_values_are_exit_2_in_one_line(tmp_path: Path) -> None:
    env = {"OP_TEST_EMAIL": "a@example.com", "OP_TEST_TOKEN": "t"}
    for bad, key in (
        ("[privacy]\nreveals = true\n", "privacy.reveals: unknown key"),
        ("max_retries = 2.5\n", "sources[0].max_retries: must be a whole number"),
        ("timeout_seconds = 0\n", "sources[0].timeout_seconds: must be greater than 0"),
    ):
        config = tmp_path / "config.toml"
        config.write_text(GOOD_SOURCE + bad, encoding="utf-8")
        for command in (["sync"], ["status"], ["analyze"]):
            code, _, err = run(["--config", str(config), *command], env=env)
            assert code == 2, (bad, command)
            assert err.count("\n") == 1
            assert err.startswith("orgpulse: configuration error: ")
            assert key in err


def test_sync_refuses_a_bad_analysis_table_before_any_source_runs(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD_SOURCE + "\n[analysis]\nweeks = 0\n", encoding="utf-8")
    code, _, err = run(
        ["--config", str(config), "sync"], env={"OP_TEST_EMAIL": "a@example.com", "OP_TEST_TOKEN": "t"}
    )
    assert code == 2
    assert "analysis.weeks: must be a whole number" in err


def test_a_sandbox_too_small_to_generate_is_a_usage_error() -> None:
    for command in (["sandbox", "truth"], ["demo"]):
        code, _, err = run([*command, "--issues", "60"])
        assert code == 2, command
        assert "Traceback" not in err
        assert "--issues" in err
