"""The report's diagnosis: the verdict and the weak levers first, the team × lever grid over the
period, and each team's flow and interventions — read from the run's diagnosis tables (DESIGN.md,
"Diagnosis"); a run analysed before those tables existed simply has none, and the page says so.
The frames come from `store.reports` (`load_levers`, `load_flow`, `load_status_time`,
`load_effects`; columns in its docstring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from orgpulse.analysis.levers import FOUNDATIONS_FIRST, LEVERS, rank_levers
from orgpulse.analysis.result import LeverRow, LeverState
from orgpulse.i18n import Translator
from orgpulse.labels import lever_name, lever_remedy, state_label, verdict_text
from orgpulse.report.views import LEVER_OF


@dataclass(frozen=True)
class LeverLine:
    """One lever in the verdict's table: where it is weak or at risk in the verdict's week."""

    lever: str
    name: str
    remedy: str
    weak: list[tuple[str, str]]  # (team, link to the evidence)
    at_risk: list[tuple[str, str]]
    cost: str
    confidence: str
    period: list[tuple[str, str, int]]  # over the period: (team, link to its latest weak week, weak weeks)


@dataclass(frozen=True)
class VerdictView:
    verdict: str
    css: str  # first | sound
    say: str
    week: date
    week_label: str
    weak_levers: int  # in the verdict's week
    period_weak_levers: int  # weak in at least one team and week of the period
    lever_count: int
    levers: list[LeverLine]


def verdict_view(
    t: Translator, levers: pd.DataFrame, links: Mapping[tuple[str, date, str], str]
) -> VerdictView | None:
    """The verdict of the latest week with its ranked levers (None when the run holds no diagnosis).

    `links` maps (team, week, lever) to the element the lever's evidence sits in (an alert row).
    """
    if levers.empty:
        return None
    rows = [
        LeverRow(
            team=str(team),
            week_start=week,
            lever=str(lever),
            state=LeverState(state),
            symptoms={},
            cost_hours=None if pd.isna(cost) else float(cost),
            confidence=float(confidence),
        )
        for team, week, lever, state, cost, confidence in levers.itertuples(index=False, name=None)
    ]
    ranked = rank_levers(rows)
    if ranked.verdict is None or ranked.week_start is None:
        return None
    week = ranked.week_start
    lowest = {
        lever: min((r.confidence for r in rows if r.week_start == week and r.lever == lever and r.state in (
            LeverState.WEAK, LeverState.AT_RISK)), default=None)
        for lever in LEVERS
    }  # fmt: skip
    period: dict[str, list[tuple[str, str, int]]] = {}
    for lever in LEVERS:
        weak_rows = sorted((r for r in rows if r.lever == lever and r.state == LeverState.WEAK),
                           key=lambda r: r.week_start)  # fmt: skip
        weeks: dict[str, list[date]] = {}
        for r in weak_rows:
            weeks.setdefault(r.team, []).append(r.week_start)
        period[lever] = sorted(
            ((team, links.get((team, found[-1], lever), ""), len(found)) for team, found in weeks.items()),
            key=lambda item: (-item[2], item[0]),
        )
    lines = []
    for rank in ranked.levers:
        if not rank.weak_teams and not rank.at_risk_teams and not period[rank.lever]:
            continue
        lowest_confidence = lowest.get(rank.lever)
        lines.append(
            LeverLine(
                lever=rank.lever,
                name=lever_name(t, rank.lever),
                remedy=lever_remedy(t, rank.lever),
                weak=[(team, links.get((team, week, rank.lever), "")) for team in rank.weak_teams],
                at_risk=[(team, links.get((team, week, rank.lever), "")) for team in rank.at_risk_teams],
                cost="—" if rank.cost_hours is None else t.hours(rank.cost_hours),
                confidence="—" if lowest_confidence is None else t.number(lowest_confidence),
                period=period[rank.lever],
            )
        )
    return VerdictView(
        verdict=ranked.verdict,
        css="first" if ranked.verdict == FOUNDATIONS_FIRST else "sound",
        say=verdict_text(t, ranked.verdict),
        week=week,
        week_label=t.date(week),
        weak_levers=sum(1 for rank in ranked.levers if rank.weak_teams),
        period_weak_levers=sum(1 for found in period.values() if found),
        lever_count=len(LEVERS),
        levers=lines,
    )


@dataclass(frozen=True)
class GridCell:
    """One team × lever: its state in each week of the period, the weak weeks linked to their evidence."""

    weeks: list[tuple[str, str, str]]  # (state, link or "", title)
    summary: str


@dataclass(frozen=True)
class GridView:
    levers: list[tuple[str, str]]  # (id, name)
    teams: list[tuple[str, str, list[GridCell]]]  # (team, its section's anchor, a cell per lever)
    first_week: str
    last_week: str


def grid_view(
    t: Translator,
    levers: pd.DataFrame,
    teams: Sequence[tuple[str, str]],
    weeks: Sequence[date],
    links: Mapping[tuple[str, date, str], str],
) -> GridView | None:
    """Every team × lever over every week of the period, coloured by state (None without a diagnosis).

    `teams` are (team, anchor of its section) in the page's order.
    """
    if levers.empty or not weeks:
        return None
    state = {(r[0], r[1], r[2]): str(r[3]) for r in levers.itertuples(index=False, name=None)}
    rows = []
    for team, anchor in teams:
        cells = []
        for lever in LEVERS:
            strip = []
            for week in weeks:
                s = state.get((team, week, lever), "none")
                label = f"{t.date(week)}: {state_label(t, s)}" if s != "none" else t.date(week)
                strip.append(
                    (s, links.get((team, week, lever), "") if s in ("weak", "at_risk") else "", label)
                )
            weak = sum(1 for s, _, _ in strip if s == "weak")
            at_risk = sum(1 for s, _, _ in strip if s == "at_risk")
            summary = t._("{name}: weak {weak} weeks, at risk {at_risk} weeks").format(
                name=lever_name(t, lever), weak=weak, at_risk=at_risk
            )
            cells.append(GridCell(strip, summary))
        rows.append((team, anchor, cells))
    return GridView(
        levers=[(lever, lever_name(t, lever)) for lever in LEVERS],
        teams=rows,
        first_week=t.date(weeks[0]),
        last_week=t.date(weeks[-1]),
    )


def evidence_links(anchors: Mapping[tuple[str, date, str], str]) -> dict[tuple[str, date, str], str]:
    """(team, week, lever) -> the anchor of its first alert row (else its first watch row), from
    `anchors` (team, week, symptom) -> row anchor in the alerts table's order."""
    found: dict[tuple[str, date, str], str] = {}
    for (team, week, symptom), anchor in anchors.items():
        lever = LEVER_OF.get(symptom)
        if lever is not None:
            found.setdefault((team, week, lever), anchor)
    return found


def intervention_parts(key: str) -> dict[str, Any]:
    """An intervention's key ("2026-10-05 decision_rights PAY,CORE") as date, lever and teams."""
    day, lever, teams = [*key.split(" ", 2), "*", "*"][:3]
    return {
        "date": date.fromisoformat(day),
        "lever": None if lever == "*" else lever,
        "teams": [] if teams == "*" else teams.split(","),
    }
