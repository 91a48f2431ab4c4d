"""`orgpulse interventions` on a terminal: each recorded change and its effects in the latest run.

(`analyze` prints the verdict, the weak levers and the effects through present_alerts.py.)
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from orgpulse.analysis.result import Effect
from orgpulse.effects import Interventions

OUTCOME_STYLE = {"improved": "green", "worsened": "bold red", "no_clear_change": "", "too_early": "dim"}


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
