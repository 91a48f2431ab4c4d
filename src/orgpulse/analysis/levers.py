"""The diagnosis: the brief's levers per team and week, and the organisation's verdict (DESIGN.md).

Pure: built from the findings of the same run, no I/O.

* A lever is evidenced by symptoms (`LEVERS`). Per team and week it is `weak` when one of its
  symptoms is `alert`, `at_risk` when the worst is `watch`, `sound` when the ones with data are
  `ok`, `unknown` when all are `insufficient_data`. Its confidence is the lowest confidence of the
  findings that decided its state (all of them when unknown); its cost the largest cost among its
  findings (the causes overlap, so costs are never summed within a team), None when none of its
  symptoms has a waiting cost.
* The verdict reads the latest reported week: `foundations_first` when at least one lever is weak
  in at least a quarter of the teams that have data for it (and in one team at least), else
  `foundations_sound`. Levers are ranked by the number of weak teams, then by cost; a lever's
  cost there is the sum of its cost over the teams where it is weak or at risk (what the problem
  costs where it shows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import attrgetter

import numpy as np

from orgpulse.analysis.decimals import python_round
from orgpulse.analysis.result import Diagnosis, Finding, LeverRank, LeverRow, LeverState, Severity, made

LEVERS: dict[str, tuple[str, ...]] = {
    "decision_rights": ("approval_bottleneck",),
    "dependencies": ("cross_team_blocking",),
    "team_scope": ("oversized_team", "scattered_focus"),
    "accountability": ("diluted_ownership",),
    "direction": ("goal_disconnect",),
    "process_weight": ("rigid_workflow", "meeting_driven_process"),
}
REMEDIES: dict[str, str] = {
    "decision_rights": "give teams the power to decide inside their scope",
    "dependencies": "reduce dependencies so teams move in parallel",
    "team_scope": "teams of at most 7 with a clear scope",
    "accountability": "one person accountable end to end (merge PO and PM)",
    "direction": "set a course (objectives), not a task list",
    "process_weight": "simplify before adding process; collaboration over coordination",
}
LEVER_OF: dict[str, str] = {symptom: lever for lever, symptoms in LEVERS.items() for symptom in symptoms}
FOUNDATIONS_FIRST = "foundations_first"
FOUNDATIONS_SOUND = "foundations_sound"
WEAK_SHARE = 0.25  # a lever weak in at least this share of the teams with data for it


def lever_state(severities: Sequence[Severity]) -> LeverState:
    """weak with an alert among them, at_risk with a watch, sound with an ok, else unknown."""
    return _STATES[max(_SEVERITY_RANK[s] for s in severities)]


# A symptom's place in its lever's tuple: the order of a lever row's symptoms.
_RANK: dict[str, int] = {symptom: n for symptoms in LEVERS.values() for n, symptom in enumerate(symptoms)}
# Severities ranked so that the worst decides a lever's state (`_STATES`, by rank).
_SEVERITY_RANK = {Severity.INSUFFICIENT_DATA: 0, Severity.OK: 1, Severity.WATCH: 2, Severity.ALERT: 3}
_STATES = (LeverState.UNKNOWN, LeverState.SOUND, LeverState.AT_RISK, LeverState.WEAK)
_LEVER_NAMES = sorted(LEVERS)
_LEVER_CODE = {symptom: _LEVER_NAMES.index(lever) for symptom, lever in LEVER_OF.items()}
_VALUE = {s: s.value for s in Severity}
_COLUMNS = attrgetter("team", "week_start", "symptom", "severity", "cost_hours", "confidence")


def lever_rows(findings: Sequence[Finding]) -> list[LeverRow]:
    """One row per (team, week, lever) that has at least one finding, sorted by team, week, lever.

    Column by column: the findings' (team, week, lever, symptom rank) sorted as one integer key,
    each row's state, cost and confidence reduced over its run of findings.
    """
    picked = [_COLUMNS(f) for f in findings if f.symptom in LEVER_OF]
    if not picked:
        return []
    team, week, symptom, severity, cost, confidence = zip(*picked, strict=True)
    teams, weeks = sorted(set(team)), sorted(set(week))
    team_code, week_code = {t: n for n, t in enumerate(teams)}, {w: n for n, w in enumerate(weeks)}
    levers = len(_LEVER_NAMES)
    group = (
        np.fromiter(map(team_code.__getitem__, team), np.int64, len(team)) * len(weeks)
        + np.fromiter(map(week_code.__getitem__, week), np.int64, len(week))
    ) * levers + np.fromiter(map(_LEVER_CODE.__getitem__, symptom), np.int64, len(symptom))
    rank = np.fromiter(map(_RANK.__getitem__, symptom), np.int64, len(symptom))
    order = np.lexsort((rank, group))
    group = group[order]
    starts = np.flatnonzero(np.diff(group, prepend=-1))
    worst = np.fromiter(map(_SEVERITY_RANK.__getitem__, severity), np.int64, len(severity))[order]
    hours = np.array([np.nan if c is None else c for c in cost], dtype=float)[order]
    sure = np.array(confidence, dtype=float)[order]
    state = np.maximum.reduceat(worst, starts)
    most = np.fmax.reduceat(hours, starts)  # NaN only where no finding has a cost
    deciding = np.minimum.reduceat(np.where(worst > 0, sure, np.inf), starts)  # not insufficient_data
    lowest = np.where(np.isinf(deciding), np.minimum.reduceat(sure, starts), deciding)
    at = order.tolist()
    names = [symptom[i] for i in at]
    values = [_VALUE[severity[i]] for i in at]
    ends = [*starts[1:].tolist(), len(at)]
    return [
        made(
            LeverRow,
            {
                "team": teams[code // levers // len(weeks)],
                "week_start": weeks[code // levers % len(weeks)],
                "lever": _LEVER_NAMES[code % levers],
                "state": _STATES[level],
                "symptoms": dict(zip(names[start:end], values[start:end], strict=True)),
                "cost_hours": None if math.isnan(cost) else cost,
                "confidence": low,
            },
        )
        for code, start, end, level, cost, low in zip(
            group[starts].tolist(),
            starts.tolist(),
            ends,
            state.tolist(),
            python_round(most, 4).tolist(),
            lowest.tolist(),
            strict=True,
        )
    ]


def diagnose(findings: Sequence[Finding]) -> Diagnosis:
    """Lever rows for every reported week, and the verdict with the ranked levers of the latest one."""
    return rank_levers(lever_rows(findings))


def rank_levers(rows: Sequence[LeverRow]) -> Diagnosis:
    """The verdict and the ranked levers of the latest week of `rows` (also read back from the store)."""
    rows = list(rows)
    if not rows:
        return Diagnosis(verdict=None, week_start=None, levers=[], teams=[])
    latest = max(row.week_start for row in rows)
    in_latest: dict[str, list[LeverRow]] = {lever: [] for lever in LEVERS}
    for row in rows:
        if row.week_start == latest and row.lever in in_latest:
            in_latest[row.lever].append(row)
    ranks = []
    for lever in LEVERS:
        here = in_latest[lever]
        weak = sorted(r.team for r in here if r.state == LeverState.WEAK)
        at_risk = sorted(r.team for r in here if r.state == LeverState.AT_RISK)
        with_data = sum(1 for r in here if r.state != LeverState.UNKNOWN)
        costs = [
            r.cost_hours
            for r in here
            if r.cost_hours is not None and r.state in (LeverState.WEAK, LeverState.AT_RISK)
        ]
        has_cost = any(r.cost_hours is not None for r in here)
        ranks.append(
            LeverRank(
                lever=lever,
                weak_teams=weak,
                at_risk_teams=at_risk,
                teams_with_data=with_data,
                cost_hours=round(float(sum(costs)), 4) if has_cost else None,
            )
        )
    ranks.sort(key=lambda r: (-len(r.weak_teams), -(r.cost_hours or 0.0), -len(r.at_risk_teams)))
    first = any(r.weak_teams and len(r.weak_teams) >= WEAK_SHARE * r.teams_with_data for r in ranks)
    return Diagnosis(
        verdict=FOUNDATIONS_FIRST if first else FOUNDATIONS_SOUND,
        week_start=latest,
        levers=ranks,
        teams=rows,
    )
