"""`[[interventions]]` in config: the changes a lead recorded, validated into `Intervention`s.

    [[interventions]]
    date = 2026-09-14                 # TOML date or "YYYY-MM-DD": the day the change took effect
    teams = ["PAY"]                   # the teams it touched; empty or absent = every team
    lever = "decision_rights"         # optional: compare this lever's symptoms only (else every symptom)
    note = "approvals delegated to the team leads"
    weeks_before = 6                  # optional: complete weeks compared on each side (default 6 and 6)
    weeks_after = 6

Every problem is reported at once, each with its key path, like the rest of the config.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from orgpulse.analysis.levers import LEVERS
from orgpulse.analysis.result import MIN_AFTER_WEEKS, WEEKS_AFTER, WEEKS_BEFORE, Intervention

KEYS = {"date", "teams", "lever", "note", "weeks_before", "weeks_after"}
MAX_WEEKS = 52


def parse_interventions(raw: object) -> tuple[tuple[Intervention, ...], list[str]]:
    """(the interventions, the problems found: "interventions[n].key: what is wrong")."""
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), ["interventions: must be an array of tables ([[interventions]])"]
    found: list[Intervention] = []
    problems: list[str] = []
    for n, table in enumerate(raw):
        path = f"interventions[{n}]"
        if not isinstance(table, dict):
            problems.append(f"{path}: must be a table")
            continue
        before = len(problems)
        for key in sorted(set(table) - KEYS):
            problems.append(f"{path}.{key}: unknown key (known: {', '.join(sorted(KEYS))})")
        when = _date(table.get("date"), f"{path}.date", problems)
        teams = table.get("teams", [])
        if not isinstance(teams, list) or not all(isinstance(t, str) and t for t in teams):
            problems.append(f"{path}.teams: must be a list of team names (empty = every team)")
            teams = []
        lever = table.get("lever")
        if lever is not None and lever not in LEVERS:
            problems.append(f"{path}.lever: {lever!r} is not a lever (one of {', '.join(LEVERS)})")
        note = table.get("note", "")
        if not isinstance(note, str):
            problems.append(f"{path}.note: must be a string")
        weeks_before = _weeks(table, "weeks_before", WEEKS_BEFORE, 1, path, problems)
        weeks_after = _weeks(table, "weeks_after", WEEKS_AFTER, MIN_AFTER_WEEKS, path, problems)
        if len(problems) == before and when is not None:
            found.append(
                Intervention(
                    date=when,
                    teams=tuple(dict.fromkeys(teams)),
                    lever=lever,
                    note=note,
                    weeks_before=weeks_before,
                    weeks_after=weeks_after,
                )
            )
    keys = [i.key for i in found]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"interventions: {key!r} is recorded twice (same date, lever and teams)")
    return tuple(found), problems


def _date(value: Any, path: str, problems: list[str]) -> date | None:
    if isinstance(value, datetime):
        problems.append(f"{path}: must be a date (YYYY-MM-DD), not a date and time")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{path}: must be a date (YYYY-MM-DD)" if value is not None else f"{path}: is required")
    return None


def _weeks(table: dict[str, Any], key: str, default: int, low: int, path: str, problems: list[str]) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_WEEKS:
        problems.append(f"{path}.{key}: must be a whole number of weeks from {low} to {MAX_WEEKS}")
        return default
    return value
