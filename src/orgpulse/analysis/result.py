"""What an analysis returns: one Finding per (team, week, symptom), the team × team blocking matrix,
and the diagnosis built on them: lever states per team and week, the organisation's verdict, the
flow per team and week, and the effects of the interventions a lead recorded.

Everything here is plain data the store writes and the CLI prints; `to_json` gives the shape of
`orgpulse analyze --format json` (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    import pyarrow as pa

T = TypeVar("T")


def made(cls: type[T], values: dict[str, Any]) -> T:
    """`cls(**values)` for a frozen dataclass `cls` (with no `__post_init__`), `values` naming every
    field: the instance's attributes set at once. Its `__init__` sets each field through
    `object.__setattr__`, which for the ~70k findings of ~430 teams × 18 weeks cost ~0.3 s."""
    if values.keys() != _field_names(cls):
        raise TypeError(f"{cls.__name__} needs the fields {sorted(_field_names(cls))}, not {sorted(values)}")
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
    return names


class Checked(list[Any]):
    """JSON-ready values whose numbers were checked finite where they were made: the findings,
    whose every float comes from `analysis.evidence` (`refuse_infinite`, a column at a time).
    `emit_json` does not walk one again: for a big organisation's millions of evidence values
    that walk cost more than encoding them."""


class Severity(StrEnum):
    OK = "ok"
    WATCH = "watch"
    ALERT = "alert"
    INSUFFICIENT_DATA = "insufficient_data"


class Direction(StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    WORSENING = "worsening"


class EvidenceSource(Protocol):
    """Where findings' evidence lives until it is shown or stored (`evidence_set.Evidence`: a
    detector's items kept as columns), found by the finding's row key (team code, week index)."""

    def items(self, key: tuple[int, int], limit: int | None = None) -> list[dict[str, Any]]: ...

    def json_texts(self, keys: Sequence[tuple[int, int]], limit: int | None = None) -> list[str]: ...

    def json_text_array(self, keys: Sequence[tuple[int, int]], limit: int | None = None) -> pa.Array: ...


@dataclass(frozen=True, eq=False)
class Finding:
    """One (team, week, symptom) row.

    `evidence` is the full list, most significant first, each item a JSON-serialisable dict with a
    "kind" ("issue", "visit", "open_visit", "status", "approvers", "team_pair", ...), made from
    `source` at `row` when asked for. People appear only as pseudonyms, as sorted sets, never with
    per-person counts. `explain` holds what `orgpulse explain` needs to let a lead check the
    numbers: thresholds, confidence factors, `low_confidence`, open visits, sample issue keys.
    """

    team: str
    week_start: date
    symptom: str
    severity: Severity
    score: float | None
    direction: str | None
    confidence: float
    sample_size: int
    metrics: dict[str, float | None]
    explain: dict[str, Any] = field(default_factory=dict)
    cost_hours: float | None = None  # issue-hours of waiting inside the week; None: no waiting cost
    source: EvidenceSource | None = field(default=None, compare=False, repr=False)
    row: tuple[int, int] = field(default=(-1, -1), compare=False, repr=False)

    @property
    def evidence(self) -> list[dict[str, Any]]:
        return self.shown_evidence(None)

    def shown_evidence(self, limit: int | None) -> list[dict[str, Any]]:
        """The first `limit` items of the evidence (all of them for None), made now."""
        return [] if self.source is None else self.source.items(self.row, limit)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Finding:
            return NotImplemented
        return self._compared() == other._compared()

    __hash__ = None  # type: ignore[assignment]  # as a dataclass with eq: its dicts are unhashable

    def _compared(self) -> tuple[Any, ...]:
        return (*(getattr(self, f.name) for f in fields(self) if f.compare), self.evidence)

    def to_json(self, *, evidence_limit: int | None = None, evidence: Any = None) -> dict[str, Any]:
        """The JSON object of DESIGN.md's `findings` list (evidence cut to `evidence_limit` if given,
        or `evidence` if given: the shown evidence made already)."""
        evidence = self.shown_evidence(evidence_limit) if evidence is None else evidence
        return {
            "team": self.team,
            "week_start": self.week_start.isoformat(),
            "symptom": self.symptom,
            "severity": self.severity.value,
            "score": self.score,
            "direction": self.direction,
            "confidence": self.confidence,
            "sample_size": self.sample_size,
            "metrics": dict(self.metrics),
            "evidence": evidence,
            "cost_hours": self.cost_hours,
        }


def evidence_texts(findings: Sequence[Finding], limit: int | None = None) -> list[str]:
    """Each finding's evidence as JSON text (its first `limit` items if given), made a source at a
    time: a big organisation's millions of items never become dicts."""
    return list(evidence_array(findings, limit).to_pylist())


def evidence_array(findings: Sequence[Finding], limit: int | None = None) -> pa.Array | pa.ChunkedArray:
    """`evidence_texts` as Arrow strings, in the findings' order: the stored evidence of a big
    organisation (hundreds of megabytes) never becomes Python strings. Made a source at a time; when
    each source's findings come together (sorted findings: a detector's in a run), its texts are a
    chunk of the result as they are, never copied into one array."""
    import numpy as np  # here: loading the config imports this module, and never numpy
    import pyarrow as pa

    runs: list[tuple[EvidenceSource | None, list[int]]] = []
    where: dict[int, list[int]] = {}  # by the source's id: its findings' positions
    for n, found in enumerate(findings):
        if runs and runs[-1][0] is found.source:
            runs[-1][1].append(n)
            continue
        positions = where.setdefault(id(found.source), [])
        positions.append(n)
        runs.append((found.source, positions))
    made: dict[int, pa.Array] = {}
    for source, positions in runs:
        if id(source) in made:
            continue
        if source is None:
            made[id(source)] = pa.array(["[]"] * len(positions), pa.large_string())
        else:
            texts = source.json_text_array([findings[n].row for n in positions], limit)
            made[id(source)] = texts.cast(pa.large_string())
    if len(made) == len(runs):  # a run per source: the texts lie in the findings' order
        return pa.chunked_array(list(made.values()), pa.large_string())
    # A source's findings are apart: its texts lie in `placed` order, taken back to the findings'.
    placed = np.concatenate([np.array(where[key], dtype=np.int64) for key in made])
    order: np.ndarray = np.empty(len(findings), dtype=np.int64)
    order[placed] = np.arange(len(findings), dtype=np.int64)
    return pa.concat_arrays(list(made.values())).take(pa.array(order))


@dataclass(frozen=True)
class DependencyRow:
    """Issues of `blocked_team` in progress in the week while blocked by an issue of `blocking_team`."""

    week_start: date
    blocked_team: str
    blocking_team: str
    blocked_issues: int
    blocked_hours: float


class LeverState(StrEnum):
    WEAK = "weak"
    AT_RISK = "at_risk"
    SOUND = "sound"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LeverRow:
    """One (team, week, lever): its state, the largest cost of its findings, their lowest confidence."""

    team: str
    week_start: date
    lever: str
    state: LeverState
    symptoms: dict[str, str]  # symptom -> severity
    cost_hours: float | None
    confidence: float

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "week_start": self.week_start.isoformat(),
            "lever": self.lever,
            "state": self.state.value,
            "symptoms": dict(self.symptoms),
            "cost_hours": self.cost_hours,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class LeverRank:
    """One lever across the organisation in the verdict's week: where it is weak or at risk, and its cost."""

    lever: str
    weak_teams: list[str]
    at_risk_teams: list[str]
    teams_with_data: int
    cost_hours: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "lever": self.lever,
            "weak_teams": list(self.weak_teams),
            "at_risk_teams": list(self.at_risk_teams),
            "teams_with_data": self.teams_with_data,
            "cost_hours": self.cost_hours,
        }


@dataclass(frozen=True)
class Diagnosis:
    verdict: str | None  # foundations_first | foundations_sound; None without any reported week
    week_start: date | None
    levers: list[LeverRank]  # ranked: most weak teams first, then the largest cost
    teams: list[LeverRow]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "week_start": None if self.week_start is None else self.week_start.isoformat(),
            "levers": [lever.to_json() for lever in self.levers],
            "teams": [row.to_json() for row in self.teams],
        }


@dataclass(frozen=True)
class StatusTime:
    status: str
    hours: float
    share: float | None


@dataclass(frozen=True)
class CyclePoint:
    """One committed issue completed in a team's week, for the report's cycle-time scatter."""

    team: str
    week_start: date
    issue: str  # its key
    cycle_hours: float


@dataclass(frozen=True)
class FlowRow:
    """The flow of one team in one week (DESIGN.md, "Flow"); hours are whole durations, never clipped."""

    team: str
    week_start: date
    metrics: dict[str, float | None]  # FLOW_METRICS, in order
    status_time: list[StatusTime]

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "week_start": self.week_start.isoformat(),
            **self.metrics,
            "status_time": [
                {"status": s.status, "hours": s.hours, "share": s.share} for s in self.status_time
            ],
        }


@dataclass(frozen=True)
class Effect:
    team: str
    metric: str
    before: float | None
    after: float | None
    p_value: float | None
    outcome: str  # improved | worsened | no_clear_change | too_early
    before_values: int = 0  # how many values each side of the test held
    after_values: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "metric": self.metric,
            "before": self.before,
            "after": self.after,
            "p_value": self.p_value,
            "outcome": self.outcome,
            "before_values": self.before_values,
            "after_values": self.after_values,
        }


# The weeks compared around an intervention's date, and the fewest complete weeks after it to judge.
WEEKS_BEFORE = 6
WEEKS_AFTER = 6
MIN_AFTER_WEEKS = 3


@dataclass(frozen=True)
class Intervention:
    """A change a lead recorded (`[[interventions]]`): empty `teams` means every team."""

    date: date
    teams: tuple[str, ...] = ()
    lever: str | None = None
    note: str = ""
    weeks_before: int = WEEKS_BEFORE
    weeks_after: int = WEEKS_AFTER

    def to_json(self) -> dict[str, Any]:
        """What a lead recorded, as DESIGN.md's JSON names it."""
        return {
            "date": self.date.isoformat(),
            "teams": list(self.teams),
            "lever": self.lever,
            "note": self.note,
        }

    @property
    def key(self) -> str:
        """A stable name for the trend tables: the date, the lever and the teams."""
        teams = ",".join(self.teams) if self.teams else "*"
        return f"{self.date.isoformat()} {self.lever or '*'} {teams}"


@dataclass(frozen=True)
class InterventionResult:
    intervention: Intervention
    before_weeks: list[date]
    after_weeks: list[date]
    effects: list[Effect]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.intervention.to_json(),
            "before_weeks": [w.isoformat() for w in self.before_weeks],
            "after_weeks": [w.isoformat() for w in self.after_weeks],
            "effects": [e.to_json() for e in self.effects],
        }


@dataclass(frozen=True)
class AnalysisResult:
    findings: list[Finding]
    dependencies: list[DependencyRow]
    timezone: str
    weeks: list[date]
    diagnosis: Diagnosis = field(default_factory=lambda: Diagnosis(None, None, [], []))
    flow: list[FlowRow] = field(default_factory=list)
    cycle_points: list[CyclePoint] = field(default_factory=list)  # flow.cycle_points: a sample per team-week
    interventions: list[InterventionResult] = field(default_factory=list)
