"""The weeks table on a terminal: fitted to its width, never cut at the edge."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from rich.console import Console

from orgpulse.i18n import translator
from orgpulse.present_alerts import AlertWeeks

MONDAYS = [date(2026, 6, 1) + timedelta(weeks=n) for n in range(26)]
TEAMS = ["sandbox-linear/LOGISTICS", "sandbox-dc/WEB", "PAY"]


def marks() -> dict[tuple[str, date], str]:
    """Each team in alert every other week, with a mark that says which team and which week."""
    letters = "ABMSOWGF"
    return {
        (team, week): letters[(t + n) % 8] + ("*" if n % 5 == 0 else "")
        for t, team in enumerate(TEAMS)
        for n, week in enumerate(MONDAYS)
        if (t + n) % 2 == 0
    }


def rendered(width: int, language: str = "en") -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(AlertWeeks(translator(language), "Weeks holding alerts", marks(), "legend"))
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [60, 80, 100, 200])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_week_and_mark_is_shown_within_the_width(width: int, language: str) -> None:
    lines = rendered(width, language)
    assert all(len(line.rstrip()) <= width for line in lines), "\n".join(lines)
    assert "…" not in "\n".join(lines)
    # Each team's marks, read across the stacked tables in order, are its marks week by week.
    for team in TEAMS:
        shown = [cell for line in lines if line.startswith(team + " ") for cell in line[len(team) :].split()]
        assert shown == [m for (t, _), m in sorted(marks().items(), key=lambda kv: kv[0][1]) if t == team]
    days = [
        int(word)
        for line in lines
        if line.lstrip().split(" ")[0] in ("team", "équipe")
        for word in line.split()[1:]
    ]
    assert days == [week.day for week in MONDAYS]


def test_a_wide_terminal_holds_every_week_in_one_table() -> None:
    assert sum(1 for line in rendered(200) if line.startswith("team")) == 1
    assert sum(1 for line in rendered(80) if line.startswith("team")) > 1


def test_months_head_their_first_week() -> None:
    head = next(i for i, line in enumerate(rendered(200)) if line.startswith("team"))
    months = rendered(200)[head - 1].split()
    assert months == ["Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]
