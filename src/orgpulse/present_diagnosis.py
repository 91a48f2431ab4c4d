"""The diagnosis on a terminal: the verdict and the weak levers first, then the interventions' effects."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from orgpulse.analysis.levers import FOUNDATIONS_FIRST, REMEDIES
from orgpulse.analysis.result import AnalysisResult, Effect, InterventionResult
from orgpulse.effects import Interventions

OUTCOME_STYLE = {"improved": "green", "worsened": "bold red", "no_clear_change": "", "too_early": "dim"}
VERDICT_TEXT = {
    FOUNDATIONS_FIRST: "fix the foundations first: a new role would paper over these root causes",
    "foundations_sound": "the foundations look sound: no lever is weak in a quarter of the teams",
}


def hours(value: float | None) -> str:
    return "no waiting cost" if value is None else f"{value:,.0f} issue-hours of waiting"


def diagnosis_view(result: AnalysisResult) -> Group:
    """The verdict, then each lever weak or at risk somewhere: teams, cost, the brief's remedy."""
    d = result.diagnosis
    if d.verdict is None or d.week_start is None:
        return Group(Text("Diagnosis: no reported week, nothing to diagnose.", style="dim"))
    style = "bold red" if d.verdict == FOUNDATIONS_FIRST else "bold green"
    parts: list[Text | Table] = [
        Text.assemble(
            (f"Diagnosis, week of {d.week_start} ({result.timezone}): ", "bold"),
            (d.verdict, style),
            (f" — {VERDICT_TEXT.get(d.verdict, '')}", ""),
        )
    ]
    shown = [lever for lever in d.levers if lever.weak_teams or lever.at_risk_teams]
    if shown:
        table = Table(title="Levers weak or at risk that week", title_justify="left", padding=(0, 1))
        for column in ("lever", "weak in", "at risk in", "cost this week", "remedy"):
            table.add_column(column, no_wrap=column != "remedy")
        for lever in shown:
            table.add_row(
                Text(lever.lever, style="bold red" if lever.weak_teams else "yellow"),
                ", ".join(lever.weak_teams) or "-",
                ", ".join(lever.at_risk_teams) or "-",
                hours(lever.cost_hours),
                REMEDIES[lever.lever],
            )
        parts.append(table)
    else:
        parts.append(Text("No lever is weak or at risk in that week.", style="green"))
    for found in result.interventions:
        parts.append(effects_table(found))
    return Group(*parts)


def _effect_row(e: Effect) -> list[Text | str]:
    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.3g}"

    return [
        e.team,
        e.metric,
        number(e.before),
        number(e.after),
        "" if e.p_value is None else f"{e.p_value:.3f}",
        Text(e.outcome, style=OUTCOME_STYLE.get(e.outcome, "")),
    ]


def _effects(title: str, effects: Sequence[Effect]) -> Table:
    table = Table(title=title, title_justify="left", padding=(0, 1))
    for column in ("team", "metric", "before", "after", "p", "outcome"):
        table.add_column(column, justify="right" if column in ("before", "after", "p") else "left")
    for e in effects:
        table.add_row(*_effect_row(e))
    return table


def effects_table(found: InterventionResult) -> Table:
    i = found.intervention
    span = ""
    if found.before_weeks and found.after_weeks:
        before, after = found.before_weeks, found.after_weeks
        span = f"; weeks {before[0]}..{before[-1]} vs {after[0]}..{after[-1]}"
    title = (
        f"Intervention {i.date} ({i.lever or 'every symptom'}; {', '.join(i.teams) or 'every team'}){span}"
    )
    return _effects(title + (f"\n{i.note}" if i.note else ""), found.effects)


def interventions_view(found: Interventions) -> Group:
    """What `orgpulse interventions` prints: each recorded change and its effects in the latest run."""
    if not found.recorded:
        return Group(Text("No [[interventions]] in the config: record a change there to measure its effect."))
    head = Text(
        f"Effects measured by run {found.run_id} (as of {found.run_as_of:%Y-%m-%d})"
        if found.run_id and found.run_as_of
        else "No completed analysis run yet: run `orgpulse analyze`.",
        style="dim",
    )
    parts: list[Text | Table] = [head]
    for r in found.recorded:
        i = r.intervention
        title = f"Intervention {i.date} ({i.lever or 'every symptom'}; {', '.join(i.teams) or 'every team'})"
        if i.note:
            title += f"\n{i.note}"
        if not r.analysed:
            parts.append(Text(f"{title}\n  not analysed yet: run `orgpulse analyze`", style="yellow"))
        else:
            parts.append(_effects(title, r.effects))
    return Group(*parts)
