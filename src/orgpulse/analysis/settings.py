"""The frozen settings every detector reads: time zone, weeks, role map, and thresholds per symptom.

`AnalysisSettings.from_mapping` validates the `[analysis]` table of config.toml once and reports
every problem at once, each with its key path. Each registered symptom (`detectors.SYMPTOMS`)
declares its levels and thresholds dataclass beside its detector (`detectors/<name>/__init__.py`);
a sub-table `[analysis.<symptom>]` overrides them, under the keys and kinds `symptom.Symptom`
gives; the table's pydantic model (`AnalysisDoc`, strict, unknown keys refused) is derived from
them, and `AnalysisSettings.thresholds(symptom)` returns them as configured.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, ValidationError, create_model

from orgpulse.analysis.detectors import SYMPTOMS
from orgpulse.analysis.detectors.symptom import Symptom, T, Thresholds
from orgpulse.analysis.patterns import (
    DEFAULT_CANCELED_PATTERNS,
    DEFAULT_RETIRED_CANCELED_PATTERNS,
    DEFAULT_RETIRED_DONE_PATTERNS,
    DEFAULT_ROLE_PATTERNS,
    normalise_name,
)
from orgpulse.config_schema import RoleName, Table, Zone, problem, problem_lines, says
from orgpulse.errors import AnalysisError, ConfigError
from orgpulse.model import Role

RolePatterns = tuple[tuple[str, Role], ...]


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything that shapes analysis results. Patterns are stored normalised."""

    timezone: str = "UTC"
    weeks: int = 12
    canceled_patterns: tuple[str, ...] = tuple(normalise_name(p) for p in DEFAULT_CANCELED_PATTERNS)
    # Default patterns plus [analysis] role_patterns (a user pattern replaces an equal default).
    role_patterns: RolePatterns = tuple((normalise_name(p), r) for p, r in DEFAULT_ROLE_PATTERNS)
    # source name -> that source's own patterns, and source name -> status id -> role.
    source_roles: tuple[tuple[str, RolePatterns], ...] = ()
    source_overrides: tuple[tuple[str, tuple[tuple[str, Role], ...]], ...] = ()
    # Symptom name -> its thresholds as configured, for every registered symptom (`thresholds`).
    symptom_thresholds: tuple[tuple[str, Thresholds], ...] = field(
        default_factory=lambda: tuple((s.name, s.defaults()) for s in SYMPTOMS)
    )
    # Statuses the site no longer lists: names that make them done or canceled (SYMPTOMS.md).
    retired_done_patterns: tuple[str, ...] = tuple(normalise_name(p) for p in DEFAULT_RETIRED_DONE_PATTERNS)
    retired_canceled_patterns: tuple[str, ...] = tuple(
        normalise_name(p) for p in DEFAULT_RETIRED_CANCELED_PATTERNS
    )
    # Bulk cleanups (SYMPTOMS.md): one actor closing this many issues within this many minutes is a
    # bulk close; an issue in it untouched for this many days before was cleaned up, not finished.
    bulk_close_issues: int = 20
    bulk_close_minutes: float = 10.0
    cleanup_idle_days: float = 30.0

    @classmethod
    def from_mapping(
        cls,
        table: Mapping[str, Any],
        *,
        source_roles: Mapping[str, Mapping[str, Role]],
        source_overrides: Mapping[str, Mapping[str, Role]],
    ) -> AnalysisSettings:
        """Validate the [analysis] table; raise ConfigError listing every bad key with its path."""
        problems: list[str] = []
        try:
            doc = AnalysisDoc.model_validate(dict(table))
        except ValidationError as exc:
            problems.extend(f"analysis.{line}" for line in problem_lines(exc, AnalysisDoc, table))
            doc = None
        per_source = tuple(
            (name, _role_table(dict(roles), f"sources.{name}.status_roles", problems))
            for name, roles in sorted(source_roles.items())
        )
        overrides = tuple(
            (name, _overrides(roles, f"sources.{name}.status_role_overrides", problems))
            for name, roles in sorted(source_overrides.items())
        )
        if doc is None or problems:
            raise ConfigError(problems)
        settings = cls()
        user_roles = tuple((normalise_name(p), Role(r)) for p, r in doc.role_patterns.items())
        overridden = {p for p, _ in user_roles}
        role_patterns = tuple((p, r) for p, r in settings.role_patterns if p not in overridden) + user_roles
        thresholds = tuple(
            (s.name, _thresholds(s, getattr(doc, s.name), f"analysis.{s.name}", problems)) for s in SYMPTOMS
        )
        if problems:
            raise ConfigError(problems)
        canceled = doc.canceled_resolutions
        return replace(
            settings,
            timezone=doc.timezone,
            weeks=doc.weeks,
            canceled_patterns=tuple(canceled) if canceled is not None else settings.canceled_patterns,
            role_patterns=role_patterns,
            source_roles=per_source,
            source_overrides=overrides,
            retired_done_patterns=_or(doc.retired_done_patterns, settings.retired_done_patterns),
            retired_canceled_patterns=_or(doc.retired_canceled_patterns, settings.retired_canceled_patterns),
            bulk_close_issues=doc.bulk_close_issues,
            bulk_close_minutes=float(doc.bulk_close_minutes),
            cleanup_idle_days=float(doc.cleanup_idle_days),
            symptom_thresholds=thresholds,
        )

    def patterns_for(self, source: str) -> RolePatterns:
        """The per-source patterns of `source` (empty when it has none)."""
        return dict(self.source_roles).get(source, ())

    def overrides_for(self, source: str) -> dict[str, Role]:
        """Status id -> role overrides of `source`."""
        return dict(dict(self.source_overrides).get(source, ()))

    def thresholds(self, symptom: Symptom[T]) -> T:
        """The thresholds of `symptom` as configured."""
        found = dict(self.symptom_thresholds).get(symptom.name)
        if not isinstance(found, symptom.thresholds):
            raise AnalysisError(f"the settings hold no {symptom.thresholds.__name__} for {symptom.name}")
        return found

    def fingerprint(self) -> str:
        """A stable hash of everything that shapes a row's values (not `weeks`, which only picks rows)."""
        doc = {
            "timezone": self.timezone,
            "canceled_patterns": sorted(self.canceled_patterns),
            "role_patterns": sorted([p, r.value] for p, r in self.role_patterns),
            "source_roles": [[s, sorted([p, r.value] for p, r in rs)] for s, rs in self.source_roles],
            "source_overrides": [[s, [[k, r.value] for k, r in rs]] for s, rs in self.source_overrides],
            **{s.name: s.table(self.thresholds(s)) for s in SYMPTOMS},
            **{key: _plain(getattr(self, key)) for key in HISTORY_KEYS},
        }
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# [analysis] keys that decide how real histories are read: retired statuses and bulk cleanups.
HISTORY_KEYS = (
    "retired_done_patterns",
    "retired_canceled_patterns",
    "bulk_close_issues",
    "bulk_close_minutes",
    "cleanup_idle_days",
)


def _or(given: list[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(given) if given is not None else default


def _plain(value: object) -> object:
    return sorted(value) if isinstance(value, tuple) else value


def _pattern_name(value: str) -> str:
    normalised = normalise_name(value)
    if not normalised:
        raise ValueError("a name needs at least one letter or digit")
    return normalised


def _pattern_key(value: str) -> str:
    if not normalise_name(value):
        raise problem("a pattern needs at least one letter or digit")
    return value


# What a threshold field holds (its metadata "kind") -> its type, range and what a problem says.
_NAMES = Annotated[
    list[Annotated[str, AfterValidator(_pattern_name)]],
    Field(json_schema_extra=says("must be a list of non-empty names")),
]
_SHARE = says("must be a share between 0 and 1", wrong_type="must be a number")
_KINDS: Mapping[str, Any] = {
    "share": Annotated[float, Field(ge=0, le=1, json_schema_extra=_SHARE)],
    "number": Annotated[float, Field(ge=0, json_schema_extra=says("must be a number ≥ 0"))],
    "whole": Annotated[int, Field(ge=0, json_schema_extra=says("must be a whole number ≥ 0"))],
    "patterns": _NAMES,
}
_WEEKS = says("must be a whole number from 1 to 520")


def _thresholds_model(symptom: Symptom[Any]) -> type[BaseModel]:
    """The sub-table `[analysis.<symptom>]` as a model: every thresholds field under its key, with its
    default."""
    default = symptom.defaults()
    spec: dict[str, Any] = {
        symptom.key(f.name): (_KINDS[symptom.kind(f.name)], getattr(default, f.name))
        for f in fields(symptom.thresholds)
    }
    return create_model(f"{symptom.name}_thresholds", __base__=Table, **spec)


_POSITIVE = says("must be a number greater than 0")
_POSITIVE_WHOLE = says("must be a whole number greater than 0")


class _AnalysisTable(Table):
    timezone: Zone = "UTC"
    weeks: Annotated[int, Field(ge=1, le=520, json_schema_extra=_WEEKS)] = 12
    canceled_resolutions: _NAMES | None = None
    role_patterns: dict[Annotated[str, AfterValidator(_pattern_key)], RoleName] = Field(default_factory=dict)
    # How real histories are read (SYMPTOMS.md): retired statuses' names, bulk cleanups.
    retired_done_patterns: _NAMES | None = None
    retired_canceled_patterns: _NAMES | None = None
    bulk_close_issues: Annotated[int, Field(ge=1, json_schema_extra=_POSITIVE_WHOLE)] = 20
    bulk_close_minutes: Annotated[float, Field(gt=0, json_schema_extra=_POSITIVE)] = 10.0
    cleanup_idle_days: Annotated[float, Field(gt=0, json_schema_extra=_POSITIVE)] = 30.0


# The [analysis] table: the keys above and one sub-table per registered symptom.
_SUB_TABLES: dict[str, Any] = {s.name: (_thresholds_model(s) | None, None) for s in SYMPTOMS}
AnalysisDoc = create_model("AnalysisDoc", __base__=_AnalysisTable, **_SUB_TABLES)


def _role_table(value: object, path: str, problems: list[str]) -> RolePatterns:
    if not isinstance(value, Mapping):
        problems.append(f"{path}: must be a table of pattern = role")
        return ()
    found: list[tuple[str, Role]] = []
    for pattern, role in value.items():
        normalised = normalise_name(str(pattern))
        if not normalised:
            problems.append(f"{path}.{pattern}: a pattern needs at least one letter or digit")
            continue
        try:
            found.append((normalised, Role(role)))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            problems.append(f"{path}.{pattern}: unknown role {role!r} (known: {known})")
    return tuple(found)


def _overrides(value: Mapping[str, object], path: str, problems: list[str]) -> tuple[tuple[str, Role], ...]:
    found: list[tuple[str, Role]] = []
    for status_id, role in value.items():
        try:
            found.append((str(status_id), Role(str(role))))
        except ValueError:
            problems.append(f"{path}.{status_id}: unknown role {role!r}")
    return tuple(sorted(found))


def _thresholds(symptom: Symptom[Any], doc: BaseModel | None, path: str, problems: list[str]) -> Thresholds:
    """The defaults of `symptom` with the sub-table's keys; the alert level must exceed the watch level."""
    changes: dict[str, Any] = doc.model_dump(exclude_unset=True) if doc is not None else {}
    names = {symptom.key(f.name): f.name for f in fields(symptom.thresholds)}
    values: dict[str, Any] = {names[k]: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    merged: Thresholds = replace(symptom.defaults(), **values)
    watch_key, alert_key = symptom.key("watch"), symptom.key("alert")
    if merged.alert <= merged.watch and (alert_key in changes or watch_key in changes):
        problems.append(f"{path}.{alert_key}: must be greater than {watch_key} ({merged.watch})")
    return merged
