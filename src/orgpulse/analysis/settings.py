"""The frozen settings every detector reads: time zone, weeks, role map, and thresholds per symptom.

`AnalysisSettings.from_mapping` validates the `[analysis]` table of config.toml once and reports
every problem at once, each with its key path. Thresholds live in one small frozen dataclass per
symptom, registered in `THRESHOLDS`; a sub-table `[analysis.<symptom>]` overrides its fields. A
field's metadata says what it holds (a share, a number, a whole number or a list of names); the
table's pydantic model (`AnalysisDoc`, strict, unknown keys refused) is derived from them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import Field as DataclassField
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, ValidationError, create_model

from orgpulse.analysis.patterns import (
    DEFAULT_CANCELED_PATTERNS,
    DEFAULT_COORDINATION_PATTERNS,
    DEFAULT_RETIRED_CANCELED_PATTERNS,
    DEFAULT_RETIRED_DONE_PATTERNS,
    DEFAULT_ROLE_PATTERNS,
    normalise_name,
)
from orgpulse.config_schema import RoleName, Table, Zone, problem, problem_lines, says
from orgpulse.errors import ConfigError
from orgpulse.model import Role

RolePatterns = tuple[tuple[str, Role], ...]


# Field metadata "kind": "share" (the default: a number in [0, 1]), "number" (any number >= 0),
# "whole" (a whole number >= 0; min_sample always is) or "patterns" (a list of names, stored normalised).
_NUMBER = {"kind": "number"}
_WHOLE = {"kind": "whole"}
_PATTERNS = {"kind": "patterns"}


@dataclass(frozen=True)
class Thresholds:
    """What every symptom's thresholds have: the minimum sample below which a row is insufficient_data."""

    min_sample: int = 0


@dataclass(frozen=True)
class ApprovalThresholds(Thresholds):
    """approval_bottleneck (SYMPTOMS.md): wait share levels, the concentration gate, the sample."""

    wait_share_watch: float = 0.15
    wait_share_alert: float = 0.25
    concentration_gate: float = 0.8
    min_sample: int = 8


@dataclass(frozen=True)
class BlockingThresholds(Thresholds):
    """cross_team_blocking (SYMPTOMS.md): blocked share levels and the sample."""

    blocked_share_watch: float = 0.10
    blocked_share_alert: float = 0.20
    min_sample: int = 5


@dataclass(frozen=True)
class MeetingThresholds(Thresholds):
    """meeting_driven_process: decision batching levels, the sample, what a coordination artefact is."""

    decision_batching_watch: float = 0.4
    decision_batching_alert: float = 0.6
    min_sample: int = 10
    coordination_patterns: tuple[str, ...] = field(
        default=tuple(normalise_name(p) for p in DEFAULT_COORDINATION_PATTERNS), metadata=_PATTERNS
    )


@dataclass(frozen=True)
class OversizedThresholds(Thresholds):
    """oversized_team: active people levels, both strict ("more than 7 people"), and the sample."""

    active_people_watch: float = field(default=7.0, metadata=_NUMBER)
    active_people_alert: float = field(default=9.0, metadata=_NUMBER)
    min_sample: int = 10


@dataclass(frozen=True)
class OwnershipThresholds(Thresholds):
    """diluted_ownership: hand-offs per completed issue levels and the sample."""

    handoffs_per_issue_watch: float = field(default=1.5, metadata=_NUMBER)
    handoffs_per_issue_alert: float = field(default=2.5, metadata=_NUMBER)
    min_sample: int = 5


@dataclass(frozen=True)
class WorkflowThresholds(Thresholds):
    """rigid_workflow: queue share levels, the sample, and what makes a status unused."""

    queue_share_watch: float = 0.5
    queue_share_alert: float = 0.7
    min_sample: int = 5
    unused_entry_share: float = 0.05  # entered by fewer than this share of completed issues
    unused_weeks: int = field(default=12, metadata=_WHOLE)  # ... over the trailing weeks W-11..W


@dataclass(frozen=True)
class GoalThresholds(Thresholds):
    """goal_disconnect: unlinked share levels, the sample, and how late a goal link may be made."""

    unlinked_share_watch: float = 0.4
    unlinked_share_alert: float = 0.6
    min_sample: int = 5
    link_days: float = field(default=7.0, metadata=_NUMBER)


@dataclass(frozen=True)
class FocusThresholds(Thresholds):
    """scattered_focus: per-person WIP levels (weekly median over the team's people) and the sample."""

    wip_per_person_watch: float = field(default=3.0, metadata=_NUMBER)
    wip_per_person_alert: float = field(default=5.0, metadata=_NUMBER)
    min_sample: int = 3


# Sub-table name -> (thresholds class, AnalysisSettings field). Fields named *_watch / *_alert pair up.
THRESHOLDS: Mapping[str, tuple[type[Thresholds], str]] = {
    "approval_bottleneck": (ApprovalThresholds, "approval"),
    "cross_team_blocking": (BlockingThresholds, "blocking"),
    "meeting_driven_process": (MeetingThresholds, "meeting"),
    "oversized_team": (OversizedThresholds, "oversized"),
    "diluted_ownership": (OwnershipThresholds, "ownership"),
    "rigid_workflow": (WorkflowThresholds, "workflow"),
    "goal_disconnect": (GoalThresholds, "goals"),
    "scattered_focus": (FocusThresholds, "focus"),
}


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
    approval: ApprovalThresholds = field(default_factory=ApprovalThresholds)
    blocking: BlockingThresholds = field(default_factory=BlockingThresholds)
    meeting: MeetingThresholds = field(default_factory=MeetingThresholds)
    oversized: OversizedThresholds = field(default_factory=OversizedThresholds)
    ownership: OwnershipThresholds = field(default_factory=OwnershipThresholds)
    workflow: WorkflowThresholds = field(default_factory=WorkflowThresholds)
    goals: GoalThresholds = field(default_factory=GoalThresholds)
    focus: FocusThresholds = field(default_factory=FocusThresholds)
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
        thresholds: dict[str, Any] = {
            attribute: _thresholds(kind, getattr(doc, name), f"analysis.{name}", problems)
            for name, (kind, attribute) in THRESHOLDS.items()
        }
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
            **thresholds,
        )

    def patterns_for(self, source: str) -> RolePatterns:
        """The per-source patterns of `source` (empty when it has none)."""
        return dict(self.source_roles).get(source, ())

    def overrides_for(self, source: str) -> dict[str, Role]:
        """Status id -> role overrides of `source`."""
        return dict(dict(self.source_overrides).get(source, ()))

    def fingerprint(self) -> str:
        """A stable hash of everything that shapes a row's values (not `weeks`, which only picks rows)."""
        doc = {
            "timezone": self.timezone,
            "canceled_patterns": sorted(self.canceled_patterns),
            "role_patterns": sorted([p, r.value] for p, r in self.role_patterns),
            "source_roles": [[s, sorted([p, r.value] for p, r in rs)] for s, rs in self.source_roles],
            "source_overrides": [[s, [[k, r.value] for k, r in rs]] for s, rs in self.source_overrides],
            **{name: asdict(getattr(self, attribute)) for name, (_, attribute) in THRESHOLDS.items()},
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


def _kind_of(f: DataclassField[Any]) -> str:
    return "whole" if f.name == "min_sample" else str(f.metadata.get("kind", "share"))


def _thresholds_model(kind: type[Thresholds]) -> type[BaseModel]:
    """The sub-table `[analysis.<symptom>]` as a model: every field of `kind`, with its default."""
    default = kind()
    spec: dict[str, Any] = {f.name: (_KINDS[_kind_of(f)], getattr(default, f.name)) for f in fields(kind)}
    return create_model(f"{kind.__name__}Doc", __base__=Table, **spec)


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


# The [analysis] table: the keys above and one sub-table per symptom of THRESHOLDS.
_SUB_TABLES: dict[str, Any] = {
    name: (_thresholds_model(k) | None, None) for name, (k, _) in THRESHOLDS.items()
}
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


def _thresholds(kind: type[Thresholds], doc: BaseModel | None, path: str, problems: list[str]) -> Thresholds:
    """The defaults of `kind` with the sub-table's keys; an alert level must exceed its watch level."""
    changes: dict[str, Any] = doc.model_dump(exclude_unset=True) if doc is not None else {}
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    merged = replace(kind(), **values)
    for f in fields(kind):
        if f.name.endswith("_alert"):
            watch_name = f.name.removesuffix("_alert") + "_watch"
            watch, alert = getattr(merged, watch_name), getattr(merged, f.name)
            if alert <= watch and (f.name in changes or watch_name in changes):
                problems.append(f"{path}.{f.name}: must be greater than {watch_name} ({watch})")
    return merged
