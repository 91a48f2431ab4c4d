"""The frozen settings every detector reads: time zone, weeks, role map, and thresholds per symptom.

`AnalysisSettings.from_mapping` validates the `[analysis]` table of config.toml once and reports
every problem at once, each with its key path. Thresholds live in one small frozen dataclass per
symptom, registered in `THRESHOLDS`; a sub-table `[analysis.<symptom>]` overrides its fields. A
field's metadata says what it holds (a share, a number, a whole number or a list of names).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orgpulse.analysis.patterns import (
    DEFAULT_CANCELED_PATTERNS,
    DEFAULT_COORDINATION_PATTERNS,
    DEFAULT_RETIRED_CANCELED_PATTERNS,
    DEFAULT_RETIRED_DONE_PATTERNS,
    DEFAULT_ROLE_PATTERNS,
    normalise_name,
)
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
        known = {"timezone", "weeks", "canceled_resolutions", "role_patterns", *HISTORY_KEYS, *THRESHOLDS}
        for key in table:
            if key not in known:
                problems.append(f"analysis.{key}: unknown key (known: {', '.join(sorted(known))})")
        settings = cls()
        zone = table.get("timezone", settings.timezone)
        if not isinstance(zone, str) or not _zone_exists(zone):
            problems.append(
                f"analysis.timezone: unknown time zone {zone!r} (an IANA name such as 'Europe/Paris')"
            )
            zone = settings.timezone
        weeks = table.get("weeks", settings.weeks)
        if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 520:
            problems.append("analysis.weeks: must be a whole number from 1 to 520")
            weeks = settings.weeks
        canceled = settings.canceled_patterns
        if "canceled_resolutions" in table:
            canceled = _patterns(table["canceled_resolutions"], "analysis.canceled_resolutions", problems)
        history = _history_rules(table, settings, problems)
        user_roles = _role_table(table.get("role_patterns", {}), "analysis.role_patterns", problems)
        overridden = {p for p, _ in user_roles}
        role_patterns = tuple((p, r) for p, r in settings.role_patterns if p not in overridden) + user_roles
        thresholds: dict[str, Any] = {
            attribute: _thresholds(kind, table.get(name, {}), f"analysis.{name}", problems)
            for name, (kind, attribute) in THRESHOLDS.items()
        }
        per_source = tuple(
            (name, _role_table(dict(roles), f"sources.{name}.status_roles", problems))
            for name, roles in sorted(source_roles.items())
        )
        overrides = tuple(
            (name, _overrides(roles, f"sources.{name}.status_role_overrides", problems))
            for name, roles in sorted(source_overrides.items())
        )
        if problems:
            raise ConfigError(problems)
        return replace(
            settings,
            timezone=zone,
            weeks=weeks,
            canceled_patterns=canceled,
            role_patterns=role_patterns,
            source_roles=per_source,
            source_overrides=overrides,
            **history,
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


def _history_rules(
    table: Mapping[str, Any], settings: AnalysisSettings, problems: list[str]
) -> dict[str, Any]:
    """The validated history keys present in the [analysis] table."""
    found: dict[str, Any] = {}
    for key in ("retired_done_patterns", "retired_canceled_patterns"):
        if key in table:
            found[key] = _patterns(table[key], f"analysis.{key}", problems)
    for key, kind in (
        ("bulk_close_issues", "whole"),
        ("bulk_close_minutes", "number"),
        ("cleanup_idle_days", "number"),
    ):
        if key not in table:
            continue
        value = _threshold_value(kind, table[key], f"analysis.{key}", problems)
        if value is not None and not value:
            problems.append(f"analysis.{key}: must be greater than 0")
        elif value is not None:
            found[key] = value
    return found


def _plain(value: object) -> object:
    return sorted(value) if isinstance(value, tuple) else value


def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _patterns(value: object, path: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and normalise_name(v) for v in value):
        problems.append(f"{path}: must be a list of non-empty names")
        return ()
    return tuple(normalise_name(v) for v in value)


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


def _thresholds(kind: type[Thresholds], value: object, path: str, problems: list[str]) -> Thresholds:
    default = kind()
    if not isinstance(value, Mapping):
        problems.append(f"{path}: must be a table")
        return default
    kinds = {
        f.name: "whole" if f.name == "min_sample" else f.metadata.get("kind", "share") for f in fields(kind)
    }
    changes: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in kinds:
            problems.append(f"{path}.{key}: unknown key (known: {', '.join(sorted(kinds))})")
            continue
        checked = _threshold_value(kinds[key], raw, f"{path}.{key}", problems)
        if checked is not None:
            changes[key] = checked
    values: dict[str, Any] = {**{f.name: getattr(default, f.name) for f in fields(kind)}, **changes}
    merged = kind(**values)
    for f in fields(kind):
        if f.name.endswith("_alert"):
            watch_name = f.name.removesuffix("_alert") + "_watch"
            watch, alert = getattr(merged, watch_name), getattr(merged, f.name)
            if alert <= watch and (f.name in changes or watch_name in changes):
                problems.append(f"{path}.{f.name}: must be greater than {watch_name} ({watch})")
    return merged


def _threshold_value(kind: str, raw: object, path: str, problems: list[str]) -> object:
    """The validated value of one threshold key, or None after recording the problem."""
    if kind == "patterns":
        before = len(problems)
        patterns = _patterns(raw, path, problems)
        return patterns if len(problems) == before else None
    if kind == "whole":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            problems.append(f"{path}: must be a whole number ≥ 0")
            return None
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.append(f"{path}: must be a number")
        return None
    if kind == "number" and raw < 0:
        problems.append(f"{path}: must be a number ≥ 0")
        return None
    if kind == "share" and not 0 <= raw <= 1:
        problems.append(f"{path}: must be a share between 0 and 1")
        return None
    return float(raw)
