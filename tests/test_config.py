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


SOURCE = {"name": "a", "kind": "jira_dc", "url": "https://jira.example", "token_env": "T"}


def problems_of(doc: dict[str, object], environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(doc, path=None, environ={"T": "t"} if environ is None else environ)
    return caught.value.problems


def test_numbers_are_strict_and_ranged_and_every_problem_comes_at_once() -> None:
    found = problems_of(
        {
            "privacy": {"reveals": True},
            "sources": [
                {**SOURCE, "max_retries": 2.5, "timeout_seconds": 0, "page_size": True, "auth": "oauth"}
            ],
            "store": {"retention_days": -1},
        }
    )
    assert found == [  # in the document's order
        "privacy.reveals: unknown key (known: reveal)",
        "sources[0].max_retries: must be a whole number (got 2.5)",
        "sources[0].timeout_seconds: must be greater than 0 (got 0)",
        "sources[0].page_size: must be a whole number (got true)",
        "sources[0].auth: must be one of basic, bearer (got 'oauth')",
        "store.retention_days: must be at least 0 (got -1)",
    ]


def test_unknown_keys_name_the_known_ones_at_every_depth() -> None:
    found = problems_of({"sources": [{**SOURCE, "colour": 1}], "teams": {"members": {"member": ["x"]}}})
    assert "sources[0].colour: unknown key (known: auth, blocking_link_types," in found[0]
    assert found[1] == "teams.members.member: unknown key (known: members)"


def test_a_whole_number_is_a_number_and_dates_may_be_quoted() -> None:
    doc = {"sources": [{**SOURCE, "timeout_seconds": 30, "since": "2026-01-05", "kind": "linear"}]}
    source = parse_settings(doc, path=None, environ={"T": "t"}).sources[0]
    assert source.timeout_seconds == 30.0
    assert str(source.since) == "2026-01-05"
    assert problems_of({"sources": [{**SOURCE, "since": "last monday"}]}) == [
        "sources[0].since: must be a date YYYY-MM-DD"
    ]


def test_the_analysis_table_is_checked_with_the_rest() -> None:
    found = problems_of({"sources": [{**SOURCE, "page_size": 0}], "analysis": {"weeks": 0}})
    assert found[0].startswith("sources[0].page_size: must be at least 1")
    assert found[1].startswith("analysis.weeks: must be a whole number")


def test_basic_auth_needs_its_user_variable() -> None:
    found = problems_of({"sources": [{**SOURCE, "auth": "basic"}]})
    assert found == [
        "sources[0].username_env: basic auth on Jira Data Center needs the user name's environment variable"
    ]
    assert problems_of({"sources": [{**SOURCE, "url": None}]})[0].startswith("sources[0].url:")
    no_url = {k: v for k, v in SOURCE.items() if k != "url"}
    assert problems_of({"sources": [no_url]}) == [
        "sources[0].url: missing: a Jira source needs its site's http(s) URL"
    ]


def test_the_store_url_comes_from_the_environment_when_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[store]\nurl = "sqlite:///file.db"\nretention_days = 30\n')
    monkeypatch.chdir(tmp_path / "..")
    env = {"ORGPULSE_STORE_URL": "postgresql+psycopg://u:pw@db.example/orgpulse"}
    settings = load_settings(path, env)
    assert settings.store.url == env["ORGPULSE_STORE_URL"]
    assert settings.store.retention_days == 30
    relative = load_settings(path, {"ORGPULSE_STORE_URL": "sqlite:///here.db"})
    assert (
        relative.store.url == f"sqlite:///{(tmp_path / '..' / 'here.db').resolve()}"
    )  # the working folder's
    assert load_settings(path, {"ORGPULSE_STORE_URL": " "}).store.url.endswith(f"{tmp_path.name}/file.db")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {"ORGPULSE_STORE_URL": "orgpulse.db"})
    assert caught.value.problems == [
        "ORGPULSE_STORE_URL (replacing store.url): must be an SQLAlchemy URL such as sqlite:///orgpulse.db"
    ]
