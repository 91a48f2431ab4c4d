from __future__ import annotations

from pathlib import Path

import pytest

from orgpulse.analyze import analysis_settings
from orgpulse.config import Secret, load_settings, parse_settings
from orgpulse.errors import ConfigError
from orgpulse.model import Role

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
[store]
url = "sqlite:///data/orgpulse.db"

[[sources]]
name = "acme-cloud"
kind = "jira_cloud"
url = "https://acme.atlassian.net/"
email_env = "JIRA_EMAIL"
token_env = "JIRA_API_TOKEN"
projects = ["PAY", "CORE"]
status_roles = { "Awaiting CFO" = "approval" }

[schedule]
cron = "0 2 * * *"
timezone = "Europe/Paris"
"""

ENV = {"JIRA_EMAIL": "lead@example.com", "JIRA_API_TOKEN": "tok-123"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_is_parsed_into_frozen_settings(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), ENV)
    source = settings.sources[0]
    assert source.kind == "jira_cloud"
    assert source.auth == "basic"  # inferred from email_env
    assert source.url == "https://acme.atlassian.net"
    assert source.projects == ("PAY", "CORE")
    assert source.status_roles == {"Awaiting CFO": Role.APPROVAL}
    assert source.token.reveal() == "tok-123"
    assert settings.timezone == "Europe/Paris"  # no [analysis] timezone: the schedule's
    # A relative SQLite path is resolved against the config file's folder.
    assert settings.store.url == f"sqlite:///{(tmp_path / 'data' / 'orgpulse.db').resolve()}"
    with pytest.raises(AttributeError):
        source.name = "other"  # type: ignore[misc]


def test_secrets_never_show_in_reprs() -> None:
    settings = parse_settings(
        {"sources": [{"name": "a", "kind": "jira_dc", "url": "https://jira.example", "token_env": "T"}]},
        path=None,
        environ={"T": "super-secret-pat"},
    )
    assert "super-secret-pat" not in repr(settings)
    assert "super-secret-pat" not in str(settings.sources[0])
    assert repr(Secret("x")) == "Secret('***')"
    assert settings.sources[0].auth == "bearer"


def test_every_problem_is_reported_at_once_with_its_key_path(tmp_path: Path) -> None:
    text = """
colour = "blue"
[store]
url = 12
[[sources]]
name = "a"
kind = "jira_cloud"
url = "ftp://nope"
email_env = "JIRA_EMAIL"
token_env = "MISSING_TOKEN"
page_size = -3
status_roles = { "Waiting" = "sleeping" }
[schedule]
timezone = "Mars/Olympus"
"""
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), {"JIRA_EMAIL": "x@example.com"})
    problems = "\n".join(caught.value.problems)
    for expected in (
        "colour: unknown key",
        "store.url:",
        "sources[0].url: must be an http(s) URL",
        "sources[0].token_env: the environment variable MISSING_TOKEN is not set",
        "sources[0].page_size:",
        "sources[0].status_roles.Waiting: unknown role 'sleeping'",
        "schedule.timezone: unknown time zone 'Mars/Olympus'",
    ):
        assert expected in problems


def test_bad_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[store\nurl="), {})
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "absent.toml", {})


def test_example_config_documents_a_valid_configuration() -> None:
    env = {"JIRA_EMAIL": "a@example.com", "JIRA_API_TOKEN": "t", "JIRA_DC_TOKEN": "t", "LINEAR_API_KEY": "k"}
    settings = load_settings(ROOT / "config.example.toml", env)
    assert {s.kind for s in settings.sources} >= {"jira_cloud"}
    analysis = analysis_settings(settings)  # the [analysis] tables are valid too
    assert analysis.weeks == 12
