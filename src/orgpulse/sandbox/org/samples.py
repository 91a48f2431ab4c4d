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
    active_people  humans (no bots, no unknown actor) active on at least 3 of the team's issues over
                 the week and the 3 before it: assignee at any moment until the issue's resolution,
                 or actor of a status change that is not an exit from an approval or meeting status
    touched      the team's issues with such activity over those 4 weeks (oversized_team's sample)
                 — the team of an assignment is the one at the end of its part in a week, the team
                 of a status change the one at its moment
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


def samples_of(org: Org, as_of_ms: int, *, linear: bool = False) -> list[dict[str, object]]:
    """One row per (team, week) with any sample, sorted by team then week.

    Linear records the same organisation with two differences that change who is seen active:
    epics are projects (no activity on them is seen) and a team move is also a state change
    (states are per team), so its actor made a status change.
    """
    first = _monday_ms(org.calendar.start_ms)
    last = _monday_ms(as_of_ms)  # the week holding as_of is not complete: excluded
    counts: dict[str, Counter[tuple[str, int]]] = {
        k: Counter() for k in ("completed", "created", "in_progress", "active_people", "touched")
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
    issues = [i for i in org.issues if i.type_id != EPIC.type_id] if linear else org.issues
    changes = ("status", "move") if linear else ("status",)
    _count_activity(org, issues, changes, as_of_ms, counts["active_people"], counts["touched"])
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


def _count_activity(
    org: Org,
    issues: list[Issue],
    changes: tuple[str, ...],
    as_of_ms: int,
    active_people: Counter[tuple[str, int]],
    touched: Counter[tuple[str, int]],
) -> None:
    """Count each (team, week)'s active people and touched issues over the week and the 3 before it."""
    humans = {p.index for p in org.people if p.role != "bot"}
    seen: set[tuple[str, int, int, int]] = set()  # (team, window week, person, issue ordinal)
    for issue in issues:
        teams = _team_spells(org, issue)
        acts: list[tuple[str, int, int]] = []  # (team, week, person)
        status = issue.initial_status
        for at, actor, items in sorted(issue.events, key=lambda e: e[0]):
            changed = any(kind in changes and (kind != "status" or b != status) for kind, _, b in items)
            if changed and actor in humans and STATUS_BY_ID[status].kind not in ("approval", "meeting"):
                acts.append((_team_at(teams, at), _monday_ms(at), actor))
            status = next((b for kind, _, b in items if kind == "status"), status)
        resolved = _resolved_at(_status_spells(issue))
        stop = min(resolved if resolved is not None else as_of_ms, as_of_ms)
        for start, end, person in _assignee_spells(issue, as_of_ms):
            week, end = _monday_ms(start), min(end, stop)
            while person in humans and week < end:
                piece_end = min(end, week + WEEK_MS)
                if piece_end > max(start, week):
                    acts.append((_team_at(teams, piece_end - 1), week, person))
                week += WEEK_MS
        for team, week, person in acts:
            for window in range(4):
                seen.add((team, week + window * WEEK_MS, person, issue.ordinal))
    per_person: Counter[tuple[str, int, int]] = Counter()
    touched_issues: set[tuple[str, int, int]] = set()
    for team, week, person, ordinal in seen:
        per_person[(team, week, person)] += 1
        touched_issues.add((team, week, ordinal))
    for (team, week, _), n in per_person.items():
        if n >= 3:
            active_people[(team, week)] += 1
    for team, week, _ in touched_issues:
        touched[(team, week)] += 1


def _assignee_spells(issue: Issue, as_of_ms: int) -> list[tuple[int, int, int]]:
    """(start, end, person) of each assignment, the initial one from creation; -1 is nobody."""
    spells: list[tuple[int, int, int]] = []
    start, person = issue.created, issue.initial_assignee
    for at, _, items in sorted(issue.events, key=lambda e: e[0]):
        for kind, _, b in items:
            if kind == "assignee" and b != person:
                spells.append((start, at, person))
                start, person = at, b
    spells.append((start, as_of_ms, person))
    return [(s, e, p) for s, e, p in spells if p >= 0 and e > s]


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
