"""Reads config.toml once into frozen settings, reporting every problem at once with its key path.

Secrets never live in the file: the config names environment variables, and their values are
wrapped in `Secret`, whose repr and str are redacted.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orgpulse.analysis.result import Intervention
from orgpulse.errors import ConfigError
from orgpulse.intervention_config import parse_interventions
from orgpulse.model import Role
from orgpulse.teams import TEAM_FROM, TeamRule

KINDS = ("jira_cloud", "jira_dc", "linear")
LINEAR_DEFAULT_URL = "https://api.linear.app/graphql"


class Secret:
    """A credential. Its value is only reachable through `reveal()`; every other view is redacted."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class SourceSettings:
    name: str
    kind: str
    url: str
    auth: str  # "basic" | "bearer"
    token: Secret
    user: Secret | None = None  # e-mail (jira_cloud) or username (jira_dc) for basic auth
    projects: tuple[str, ...] = ()  # Jira project keys; empty = every project the account sees
    teams: tuple[str, ...] = ()  # Linear team keys; empty = every team
    since: date | None = None
    overlap_minutes: int = 15
    metadata_ttl_hours: float = 24.0
    census_days: float = 7.0
    page_size: int = 100
    timeout_seconds: float = 60.0
    max_retries: int = 6
    max_retry_wait_seconds: float = 600.0
    keep_raw: bool = True
    # Status role patterns for this source (pattern -> role) and overrides by status id.
    status_roles: Mapping[str, Role] = field(default_factory=dict)
    status_role_overrides: Mapping[str, Role] = field(default_factory=dict)
    # Link type ids that mean "blocks", on top of those whose descriptions say so.
    blocking_link_types: tuple[str, ...] = ()
    # Accounts taken for bots on top of the built-in rules: by account id or user key, and by name
    # patterns (words of the user name, key or display name).
    bot_accounts: tuple[str, ...] = ()
    bot_patterns: tuple[str, ...] = ()
    # Where an issue's team comes from (orgpulse.teams): project | component | label | team_field,
    # and the values -> team names mapping.
    team_from: str = "project"
    team_map: Mapping[str, str] = field(default_factory=dict)

    @property
    def team_rule(self) -> TeamRule:
        return TeamRule(self.team_from, self.team_map)


@dataclass(frozen=True)
class StoreSettings:
    url: str = "sqlite:///orgpulse.db"
    # Analysis runs (and their trend rows) older than this are pruned; 0 keeps everything.
    retention_days: int = 730


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str = "0 2 * * *"
    timezone: str = "UTC"


@dataclass(frozen=True)
class PrivacySettings:
    reveal: bool = False


@dataclass(frozen=True)
class Settings:
    path: Path | None
    store: StoreSettings
    sources: tuple[SourceSettings, ...]
    schedule: ScheduleSettings
    privacy: PrivacySettings
    # The [analysis] table as written (validated by orgpulse.analysis.settings).
    analysis: Mapping[str, Any] = field(default_factory=dict)
    # team label -> declared members (tracker account ids), from [teams.<label>] members = [...]
    rosters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # [[interventions]]: changes a lead recorded, whose effect analyze measures
    interventions: tuple[Intervention, ...] = ()

    @property
    def timezone(self) -> str:
        """The zone weeks are cut in: [analysis] timezone, else [schedule] timezone, else UTC."""
        zone = self.analysis.get("timezone")
        return zone if isinstance(zone, str) else self.schedule.timezone


_SOURCE_KEYS = {
    "name",
    "kind",
    "url",
    "auth",
    "email_env",
    "username_env",
    "token_env",
    "projects",
    "teams",
    "since",
    "overlap_minutes",
    "metadata_ttl_hours",
    "census_days",
    "page_size",
    "timeout_seconds",
    "max_retries",
    "max_retry_wait_seconds",
    "keep_raw",
    "status_roles",
    "status_role_overrides",
    "blocking_link_types",
    "bot_accounts",
    "bot_patterns",
    "team_from",
    "team_map",
}
_TOP_KEYS = {"store", "sources", "schedule", "analysis", "privacy", "teams", "interventions"}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Parse and validate `path`; raise ConfigError listing every problem."""
    if not path.is_file():
        raise ConfigError([f"{path}: no such config file (pass --config or set ORGPULSE_CONFIG)"])
    try:
        with path.open("rb") as handle:
            doc = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from exc
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc.strerror}"]) from exc
    return parse_settings(doc, path=path, environ=os.environ if environ is None else environ)


def parse_settings(doc: Mapping[str, Any], *, path: Path | None, environ: Mapping[str, str]) -> Settings:
    problems = _Problems()
    for key in doc:
        if key not in _TOP_KEYS:
            problems.add(key, f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    store = _parse_store(_table(doc, "store", problems), path, problems)
    schedule = _parse_schedule(_table(doc, "schedule", problems), problems)
    privacy_doc = _table(doc, "privacy", problems)
    privacy = PrivacySettings(reveal=_bool(privacy_doc, "reveal", "privacy", False, problems))
    analysis = _table(doc, "analysis", problems)
    if "timezone" in analysis:
        _zone(analysis["timezone"], "analysis.timezone", problems)
    raw_sources = doc.get("sources", [])
    if not isinstance(raw_sources, list):
        problems.add("sources", "must be an array of tables ([[sources]])")
        raw_sources = []
    sources = []
    for n, raw in enumerate(raw_sources):
        parsed = _parse_source(raw, f"sources[{n}]", environ, problems)
        if parsed is not None:
            sources.append(parsed)
    names = [s.name for s in sources]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add("sources", f"the name {name!r} is used twice")
    rosters = _parse_rosters(_table(doc, "teams", problems), problems)
    interventions, wrong = parse_interventions(doc.get("interventions"))
    problems.items.extend(wrong)
    if problems.items:
        raise ConfigError(problems.items)
    return Settings(
        path=path,
        store=store,
        sources=tuple(sources),
        schedule=schedule,
        privacy=privacy,
        analysis=dict(analysis),
        rosters=rosters,
        interventions=interventions,
    )


def _table(doc: Mapping[str, Any], key: str, problems: _Problems) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        problems.add(key, "must be a table")
        return {}
    return value


def _parse_store(doc: dict[str, Any], path: Path | None, problems: _Problems) -> StoreSettings:
    for key in doc:
        if key not in ("url", "retention_days"):
            problems.add(f"store.{key}", "unknown key (known: url, retention_days)")
    retention = int(_number(doc, "retention_days", "store", StoreSettings.retention_days, problems))
    url = doc.get("url", StoreSettings.url)
    if not isinstance(url, str) or "://" not in url:
        problems.add("store.url", "must be an SQLAlchemy URL such as sqlite:///orgpulse.db")
        return StoreSettings()
    return StoreSettings(
        url=resolve_sqlite_url(url, path.parent if path else Path.cwd()), retention_days=retention
    )


def resolve_sqlite_url(url: str, folder: Path) -> str:
    """A relative SQLite path is taken relative to the config file's folder (DESIGN.md)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    rest = url[len(prefix) :]
    if not rest or rest.startswith("/") or rest.startswith(":memory:"):
        return url
    return prefix + str((folder / rest).resolve())


def _parse_schedule(doc: dict[str, Any], problems: _Problems) -> ScheduleSettings:
    for key in doc:
        if key not in ("cron", "timezone"):
            problems.add(f"schedule.{key}", "unknown key (known: cron, timezone)")
    cron = doc.get("cron", ScheduleSettings.cron)
    if not isinstance(cron, str) or len(cron.split()) != 5:
        problems.add("schedule.cron", "must be a five-field cron expression such as '0 2 * * *'")
        cron = ScheduleSettings.cron
    zone = doc.get("timezone", "UTC")
    _zone(zone, "schedule.timezone", problems)
    return ScheduleSettings(cron=cron, timezone=zone if isinstance(zone, str) else "UTC")


def _zone(value: object, key: str, problems: _Problems) -> None:
    if not isinstance(value, str):
        problems.add(key, "must be an IANA time zone name such as 'Europe/Paris'")
        return
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(key, f"unknown time zone {value!r}")


def _bool(doc: Mapping[str, Any], key: str, path: str, default: bool, problems: _Problems) -> bool:
    value = doc.get(key, default)
    if not isinstance(value, bool):
        problems.add(f"{path}.{key}", "must be true or false")
        return default
    return value


def _strings(doc: Mapping[str, Any], key: str, path: str, problems: _Problems) -> tuple[str, ...]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.add(f"{path}.{key}", "must be a list of non-empty strings")
        return ()
    return tuple(value)


def _number(doc: Mapping[str, Any], key: str, path: str, default: float, problems: _Problems) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.add(f"{path}.{key}", "must be a non-negative number")
        return default
    return float(value)


def _roles(doc: Mapping[str, Any], key: str, path: str, problems: _Problems) -> dict[str, Role]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        problems.add(f"{path}.{key}", "must be a table of name = role")
        return {}
    roles: dict[str, Role] = {}
    for pattern, role in value.items():
        try:
            roles[str(pattern)] = Role(role)
        except ValueError:
            known = ", ".join(r.value for r in Role)
            problems.add(f"{path}.{key}.{pattern}", f"unknown role {role!r} (known: {known})")
    return roles


def _parse_source(
    raw: object, path: str, environ: Mapping[str, str], problems: _Problems
) -> SourceSettings | None:
    if not isinstance(raw, dict):
        problems.add(path, "must be a table")
        return None
    for key in raw:
        if key not in _SOURCE_KEYS:
            problems.add(f"{path}.{key}", "unknown key")
    name = raw.get("name")
    if not isinstance(name, str) or not name or "/" in name or ":" in name:
        problems.add(f"{path}.name", "must be a non-empty name without '/' or ':'")
        name = f"source{path}"
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.add(f"{path}.kind", f"must be one of {', '.join(KINDS)}")
        return None
    url = raw.get("url", LINEAR_DEFAULT_URL if kind == "linear" else None)
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        problems.add(f"{path}.url", "must be an http(s) URL")
        url = ""
    user_key = "email_env" if kind == "jira_cloud" else "username_env"
    auth = raw.get("auth")
    if auth is None:
        auth = "basic" if ("email_env" in raw or "username_env" in raw) else "bearer"
    if auth not in ("basic", "bearer"):
        problems.add(f"{path}.auth", "must be 'basic' or 'bearer'")
    if kind == "jira_cloud" and auth == "basic" and "email_env" not in raw:
        problems.add(f"{path}.email_env", "basic auth on Jira Cloud needs the e-mail's environment variable")
    if kind == "jira_dc" and auth == "basic" and "username_env" not in raw:
        problems.add(f"{path}.username_env", "basic auth on Jira Data Center needs the user name's variable")
    token = _env_secret(raw, "token_env", path, environ, problems, required=True)
    user = _env_secret(raw, user_key, path, environ, problems, required=False) if auth == "basic" else None
    since = raw.get("since")
    since_date: date | None = None
    if since is not None:
        if isinstance(since, date):
            since_date = since
        else:
            try:
                since_date = date.fromisoformat(str(since))
            except ValueError:
                problems.add(f"{path}.since", "must be a date YYYY-MM-DD")
    projects = _strings(raw, "projects", path, problems)
    teams = _strings(raw, "teams", path, problems)
    settings = SourceSettings(
        name=name,
        kind=kind,
        url=url.rstrip("/"),
        auth=str(auth),
        token=token or Secret(""),
        user=user,
        projects=projects,
        teams=teams,
        since=since_date,
        status_roles=_roles(raw, "status_roles", path, problems),
        status_role_overrides=_roles(raw, "status_role_overrides", path, problems),
        blocking_link_types=_strings(raw, "blocking_link_types", path, problems),
        bot_accounts=_strings(raw, "bot_accounts", path, problems),
        bot_patterns=_strings(raw, "bot_patterns", path, problems),
        keep_raw=_bool(raw, "keep_raw", path, True, problems),
        **_team_mapping(raw, path, problems),
    )
    numbers: dict[str, Any] = {}
    for f in fields(SourceSettings):
        if f.name in raw and f.type in ("int", "float"):
            value = _number(raw, f.name, path, float(getattr(settings, f.name)), problems)
            numbers[f.name] = int(value) if f.type == "int" else value
    if numbers.get("page_size", 1) < 1:
        problems.add(f"{path}.page_size", "must be at least 1")
        numbers.pop("page_size")
    return replace(settings, **numbers)


def _team_mapping(raw: Mapping[str, Any], path: str, problems: _Problems) -> dict[str, Any]:
    team_from = raw.get("team_from", "project")
    if team_from not in TEAM_FROM:
        problems.add(f"{path}.team_from", f"must be one of {', '.join(TEAM_FROM)}")
        team_from = "project"
    team_map = raw.get("team_map", {})
    if not isinstance(team_map, dict) or not all(isinstance(v, str) and v for v in team_map.values()):
        problems.add(f"{path}.team_map", 'must be a table of value = "TEAM" (non-empty team names)')
        team_map = {}
    if team_from == "label" and not team_map:
        problems.add(f"{path}.team_map", 'team_from = "label" needs a team_map naming which labels are teams')
    return {"team_from": team_from, "team_map": {str(k): v for k, v in team_map.items()}}


def _env_secret(
    raw: Mapping[str, Any],
    key: str,
    path: str,
    environ: Mapping[str, str],
    problems: _Problems,
    *,
    required: bool,
) -> Secret | None:
    variable = raw.get(key)
    if variable is None:
        if required:
            problems.add(f"{path}.{key}", "missing: name the environment variable that holds the credential")
        return None
    if not isinstance(variable, str) or not variable:
        problems.add(f"{path}.{key}", "must name an environment variable")
        return None
    value = environ.get(variable)
    if not value:
        problems.add(f"{path}.{key}", f"the environment variable {variable} is not set")
        return None
    return Secret(value)


def _parse_rosters(doc: dict[str, Any], problems: _Problems) -> dict[str, tuple[str, ...]]:
    rosters: dict[str, tuple[str, ...]] = {}
    for team, table in doc.items():
        if not isinstance(table, dict) or set(table) - {"members"}:
            problems.add(f"teams.{team}", "must be a table with one key, members = [account ids]")
            continue
        rosters[team] = _strings(table, "members", f"teams.{team}", problems)
    return rosters
