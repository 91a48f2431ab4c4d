"""The shape of config.toml as pydantic v2 models: every key, its type and its range. Pure.

Models forbid unknown keys and take numbers strictly (`2.5` is not a whole number, `true` is not
a number); ranges are `Field` bounds; `kind`, `auth` and `team_from` are `Literal`s. A source's
`*_env` keys are checked against the environment passed as validation context
(`{"environ": ...}`), so a missing credential is one more problem of the same list.
`problem_lines(error)` turns a `ValidationError` into "key.path: message" lines, every one at once.
The `[analysis]` table and `[[interventions]]` are passed through here and validated by
`orgpulse.analysis.settings` and `orgpulse.intervention_config`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from orgpulse.cron import CronError, crontab_trigger
from orgpulse.model import Role

Kind = Literal["jira_cloud", "jira_dc", "linear"]
Auth = Literal["basic", "bearer"]
TeamFrom = Literal["project", "component", "label", "team_field"]
LINEAR_DEFAULT_URL = "https://api.linear.app/graphql"
STORE_URL_DEFAULT = "sqlite:///orgpulse.db"


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def problem(message: str) -> PydanticCustomError:
    """An error whose message is said to the user as is (raise it from a validator)."""
    # The message is the whole text: braces in it are not template fields.
    return PydanticCustomError("config", message.replace("{", "{{").replace("}", "}}"))


def _non_empty(value: str) -> str:
    if not value.strip():
        raise problem("must not be empty")
    return value


def _role(value: str) -> str:
    try:
        Role(value)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise problem(f"unknown role {value!r} (known: {known})") from None
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise problem(f"unknown time zone {value!r} (an IANA name such as 'Europe/Paris')") from None
    return value


def _iso_date(value: object) -> object:
    """TOML writes a date bare (a `date`) or quoted ("YYYY-MM-DD"): both are accepted; a date and
    time is not a date."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise problem("must be a date YYYY-MM-DD") from None
    if isinstance(value, datetime):
        raise problem("must be a date YYYY-MM-DD, not a date and time")
    return value


Name = Annotated[str, AfterValidator(_non_empty)]
RoleName = Annotated[str, AfterValidator(_role)]
Zone = Annotated[str, AfterValidator(_zone)]
Day = Annotated[date, BeforeValidator(_iso_date)]


class Table(BaseModel):
    """A config table: unknown keys refused, numbers strict, frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class StoreDoc(Table):
    url: str = STORE_URL_DEFAULT
    # Analysis runs (and their trend rows) older than this many days are pruned; 0 keeps everything.
    retention_days: Annotated[int, Field(ge=0)] = 730

    @field_validator("url")
    @classmethod
    def _sqlalchemy_url(cls, value: str) -> str:
        if "://" not in value:
            raise problem("must be an SQLAlchemy URL such as sqlite:///orgpulse.db")
        return value


class ScheduleDoc(Table):
    cron: str = "0 2 * * *"
    timezone: Zone = "UTC"

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise problem("must be a five-field cron expression such as '0 2 * * *'")
        try:
            crontab_trigger(value, "UTC")  # read as crontab (orgpulse.cron); the zone cannot make it wrong
        except CronError as exc:
            raise problem(str(exc)) from None
        return value


class PrivacyDoc(Table):
    reveal: bool = False


class ReportDoc(Table):
    # The language of what a person reads: the HTML report, `analyze` and `explain` (--lang overrides).
    language: Literal["en", "fr"] = "en"


class TeamDoc(Table):
    members: list[Name] = []


class SourceDoc(Table):
    name: str
    kind: Kind
    url: str | None = Field(default=None, validate_default=True)  # Linear's endpoint when absent
    auth: Auth | None = None  # inferred: basic when email_env or username_env is present
    email_env: str | None = Field(default=None, validate_default=True)
    username_env: str | None = Field(default=None, validate_default=True)
    token_env: str
    projects: list[Name] = []
    teams: list[Name] = []
    since: Day | None = None
    overlap_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 15
    metadata_ttl_hours: Annotated[float, Field(ge=0)] = 24.0
    census_days: Annotated[float, Field(ge=0)] = 7.0
    census_max_deleted_share: Annotated[float, Field(ge=0, le=1)] = 0.2
    page_size: Annotated[int, Field(ge=1, le=5000)] = 100
    timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 60.0
    deadline_seconds: Annotated[float, Field(gt=0, le=86400)] = 300.0
    max_response_mb: Annotated[float, Field(gt=0, le=4096)] = 64.0
    max_retries: Annotated[int, Field(ge=0, le=100)] = 6
    max_retry_wait_seconds: Annotated[float, Field(ge=0)] = 600.0
    keep_raw: bool = True
    status_roles: dict[str, RoleName] = {}
    status_role_overrides: dict[str, RoleName] = {}
    blocking_link_types: list[Name] = []
    bot_accounts: list[Name] = []
    bot_patterns: list[Name] = []
    team_from: TeamFrom = "project"
    team_map: dict[str, Name] = Field(default={}, validate_default=True)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not value or "/" in value or ":" in value:
            raise problem("must be a non-empty name without '/' or ':'")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("kind") in ("jira_cloud", "jira_dc"):
            raise problem("missing: a Jira source needs its site's http(s) URL")
        if value is not None and not value.startswith(("http://", "https://")):
            raise problem("must be an http(s) URL")
        return value

    @field_validator("token_env", "email_env", "username_env")
    @classmethod
    def _variable_is_set(cls, variable: str | None, info: ValidationInfo) -> str | None:
        kind, auth = info.data.get("kind"), info.data.get("auth")
        if variable is None:
            if info.field_name == "email_env" and kind == "jira_cloud" and auth == "basic":
                raise problem("basic auth on Jira Cloud needs the e-mail's environment variable")
            if info.field_name == "username_env" and kind == "jira_dc" and auth == "basic":
                raise problem("basic auth on Jira Data Center needs the user name's environment variable")
            return None
        if not variable:
            raise problem("must name an environment variable")
        if not _ENV_NAME.match(variable):
            # Likely the credential itself pasted in place of its variable's name: never echoed.
            raise problem(
                "must name an environment variable (letters, digits, '_'); the value given is not one "
                "and is not shown, in case it is the credential itself"
            )
        if info.field_name != "token_env" and auth == "bearer":
            return variable  # bearer auth never reads the user's variable
        if (info.context or {}).get("secrets") is False:
            return variable  # a command that never calls the tracker: the credential is not needed
        environ: Mapping[str, str] = (info.context or {}).get("environ", {})
        if not environ.get(variable):
            raise problem(f"the environment variable {variable} is not set")
        return variable

    @field_validator("team_map")
    @classmethod
    def _labels_need_a_map(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        if info.data.get("team_from") == "label" and not value:
            raise problem('team_from = "label" needs a team_map naming which labels are teams')
        return value

    @property
    def effective_auth(self) -> Auth:
        if self.auth is not None:
            return self.auth
        return "basic" if self.email_env is not None or self.username_env is not None else "bearer"

    @property
    def user_env(self) -> str | None:
        """The variable holding the basic-auth user: the e-mail on Jira Cloud, the user name on DC."""
        if self.effective_auth != "basic":
            return None
        return self.email_env if self.kind == "jira_cloud" else self.username_env


class ConfigDoc(Table):
    store: StoreDoc = StoreDoc()
    sources: list[SourceDoc] = []
    schedule: ScheduleDoc = ScheduleDoc()
    privacy: PrivacyDoc = PrivacyDoc()
    report: ReportDoc = ReportDoc()
    analysis: dict[str, Any] = {}  # validated by orgpulse.analysis.settings
    teams: dict[str, TeamDoc] = {}  # team label -> declared members (tracker account ids)
    interventions: Any = None  # [[interventions]], validated by orgpulse.intervention_config


_MISSING_HINTS = {
    "token_env": "name the environment variable that holds the credential",
    "name": "every source needs a name",
    "kind": "one of jira_cloud, jira_dc, linear",
}


# pydantic's error type -> what the value must be (bounds read from the error's context).
_MUST_BE = {
    "greater_than": "greater than {gt:g}",
    "greater_than_equal": "at least {ge:g}",
    "less_than": "less than {lt:g}",
    "less_than_equal": "at most {le:g}",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "date_type": "a date YYYY-MM-DD",
}


def problem_lines(error: ValidationError, root: type[BaseModel], doc: object) -> list[str]:
    """Every problem of `error` (from validating `doc` as `root`) as 'key.path: message', in `doc`'s order."""
    items = sorted(error.errors(include_url=False), key=lambda item: _position(doc, tuple(item["loc"])))
    return [f"{key_path(tuple(i['loc']))}: {_message(i, tuple(i['loc']), root)}" for i in items]


def _position(doc: object, loc: tuple[int | str, ...]) -> tuple[int, ...]:
    """Where `loc` sits in `doc`: the index of each key or item along it (absent keys last)."""
    found = []
    for part in loc:
        if isinstance(doc, Mapping) and part in doc:
            found.append(list(doc).index(part))
            doc = doc[part]
        elif isinstance(doc, list) and isinstance(part, int) and part < len(doc):
            found.append(part)
            doc = doc[part]
        else:
            found.append(1_000_000)
            break
    return tuple(found)


def key_path(loc: tuple[int | str, ...]) -> str:
    """('sources', 0, 'url') -> 'sources[0].url'."""
    path = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for an error in a table's key rather than its value
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def says(message: str, *, wrong_type: str | None = None) -> dict[str, Any]:
    """`Field(json_schema_extra=says(...))`: what any problem of this field says, whatever failed
    (`wrong_type`, when given, for a value of the wrong type)."""
    return {"problem": message, "type_problem": wrong_type or message}


def _message(item: Mapping[str, Any], loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    kind, ctx, value = item["type"], item.get("ctx") or {}, item.get("input")
    if kind == "config":
        return str(item["msg"])
    declared = _declared(root, loc)
    if declared and kind != "extra_forbidden":
        return str(declared["type_problem" if kind.endswith("_type") else "problem"])
    if kind == "extra_forbidden":
        known = _known_keys(root, loc[:-1])
        return f"unknown key (known: {', '.join(known)})" if known else "unknown key"
    if kind == "missing":
        hint = _MISSING_HINTS.get(str(loc[-1]))
        return f"missing: {hint}" if hint else "missing"
    if kind == "literal_error":
        expected = str(ctx["expected"]).replace("'", "").replace(" or ", ", ")
        return f"must be one of {expected}{_got(value)}"
    if kind in _MUST_BE:
        return f"must be {_MUST_BE[kind].format(**ctx)}{_got(value)}"
    return str(item["msg"])


def _got(value: object) -> str:
    if isinstance(value, bool | int | float):
        return f" (got {str(value).lower() if isinstance(value, bool) else value})"
    if isinstance(value, str) and len(value) <= 40:
        return f" (got {value!r})"
    return ""


def _declared(root: type[BaseModel], loc: tuple[int | str, ...]) -> Mapping[str, Any] | None:
    """The `says(...)` of the deepest named field along `loc` (list items and table values included)."""
    walked = _walk(root, loc)
    return walked[1] if walked else None


def _known_keys(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys the table at `loc` may hold."""
    walked = _walk(root, loc)
    model = _model_in(walked[0]) if walked else None
    return sorted(model.model_fields) if model is not None else []


def _walk(root: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[Any, Mapping[str, Any] | None] | None:
    """(the type at `loc`, the `says(...)` of the deepest named field on the way), following nested
    models through lists and tables; None when `loc` leaves the declared keys."""
    annotation: Any = root
    declared: Mapping[str, Any] | None = None
    for part in loc:
        if get_origin(annotation) in (list, dict):
            annotation = get_args(annotation)[-1]  # an item of a list, a value of a table
            continue
        model = _model_in(annotation)
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return None
        info = model.model_fields[part]
        extra = info.json_schema_extra
        declared = extra if isinstance(extra, Mapping) and "problem" in extra else None
        annotation = info.annotation
    return annotation, declared


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
