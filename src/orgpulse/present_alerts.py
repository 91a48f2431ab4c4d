"""The period on a terminal, in the reader's language: the diagnosis in a few lines (the verdict,
each lever weak or at risk with its teams and cost), then the weeks that hold alerts — every such
week of the period, not only the latest ones — one row per team that had an alert.

Tracker text (team names) goes into Rich `Text` objects, never parsed as markup.
"""

from __future__ import annotations

from datetime import date

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from orgpulse.analysis.levers import FOUNDATIONS_FIRST
from orgpulse.analysis.result import AnalysisResult, Severity
from orgpulse.i18n import N_, Translator
from orgpulse.labels import (
    SYMPTOMS,
    lever_name,
    lever_remedy,
    metric_name,
    metric_value,
    outcome_label,
    symptom_title,
    verdict_text,
)

# One letter per symptom in the weeks table (the caption spells them out).
LETTERS = {
    "approval_bottleneck": "A",
    "cross_team_blocking": "B",
    "meeting_driven_process": "M",
    "oversized_team": "S",
    "diluted_ownership": "O",
    "rigid_workflow": "W",
    "goal_disconnect": "G",
    "scattered_focus": "F",
}
VERDICT_WORD = {"foundations_first": N_("foundations first"), "foundations_sound": N_("foundations sound")}


def verdict_line(t: Translator, result: AnalysisResult) -> Text:
    """ "Verdict, week of 30 Nov 2026: foundations first — fix the foundations first: ..." """
    d = result.diagnosis
    if d.verdict is None or d.week_start is None:
        return Text(t._("Verdict: no reported week, nothing to diagnose."), style="dim")
    style = "bold red" if d.verdict == FOUNDATIONS_FIRST else "bold green"
    word = t._(VERDICT_WORD[d.verdict]) if d.verdict in VERDICT_WORD else d.verdict
    return Text.assemble(
        (t._("Verdict, week of {week}: ").format(week=t.date(d.week_start)), "bold"),
        (word, style),
        (f" — {verdict_text(t, d.verdict)}", ""),
    )


def levers_lines(t: Translator, result: AnalysisResult) -> Group:
    """One line per lever weak or at risk in the verdict's week: teams, cost, the brief's remedy."""
    d = result.diagnosis
    if d.week_start is None:
        return Group()
    lines: list[Text] = [
        Text(t._("Levers weak or at risk, week of {week}:").format(week=t.date(d.week_start)))
    ]
    for lever in d.levers:
        if not lever.weak_teams and not lever.at_risk_teams:
            continue
        line = Text.assemble(
            (f"  {lever_name(t, lever.lever)}", "bold red" if lever.weak_teams else "yellow"), ": "
        )
        if lever.weak_teams:
            line.append(t._("weak in {teams}").format(teams=", ".join(lever.weak_teams)))
        if lever.at_risk_teams:
            line.append("; " if lever.weak_teams else "")
            line.append(t._("at risk in {teams}").format(teams=", ".join(lever.at_risk_teams)))
        if lever.cost_hours is not None:
            line.append("; " + t._("{hours} of waiting that week").format(hours=t.hours(lever.cost_hours)))
        line.append(f" — {lever_remedy(t, lever.lever)}", style="dim")
        lines.append(line)
    if len(lines) == 1:
        lines.append(Text("  " + t._("No lever is weak or at risk that week."), style="green"))
    return Group(*lines)


def quiet_teams_line(t: Translator, result: AnalysisResult) -> Group:
    """The teams the weeks table leaves out: no alert in any week of the period (nothing when none)."""
    flagged = {f.team for f in result.findings if f.severity == Severity.ALERT}
    quiet = sorted({f.team for f in result.findings} - flagged)
    if not quiet:
        return Group()
    return Group(Text(t._("No alert in the period: {teams}").format(teams=", ".join(quiet)), style="green"))


def alert_weeks(result: AnalysisResult) -> list[date]:
    return sorted({f.week_start for f in result.findings if f.severity == Severity.ALERT})


def alert_weeks_table(t: Translator, result: AnalysisResult) -> Table:
    """Teams × the weeks that hold at least one alert; a cell lists the symptoms in alert, by letter."""
    weeks = alert_weeks(result)
    cells: dict[tuple[str, date], list[str]] = {}
    low: set[tuple[str, date]] = set()
    for f in result.findings:
        if f.severity == Severity.ALERT:
            cells.setdefault((f.team, f.week_start), []).append(LETTERS.get(f.symptom, "?"))
            if f.confidence < 0.5:
                low.add((f.team, f.week_start))
    teams = sorted(
        {team for team, _ in cells}, key=lambda team: (-sum(1 for k in cells if k[0] == team), team)
    )
    legend = ", ".join(f"{letter} {symptom_title(t, s)}" for s, letter in LETTERS.items() if s in SYMPTOMS)
    table = Table(
        title=t._("Weeks holding alerts ({n} of {total} weeks, weeks start Monday, {zone})").format(
            n=len(weeks), total=len(result.weeks), zone=result.timezone
        ),
        title_justify="left",
        caption=f"{legend}. "
        + t._("* = confidence below 0.5. Why: orgpulse explain SYMPTOM --team TEAM --week WEEK"),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 0),
    )
    table.add_column(t._("team"), no_wrap=True)
    for week in weeks:
        table.add_column(t.day_month(week), justify="center", no_wrap=True, min_width=5)
    for team in teams:
        row: list[Text] = [Text(team)]
        for week in weeks:
            letters = "".join(sorted(cells.get((team, week), [])))
            row.append(Text(letters + ("*" if (team, week) in low else ""), style="bold red"))
        table.add_row(*row)
    if not teams:
        table.add_row(Text(t._("no alert in the period"), style="green"), *[Text("") for _ in weeks])
    return table


def interventions_lines(t: Translator, result: AnalysisResult) -> Group:
    """Each recorded change, then per team and metric: before → after, the outcome and its p-value."""
    lines: list[Text] = []
    styles = {"improved": "green", "worsened": "bold red", "too_early": "dim"}
    for found in result.interventions:
        i = found.intervention
        what = lever_name(t, i.lever) if i.lever else t._("every symptom")
        teams = ", ".join(i.teams) or t._("every team")
        head = t._("Intervention {date} ({what}; {teams})").format(
            date=t.date(i.date), what=what, teams=teams
        )
        lines.append(Text(head + (f" — {i.note}" if i.note else ""), style="bold"))
        for e in found.effects:
            line = Text(f"  {e.team} · {metric_name(t, e.metric)}: ")
            line.append(f"{metric_value(t, e.metric, e.before)} → {metric_value(t, e.metric, e.after)} ")
            line.append(outcome_label(t, e.outcome), style=styles.get(e.outcome, ""))
            if e.p_value is not None:
                line.append(f" (p {t.number(e.p_value, digits=3)})", style="dim")
            lines.append(line)
    return Group(*lines)
