"""The frozen settings every detector reads: time zone, weeks, role map, and thresholds per symptom.

`AnalysisSettings.from_mapping` validates the `[analysis]` table of config.toml once and reports
every problem at once, each with its key path. Thresholds live in one small frozen dataclass per
symptom, registered in `THRESHOLDS`; a sub-table `[analysis.<symptom>]` overrides its fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orgpulse.analysis.patterns import DEFAULT_CANCELED_PATTERNS, DEFAULT_ROLE_PATTERNS, normalise_name
from orgpulse.errors import ConfigError
from orgpulse.model import Role

RolePatterns = tuple[tuple[str, Role], ...]


@dataclass(frozen=True)
class ApprovalThresholds:
    """approval_bottleneck (SYMPTOMS.md): wait share levels, the concentration gate, the sample."""

    wait_share_watch: float = 0.15
    wait_share_alert: float = 0.25
    concentration_gate: float = 0.8
    min_sample: int = 8


@dataclass(frozen=True)
class BlockingThresholds:
    """cross_team_blocking (SYMPTOMS.md): blocked share levels and the sample."""

    blocked_share_watch: float = 0.10
    blocked_share_alert: float = 0.20
    min_sample: int = 5


# Sub-table name -> thresholds class. Fields named *_watch / *_alert pair up; every other float
# field except min_sample is a share in [0, 1].
THRESHOLDS: Mapping[str, type[ApprovalThresholds] | type[BlockingThresholds]] = {
    "approval_bottleneck": ApprovalThresholds,
    "cross_team_blocking": BlockingThresholds,
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
        known = {"timezone", "weeks", "canceled_resolutions", "role_patterns", *THRESHOLDS}
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
        user_roles = _role_table(table.get("role_patterns", {}), "analysis.role_patterns", problems)
        overridden = {p for p, _ in user_roles}
        role_patterns = tuple((p, r) for p, r in settings.role_patterns if p not in overridden) + user_roles
        thresholds = {
            name: _thresholds(kind, table.get(name, {}), f"analysis.{name}", problems)
            for name, kind in THRESHOLDS.items()
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
        approval = thresholds["approval_bottleneck"]
        blocking = thresholds["cross_team_blocking"]
        if not isinstance(approval, ApprovalThresholds) or not isinstance(blocking, BlockingThresholds):
            raise ConfigError(["analysis: internal error: thresholds of the wrong kind"])
        return replace(
            settings,
            timezone=zone,
            weeks=weeks,
            canceled_patterns=canceled,
            role_patterns=role_patterns,
            source_roles=per_source,
            source_overrides=overrides,
            approval=approval,
            blocking=blocking,
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
            "approval_bottleneck": asdict(self.approval),
            "cross_team_blocking": asdict(self.blocking),
        }
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def _thresholds(
    kind: type[ApprovalThresholds] | type[BlockingThresholds], value: object, path: str, problems: list[str]
) -> ApprovalThresholds | BlockingThresholds:
    default = kind()
    if not isinstance(value, Mapping):
        problems.append(f"{path}: must be a table")
        return default
    names = {f.name for f in fields(kind)}
    changes: dict[str, float | int] = {}
    for key, raw in value.items():
        if key not in names:
            problems.append(f"{path}.{key}: unknown key (known: {', '.join(sorted(names))})")
        elif key == "min_sample":
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                problems.append(f"{path}.{key}: must be a whole number ≥ 0")
            else:
                changes[key] = raw
        elif isinstance(raw, bool) or not isinstance(raw, int | float):
            problems.append(f"{path}.{key}: must be a number")
        elif not 0 <= raw <= 1:
            problems.append(f"{path}.{key}: must be a share between 0 and 1")
        else:
            changes[key] = float(raw)
    values: dict[str, Any] = {**asdict(default), **changes}
    merged = kind(**values)
    for f in fields(kind):
        if f.name.endswith("_alert"):
            watch_name = f.name.removesuffix("_alert") + "_watch"
            watch, alert = getattr(merged, watch_name), getattr(merged, f.name)
            if alert <= watch and (f.name in changes or watch_name in changes):
                problems.append(f"{path}.{f.name}: must be greater than {watch_name} ({watch})")
    return merged
