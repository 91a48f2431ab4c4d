"""The period on a terminal, in the reader's language: the diagnosis in a few lines (the verdict,
each lever weak or at risk with its teams and cost), then the weeks that hold alerts — every such
week of the period, not only the latest ones — one row per team that had an alert.

Tracker text (team names) goes into Rich `Text` objects, never parsed as markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderResult
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
            line.append(_at_risk(t, lever.at_risk_teams))
        if lever.cost_hours is not None:
            line.append("; " + t._("{hours} of waiting that week").format(hours=t.hours(lever.cost_hours)))
        line.append(f" — {lever_remedy(t, lever.lever)}", style="dim")
        lines.append(line)
    if len(lines) == 1:
        lines.append(Text("  " + t._("No lever is weak or at risk that week."), style="green"))
    return Group(*lines)


# Beyond this many teams a lever's at-risk list is counted, not spelled out: the weak teams are the
# point of the line; the report and the JSON list every team at risk.
AT_RISK_LISTED = 3


def _at_risk(t: Translator, teams: Sequence[str]) -> str:
    if len(teams) <= AT_RISK_LISTED:
        return t._("at risk in {teams}").format(teams=", ".join(teams))
    return t.n_("at risk in {n} team", "at risk in {n} teams", len(teams)).format(n=len(teams))


def quiet_teams_line(t: Translator, result: AnalysisResult) -> Group:
    """The teams the weeks table leaves out: no alert in any week of the period (nothing when none)."""
    flagged = {f.team for f in result.findings if f.severity == Severity.ALERT}
    quiet = sorted({f.team for f in result.findings} - flagged)
    if not quiet:
        return Group()
    return Group(Text(t._("No alert in the period: {teams}").format(teams=", ".join(quiet)), style="green"))


def alert_weeks(result: AnalysisResult) -> list[date]:
    return sorted({f.week_start for f in result.findings if f.severity == Severity.ALERT})


def alert_weeks_table(t: Translator, result: AnalysisResult, *, why: bool = True) -> AlertWeeks:
    """Teams × the weeks that hold at least one alert; a cell lists the symptoms in alert, by letter.

    The legend below spells the letters out (across the terminal's width, not the table's) and,
    unless `why` is false (the demo prints a concrete command instead), says how to ask for a
    cell's evidence."""
    cells: dict[tuple[str, date], list[str]] = {}
    low: set[tuple[str, date]] = set()
    for f in result.findings:
        if f.severity == Severity.ALERT:
            cells.setdefault((f.team, f.week_start), []).append(LETTERS.get(f.symptom, "?"))
            if f.confidence < 0.5:
                low.add((f.team, f.week_start))
    marks = {k: "".join(sorted(v)) + ("*" if k in low else "") for k, v in cells.items()}
    legend = ", ".join(f"{letter} {symptom_title(t, s)}" for s, letter in LETTERS.items() if s in SYMPTOMS)
    legend += ". " + (
        t._("* = confidence below 0.5. Why: orgpulse explain SYMPTOM --team TEAM --week WEEK")
        if why
        else t._("* = confidence below 0.5.")
    )
    title = t._("Weeks holding alerts ({n} of {total} weeks, weeks start Monday, {zone})").format(
        n=len(alert_weeks(result)), total=len(result.weeks), zone=result.timezone
    )
    return AlertWeeks(t, title, marks, legend)


class AlertWeeks:
    """The weeks table, fitted to the width it is given: a week's column is its day of the month
    under its month, and when the weeks do not fit side by side they continue in a second table
    below (same teams, same order) rather than being cut off at the terminal's edge."""

    def __init__(self, t: Translator, title: str, marks: dict[tuple[str, date], str], legend: str) -> None:
        self.t, self.title, self.marks, self.legend = t, title, marks, legend
        self.weeks = sorted({week for _, week in marks})
        count = Counter(team for team, _ in marks)
        self.teams = sorted(count, key=lambda team: (-count[team], team))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.teams:
            yield Text(self.title)
            yield Text("  " + self.t._("no alert in the period"), style="green")
            return
        for n, weeks in enumerate(self._rows_of_weeks(options.max_width)):
            yield self._table(weeks, title=self.title if n == 0 else None)
        yield Text(self.legend, style="dim")

    def _months(self, weeks: Sequence[date]) -> list[str]:
        """The month's name over the first week of each month (and over the first column)."""
        return [
            self.t.month(w) if i == 0 or w.month != weeks[i - 1].month else "" for i, w in enumerate(weeks)
        ]

    def _rows_of_weeks(self, width: int) -> list[list[date]]:
        """The weeks in rows that each fit `width` beside the team column (a column is as wide as
        its month's name could be, as its day, as its widest mark, and 3 at least, plus a space)."""
        team_width = max(len(self.t._("team")), *(len(team) for team in self.teams))
        rows: list[list[date]] = [[]]
        used = team_width
        for week in self.weeks:
            marks = (len(self.marks.get((team, week), "")) for team in self.teams)
            column = 1 + max(3, len(self.t.month(week)), *marks)
            if rows[-1] and used + column > width:
                rows.append([])
                used = team_width
            rows[-1].append(week)
            used += column
        return rows

    def _table(self, weeks: Sequence[date], *, title: str | None) -> Table:
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 0))
        table.add_column(self.t._("team"), no_wrap=True, vertical="bottom")
        for week, month in zip(weeks, self._months(weeks), strict=True):
            table.add_column(f"{month}\n{week.day}", justify="left", no_wrap=True, min_width=3)
        for team in self.teams:
            if any((team, week) in self.marks for week in weeks):
                row = [Text(self.marks.get((team, week), ""), style="bold red") for week in weeks]
                table.add_row(Text(team), *row)
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
