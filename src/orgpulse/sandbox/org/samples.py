"""Exact samples per team and week, counted from the generator's own records (never by the analysis).

`samples_of(org, as_of_ms)` states, for every team and complete ISO week (UTC) up to `as_of_ms`:
    completed    issues whose last entry into a done status falls in the week, not canceled (a
                 canceled status or resolution, or cleaned up in a bulk close), not epics; counted
                 in the team they were in at completion
    created      non-epic issues created in the week, in the team they were created in
    in_progress  non-epic issues that spent more than 0 s of the week after their commitment point
                 (first entry into an in-progress status) and before their resolution (the start of
                 their final done or canceled spell), in the team they were in at their last
                 in-progress moment of the week
These are SYMPTOMS.md's samples ("Samples"), with its rules for statuses the site no longer lists
and for bulk cleanups applied from what the generator knows it laid (`Org.traps`).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from orgpulse.sandbox.org.model import Issue, Org
from orgpulse.sandbox.org.site import DONE_CATEGORY, EPIC, INDETERMINATE, RESOLUTIONS, STATUS_BY_ID

WEEK_MS = 7 * 24 * 3_600_000
_CANCELED_RESOLUTIONS = ("won't", "duplicate", "abandonn", "annul", "cannot reproduce")


def samples_of(org: Org, as_of_ms: int) -> list[dict[str, object]]:
    """One row per (team, week) with any sample, sorted by team then week."""
    first = _monday_ms(org.calendar.start_ms)
    last = _monday_ms(as_of_ms)  # the week holding as_of is not complete: excluded
    counts: dict[str, Counter[tuple[str, int]]] = {
        k: Counter() for k in ("completed", "created", "in_progress")
    }
    cleaned = {id(i) for i in org.traps.cleaned_up}
    for issue in org.issues:
        if issue.type_id == EPIC.type_id:
            continue
        teams = _team_spells(org, issue)
        counts["created"][(_team_at(teams, issue.created), _monday_ms(issue.created))] += 1
        spells = _status_spells(issue)
        resolved = _resolved_at(spells)
        if (
            resolved is not None
            and resolved <= as_of_ms
            and not _canceled(issue, spells)
            and id(issue) not in cleaned
        ):
            counts["completed"][(_team_at(teams, resolved), _monday_ms(resolved))] += 1
        commit = next((at for at, status in spells if STATUS_BY_ID[status].category == INDETERMINATE), None)
        if commit is None:
            continue
        end = min(resolved if resolved is not None else as_of_ms, as_of_ms)
        week = _monday_ms(commit)
        while week < end:
            stop = min(end, week + WEEK_MS)
            if stop > max(commit, week):
                counts["in_progress"][(_team_at(teams, stop - 1), week)] += 1
            week += WEEK_MS
    keys = {key for found in counts.values() for key in found}
    rows = [
        {
            "team": team,
            "week_start": _day(week).isoformat(),
            **{name: found.get((team, week), 0) for name, found in counts.items()},
        }
        for team, week in sorted(keys)
        if first <= week < last
    ]
    return rows


def _monday_ms(ms: int) -> int:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    monday = datetime.combine(
        moment.date() - timedelta(days=moment.weekday()), datetime.min.time(), tzinfo=UTC
    )
    return int(monday.timestamp() * 1000)


def _day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date()


def _team_spells(org: Org, issue: Issue) -> list[tuple[int, str]]:
    spells = [(issue.created, issue.origin_team or issue.team)]
    for at, _, items in sorted(issue.events, key=lambda e: e[0]):
        for kind, _, b in items:
            if kind == "move":
                spells.append((at, org.teams[b].key))
    return spells


def _team_at(spells: list[tuple[int, str]], at: int) -> str:
    team = spells[0][1]
    for start, key in spells:
        if start <= at:
            team = key
    return team


def _status_spells(issue: Issue) -> list[tuple[int, int]]:
    """(start, status) of each status spell, the initial one from creation; repeats merged."""
    spells = [(issue.created, issue.initial_status)]
    for at, _, items in sorted(issue.events, key=lambda e: e[0]):
        for kind, _, b in items:
            if kind == "status" and b != spells[-1][1]:
                spells.append((at, b))
    return spells


def _resolved_at(spells: list[tuple[int, int]]) -> int | None:
    """The start of the final done or canceled spell, None when the issue ends open."""
    if STATUS_BY_ID[spells[-1][1]].category != DONE_CATEGORY:
        return None
    start = spells[-1][0]
    for at, status in reversed(spells):
        if STATUS_BY_ID[status].category != DONE_CATEGORY:
            break
        start = at
    return start


def _canceled(issue: Issue, spells: list[tuple[int, int]]) -> bool:
    if STATUS_BY_ID[spells[-1][1]].kind == "canceled":
        return True
    name = RESOLUTIONS[issue.resolution][0].casefold() if issue.resolution >= 0 else ""
    return any(word in name for word in _CANCELED_RESOLUTIONS)
