"""What a symptom declares before anything is computed: its id, metric columns, levels and thresholds.

Light on purpose: config loading imports every symptom's declaration (to derive the strict
`[analysis.<symptom>]` tables), so nothing here or in a `detectors/<name>/__init__.py` may import
pandas, numpy or the analysis computations.

Every symptom grades one metric against watch and alert levels with a minimum sample (`Levels`,
the defaults); `Thresholds` holds them as configured, and a symptom's subclass adds its further
settings. In config and in the settings' fingerprint the levels are `<stem>_watch` and
`<stem>_alert`. A further field's metadata says what it holds: a share in [0, 1] (the default),
`NUMBER` (any number >= 0), `WHOLE` (a whole number >= 0) or `PATTERNS` (a list of names, stored
normalised); min_sample is always a whole number.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

NUMBER: dict[str, Any] = {"kind": "number"}
WHOLE: dict[str, Any] = {"kind": "whole"}
PATTERNS: dict[str, Any] = {"kind": "patterns"}


@dataclass(frozen=True)
class Thresholds:
    """A symptom's thresholds as configured: the graded metric's watch and alert levels and the
    minimum sample below which a row is insufficient_data."""

    min_sample: int
    watch: float
    alert: float


T = TypeVar("T", bound=Thresholds)


@dataclass(frozen=True)
class Levels:
    """The graded `metric`, its config `stem`, default levels and sample; `kind` says what a level
    holds ("share" or "number"), `strict` makes the levels "more than" (oversized_team's "more than
    7 people"), `gate` names a boolean column an alert needs (grading.grade)."""

    metric: str
    stem: str
    watch: float
    alert: float
    min_sample: int
    kind: str = "share"
    strict: bool = False
    gate: str | None = None


@dataclass(frozen=True)
class Symptom(Generic[T]):
    """A symptom's constants: `name` (the findings' symptom and the `[analysis.<name>]` table), its
    metric columns, levels and thresholds class.

    `package` is the declaring package; its `detect` module holds the computation (`DETECTOR`).
    """

    name: str
    metrics: tuple[str, ...]
    levels: Levels
    thresholds: type[T]
    package: str

    def defaults(self) -> T:
        """The thresholds with nothing configured."""
        levels = self.levels
        return self.thresholds(min_sample=levels.min_sample, watch=levels.watch, alert=levels.alert)

    def key(self, field_name: str) -> str:
        """A thresholds field's key in config and the fingerprint (`watch` -> `<stem>_watch`)."""
        return f"{self.levels.stem}_{field_name}" if field_name in ("watch", "alert") else field_name

    def kind(self, field_name: str) -> str:
        """What a thresholds field holds: "share", "number", "whole" or "patterns"."""
        if field_name == "min_sample":
            return "whole"
        if field_name in ("watch", "alert"):
            return self.levels.kind
        found = {f.name: f for f in fields(self.thresholds)}[field_name]
        return str(found.metadata.get("kind", "share"))

    def table(self, thresholds: Thresholds) -> dict[str, Any]:
        """`thresholds` under their config keys, in field order."""
        return {self.key(f.name): getattr(thresholds, f.name) for f in fields(thresholds)}
