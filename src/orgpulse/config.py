"""Reads config.toml once into frozen settings, reporting every problem at once with its key path.

The file's shape (types, ranges, allowed values) is `config_schema`, on pydantic; this module
turns a valid document into the frozen settings the rest of the code reads, and validates the
`[analysis]` table too, so every command refuses a bad config before doing anything.
`$ORGPULSE_STORE_URL`, when set, replaces `[store] url` (an orchestrator's secret store can hold a
PostgreSQL URL with its password). Secrets never live in the file: the config names environment
variables, and their values are wrapped in `Secret`, whose repr and str are redacted.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from orgpulse.analysis.result import Intervention
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.config_schema import (
    LINEAR_DEFAULT_URL,
    Auth,
    ConfigDoc,
    Kind,
    SourceDoc,
    TeamFrom,
    problem_lines,
)
from orgpulse.errors import ConfigError
from orgpulse.intervention_config import parse_interventions
from orgpulse.model import Role
from orgpulse.teams import TeamRule

KINDS: tuple[Kind, ...] = get_args(Kind)
STORE_URL_ENV = "ORGPULSE_STORE_URL"


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
    kind: Kind
    url: str
    auth: Auth
    token: Secret
    user: Secret | None = None  # e-mail (jira_cloud) or username (jira_dc) for basic auth
    projects: tuple[str, ...] = ()  # Jira project keys; empty = every project the account sees
    teams: tuple[str, ...] = ()  # Linear team keys; empty = every team
    since: date | None = None
    overlap_minutes: int = 15
    metadata_ttl_hours: float = 24.0
    census_days: float = 7.0
    # A census that would delete more than this share of the source's issues is refused (store.census).
    census_max_deleted_share: float = 0.2
    page_size: int = 100
    timeout_seconds: float = 60.0  # per socket read
    deadline_seconds: float = 300.0  # one request, from sending it to its body's last byte
    max_response_mb: float = 64.0  # the largest answer taken, once decompressed
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
    team_from: TeamFrom = "project"
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
class ReportSettings:
    language: str = "en"  # en | fr: the report, `analyze` and `explain` (--lang overrides)


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
    report: ReportSettings = field(default_factory=ReportSettings)

    @property
    def timezone(self) -> str:
        """The zone weeks are cut in: [analysis] timezone, else [schedule] timezone, else UTC."""
        zone = self.analysis.get("timezone")
        return zone if isinstance(zone, str) else self.schedule.timezone


def load_settings(path: Path, environ: Mapping[str, str] | None = None, *, secrets: bool = True) -> Settings:
    """Parse and validate `path`; raise ConfigError listing every problem.

    `secrets=False` is for commands that never call a tracker (analyze, explain, report, status):
    a credential variable that is not set is then no problem, and its Secret is empty.
    """
    if not path.is_file():
        raise ConfigError([f"{path}: no such config file (pass --config or set ORGPULSE_CONFIG)"])
    try:
        with path.open("rb") as handle:
            doc = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from exc
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc.strerror}"]) from exc
    return parse_settings(doc, path=path, environ=os.environ if environ is None else environ, secrets=secrets)


def parse_settings(
    doc: Mapping[str, Any], *, path: Path | None, environ: Mapping[str, str], secrets: bool = True
) -> Settings:
    """Validate a parsed document (`environ` holds the credentials); ConfigError lists every problem."""
    doc, store_folder = _store_override(doc, path, environ)
    try:
        parsed = ConfigDoc.model_validate(doc, context={"environ": environ, "secrets": secrets})
    except ValidationError as exc:
        found = problem_lines(exc, ConfigDoc, doc)
        if store_folder is not None:
            found = [p.replace("store.url:", f"{STORE_URL_ENV} (replacing store.url):", 1) for p in found]
        table = doc.get("analysis")
        if isinstance(table, dict):  # its problems too, all at once (the sources' roles were checked above)
            try:
                AnalysisSettings.from_mapping(table, source_roles={}, source_overrides={})
            except ConfigError as analysis:
                found.extend(analysis.problems)
        found.extend(parse_interventions(doc.get("interventions"))[1])
        raise ConfigError(found) from None
    found = []
    names = [s.name for s in parsed.sources]
    for name in sorted({n for n in names if names.count(n) > 1}):
        found.append(f"sources: the name {name!r} is used twice")
    sources = tuple(_source(s, environ) for s in parsed.sources)
    interventions, wrong = parse_interventions(parsed.interventions)
    found.extend(wrong)
    settings = Settings(
        path=path,
        store=StoreSettings(
            url=resolve_sqlite_url(parsed.store.url, store_folder or (path.parent if path else Path.cwd())),
            retention_days=parsed.store.retention_days,
        ),
        sources=sources,
        schedule=ScheduleSettings(cron=parsed.schedule.cron, timezone=parsed.schedule.timezone),
        privacy=PrivacySettings(reveal=parsed.privacy.reveal),
        analysis=dict(parsed.analysis),
        rosters={team: tuple(t.members) for team, t in parsed.teams.items()},
        interventions=interventions,
        report=ReportSettings(language=parsed.report.language),
    )
    try:
        analysis_settings(settings)
    except ConfigError as exc:
        found.extend(exc.problems)
    if found:
        raise ConfigError(found)
    return settings


def analysis_settings(settings: Settings) -> AnalysisSettings:
    """The [analysis] table and the per-source role settings, validated (ConfigError otherwise)."""
    table = dict(settings.analysis)
    table.setdefault("timezone", settings.timezone)
    return AnalysisSettings.from_mapping(
        table,
        source_roles={s.name: s.status_roles for s in settings.sources},
        source_overrides={s.name: s.status_role_overrides for s in settings.sources},
    )


def as_kind(value: str) -> Kind:
    """`value` as a source kind, or a ConfigError naming the known kinds."""
    for kind in KINDS:
        if kind == value:
            return kind
    raise ConfigError([f"unknown source kind {value!r} (known: {', '.join(KINDS)})"])


def _store_override(
    doc: Mapping[str, Any], path: Path | None, environ: Mapping[str, str]
) -> tuple[Mapping[str, Any], Path | None]:
    """The document with $ORGPULSE_STORE_URL as its store URL, and the folder that URL is relative to."""
    url = environ.get(STORE_URL_ENV, "").strip()
    if not url:
        return doc, None
    store = doc.get("store", {})
    store = {**store, "url": url} if isinstance(store, dict) else store
    return {**doc, "store": store}, Path.cwd()


# The [[sources]] keys a SourceSettings takes as written (validated by config_schema.SourceDoc).
_AS_WRITTEN = {
    "name", "kind", "since", "overlap_minutes", "metadata_ttl_hours", "census_days",
    "census_max_deleted_share", "page_size", "timeout_seconds", "deadline_seconds", "max_response_mb",
    "max_retries", "max_retry_wait_seconds", "keep_raw", "team_from",
}  # fmt: skip


def _source(doc: SourceDoc, environ: Mapping[str, str]) -> SourceSettings:
    user_env = doc.user_env
    return SourceSettings(
        **doc.model_dump(include=_AS_WRITTEN),
        url=(doc.url or LINEAR_DEFAULT_URL).rstrip("/"),
        auth=doc.effective_auth,
        token=Secret(environ.get(doc.token_env, "")),
        user=Secret(environ.get(user_env, "")) if user_env is not None else None,
        projects=tuple(doc.projects),
        teams=tuple(doc.teams),
        status_roles={k: Role(v) for k, v in doc.status_roles.items()},
        status_role_overrides={k: Role(v) for k, v in doc.status_role_overrides.items()},
        blocking_link_types=tuple(doc.blocking_link_types),
        bot_accounts=tuple(doc.bot_accounts),
        bot_patterns=tuple(doc.bot_patterns),
        team_map=dict(doc.team_map),
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
