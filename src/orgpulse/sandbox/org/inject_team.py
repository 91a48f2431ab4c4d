"""Injectors of a team's habits: meeting_driven_process, oversized_team, goal_disconnect.

meeting_driven_process plans committee gates before histories are built and scatters the
decisions of the week after once they exist; oversized_team re-attributes status moves to people
from other teams once histories exist; goal_disconnect leaves a week's new issues without an epic.
"""

from __future__ import annotations

import math
from collections import Counter
from random import Random

from orgpulse.sandbox.org.cells import choose_runs, completing, target_teams
from orgpulse.sandbox.org.edits import Move, insert_visit, moves, set_actor, spells
from orgpulse.sandbox.org.model import Cell, Issue
from orgpulse.sandbox.org.paths import HOUR, MINUTE
from orgpulse.sandbox.org.plan import WEEK, Context
from orgpulse.sandbox.org.site import EPIC, STATUS_BY_ID, SUBTASK, TASK
from orgpulse.sandbox.org.weeks import WORK_DAY_S
from orgpulse.sandbox.org.words import COORDINATION_LABEL, coordination_summary

MEETING = "meeting_driven_process"
FIRST_BATCH = 11  # decisions the committee releases in the run's first week, at most
MIN_BATCH = 10  # ... and at least (the detector needs 10 exits in its window)
LATER_BATCH = 6
DECISION_KINDS = ("approval", "meeting")
# Windows of a working day (from 9:00) a scattered committee visit may take; Tuesday skips the first two.
AFTER_SHARE = 0.92  # scattered decisions in the window after the run, per decision the committee released
_WINDOWS = tuple((k * 90 * MINUTE + 30 * MINUTE, (k + 1) * 90 * MINUTE + 30 * MINUTE) for k in (0, 1, 3, 4))
OVERSIZED_TARGET = 12  # active people the team reaches with its outside helpers


def _committee(ctx: Context, team: str) -> int | None:
    """The status a team's committee decides from: its meeting status, else its approval status."""
    wf = ctx.actors[team].team.workflow
    return wf.meeting if wf.meeting is not None else wf.approval


def _gate_candidates(ctx: Context, team: str, week: int) -> list[Issue]:
    """Issues that can wait for Tuesday's committee: completing from Tuesday 14:00, then (brought
    forward into this week by `plan_meetings`) those completing next week."""
    low = week * WEEK + WORK_DAY_S + 5 * HOUR
    this = [i for i in completing(ctx, team, week) if ctx.spans[i.plan][1] >= low]
    return [
        *sorted(this, key=lambda i: (ctx.spans[i.plan][1], i.plan)),
        *sorted(completing(ctx, team, week + 1), key=lambda i: (ctx.spans[i.plan][1], i.plan)),
    ]


def plan_meetings(ctx: Context) -> None:
    """A committee meets every Tuesday at 10:00 and releases the work it kept waiting since 9:00.

    In each cell week the team starts 6-12 issues through the committee status, all finished within
    the week (issues of the next week are brought forward, so work in progress stays as usual); in
    the five weeks before and during the run its other issues make no sign-off or committee visit,
    so the committee's slot holds every decision of the window. Runs are 1-2 weeks long; the
    scattered decisions of the week after are added at "links".
    """
    rng = ctx.rng
    teams = target_teams(ctx, lambda key: _committee(ctx, key) is not None)
    fits = lambda t, w: len(_gate_candidates(ctx, t, w)) >= MIN_BATCH  # noqa: E731
    for team, weeks in choose_runs(ctx, MEETING, teams, fits, footprint=(5, 1), longest=2):
        for n, week in enumerate(weeks):
            tuesday = week * WEEK + WORK_DAY_S
            for issue in _gate_candidates(ctx, team, week)[: FIRST_BATCH if n == 0 else LATER_BATCH]:
                enter = tuesday + rng.randint(2 * MINUTE, 50 * MINUTE)
                leave = tuesday + HOUR + rng.randint(0, 55 * MINUTE)  # 10:00-10:55: one 2-hour slot
                created_w, done_w = ctx.spans[issue.plan]
                if done_w >= (week + 1) * WEEK:
                    done_w = tuesday + WORK_DAY_S + rng.randint(HOUR, 3 * WORK_DAY_S - HOUR)
                if created_w > enter - 30 * MINUTE:
                    created_w = max(0, enter - rng.randint(HOUR, 2 * WORK_DAY_S))
                ctx.replan(issue, created_w, done_w)
                shape = ctx.shape(issue)
                shape.gate, shape.quiet = (enter, leave), True
        start, stop = (weeks[0] - 5) * WEEK, (weeks[-1] + 1) * WEEK
        for issue in ctx.issues:
            if issue.team == team and issue.type_id != EPIC.type_id:
                created_w, end_w = ctx.spans[issue.plan]
                if created_w < stop and end_w > start and not issue.locked:
                    ctx.shape(issue).quiet = True


def inject_meeting_driven_process(ctx: Context) -> None:
    """Record the committee's cells, title a coordination artefact per week, and scatter decisions
    at other times: a few in the cell weeks (the slot keeps over 70% of the window), then in the
    week after the run nearly as many as the committee released, so the slot's share drops to
    about half there and in the windows that follow."""
    for team, weeks in ctx.runs.get(MEETING, []):
        gated: dict[int, list[Issue]] = {}
        for issue in ctx.issues:
            shape = ctx.shapes.get(issue.plan)
            if issue.team == team and shape is not None and shape.gate is not None:
                gated.setdefault(shape.gate[1] // WEEK, []).append(issue)
        for week in weeks:
            _scatter(ctx, team, week, len(gated.get(week, [])) * 3 // 10)
        batched = sum(len(gated.get(w, [])) for w in weeks)
        after = weeks[-1] + 1
        exits = _decision_exits(ctx, team)
        others = sum(exits[k] for k in range(after - 5, after + 1)) - batched
        missing = math.ceil(batched * AFTER_SHARE) + 1 - others
        missing -= _scatter(ctx, team, after, missing)
        _scatter(ctx, team, after + 1, missing)  # what the week after could not hold
        for week in weeks:
            artefacts = _artefacts(ctx, team, week)
            keys = sorted(gated.get(week, []), key=lambda i: i.plan) + artefacts
            ctx.cells.append(Cell(MEETING, team, week, tuple(keys)))


def _decision_exits(ctx: Context, team: str) -> Counter[int]:
    """Human exits from approval and committee statuses of the team's issues, per week."""
    people = ctx.staff.people
    found: Counter[int] = Counter()
    for issue in ctx.issues:
        if issue.team != team or issue.type_id == EPIC.type_id:
            continue
        for move in moves(issue):
            human = move.actor >= 0 and people[move.actor].account_type != "app"
            if human and STATUS_BY_ID[move.from_status].kind in DECISION_KINDS:
                found[ctx.cal.ms_to_work(move.at) // WEEK] += 1
    return found


def _scatter(ctx: Context, team: str, week: int, count: int) -> int:
    """`count` short committee visits during work, review or a block, at any working time of the
    week but Tuesday morning (at most one per status spell and 90-minute window: none overlap)."""
    rng, cal = ctx.rng, ctx.cal
    team_obj = ctx.actors[team].team
    committee = _committee(ctx, team)
    if committee is None or count <= 0 or week >= cal.weeks - 1:
        return 0
    wf = team_obj.workflow
    working = (wf.active, wf.review, wf.blocked)
    slots: list[tuple[Issue, int, int]] = []
    for issue in ctx.issues:
        if issue.team != team or issue.type_id == EPIC.type_id:
            continue
        for spell in spells(issue):
            if spell.status not in working:
                continue
            end = spell.end if spell.end > 0 else cal.horizon_ms
            for day in range(5):
                for first, last in _WINDOWS[2:] if day == 1 else _WINDOWS:
                    opening = week * WEEK + day * WORK_DAY_S
                    low = max(cal.work_to_ms(opening + first), spell.start + 600_000)
                    high = min(cal.work_to_ms(opening + last), end - 600_000)
                    if high - low >= 40 * 60_000:
                        slots.append((issue, low, high))
    placed = rng.sample(slots, min(count, len(slots)))
    for issue, low, high in placed:
        spell = next(s for s in spells(issue) if s.start <= low and (s.end < 0 or high <= s.end))
        enter = rng.randint(low, high - 20 * 60_000)
        leave = min(high, enter + rng.randint(20 * 60_000, 80 * 60_000))
        insert_visit(issue, spell, enter, leave, committee, team_obj.po)
    return len(placed)


def _artefacts(ctx: Context, team: str, week: int) -> list[Issue]:
    """Title one issue created in the week as the committee's own ticket (a coordination artefact)."""
    rng = ctx.rng
    lang = ctx.actors[team].team.lang
    created = [
        i
        for i in ctx.issues
        if i.team == team
        and i.type_id not in (EPIC.type_id, SUBTASK.type_id)
        and ctx.cal.ms_to_work(i.created) // WEEK == week
    ]
    if not created:
        return []
    issue = rng.choice(sorted(created, key=lambda i: i.plan))
    issue.summary = coordination_summary(rng, lang)
    issue.labels = tuple(sorted({*issue.labels, COORDINATION_LABEL[lang]}))
    return [issue]


def inject_oversized_team(ctx: Context) -> None:
    """People from other teams move the team's issues, each on exactly three issues in the trailing
    windows of the cell weeks: one in week b-3 and two in week a of a run [a, b]. So many join that
    the team counts at least twelve active people in the windows for a..b, and no more than its
    own members in any other window."""
    rng = ctx.rng
    teams = target_teams(ctx, lambda key: True)
    movable = _movable(ctx)

    def fits(team: str, week: int) -> bool:
        helpers = max(3, OVERSIZED_TARGET - len(ctx.actors[team].team.members))
        late, early = movable.get((team, week), []), movable.get((team, week - 3), [])
        return len(late) >= 2 * helpers + 2 and len(early) >= helpers + 1

    for team, weeks in choose_runs(ctx, "oversized_team", teams, fits, footprint=(3, 0)):
        active = _active_people(ctx, team)
        count = max(3, OVERSIZED_TARGET - min(active.get(w, 0) for w in weeks))
        outsiders = [p for t in ctx.staff.teams if t.key != team for p in t.members]
        helpers = rng.sample(outsiders, min(len(outsiders), count))
        early, late = (_by_preference(rng, movable.get((team, w), [])) for w in (weeks[-1] - 3, weeks[0]))
        touched: list[Issue] = []
        for helper in helpers:
            picked: list[tuple[Issue, Move]] = []
            for pool, wanted in ((early, 1), (late, 2)):
                for item in list(pool):
                    if wanted and all(item[0] is not p[0] for p in picked):
                        picked.append(item)
                        pool.remove(item)
                        wanted -= 1
            if len(picked) == 3:
                for issue, move in picked:
                    set_actor(issue, move.index, helper)
                    touched.append(issue)
        keys = tuple(sorted(set(touched), key=lambda i: i.plan))
        for week in weeks:
            ctx.cells.append(Cell("oversized_team", team, week, keys))


def _by_preference(rng: Random, moves_: list[tuple[Issue, Move]]) -> list[tuple[Issue, Move]]:
    """Moves by the issue's own assignee first (their mover stays active through the assignment)."""
    shuffled = rng.sample(moves_, len(moves_))
    return sorted(shuffled, key=lambda item: item[1].actor != item[1].assignee)


def _active_people(ctx: Context, team: str) -> dict[int, int]:
    """Per week W: the humans with at least 3 of the team's issues over W-3..W, as a history shows
    them (assignee spells from assignee changes, until resolution; status moves but decisions)."""
    people = ctx.staff.people
    touched: dict[tuple[int, int], set[int]] = {}  # (week, person) -> issue plans

    def add(start: int, stop: int, person: int, plan: int) -> None:
        if person >= 0 and people[person].account_type != "app":
            for week in range(ctx.cal.ms_to_work(start) // WEEK, ctx.cal.ms_to_work(stop) // WEEK + 1):
                touched.setdefault((week, person), set()).add(plan)

    for issue in ctx.issues:
        if issue.team != team or issue.type_id == EPIC.type_id:
            continue
        ordered = sorted(issue.events, key=lambda e: e[0])
        changes = [(at, a, b) for at, _, items in ordered for kind, a, b in items if kind == "assignee"]
        resolved = issue.done_ms if issue.fate in ("done", "canceled") else ctx.cal.horizon_ms
        bounds = [issue.created, *(at for at, _, _ in changes), ctx.cal.horizon_ms]
        holders = [changes[0][1], *(b for _, _, b in changes)] if changes else []
        for n, person in enumerate(holders):
            if bounds[n] < resolved:
                add(bounds[n], min(bounds[n + 1], resolved), person, issue.plan)
        for move in moves(issue):
            if STATUS_BY_ID[move.from_status].kind not in DECISION_KINDS:
                add(move.at, move.at, move.actor, issue.plan)
    active: dict[int, int] = {}
    for week in range(ctx.cal.weeks):
        for person in {p for w, p in touched if week - 3 <= w <= week}:
            issues = set().union(*(touched.get((w, person), set()) for w in range(week - 3, week + 1)))
            active[week] = active.get(week, 0) + (len(issues) >= 3)
    return active


def _movable(ctx: Context) -> dict[tuple[str, int], list[tuple[Issue, Move]]]:
    """Per (team, week): status moves team members made, decisions aside.

    Only issues assigned through their history count (an assignment made at creation leaves no
    changelog item, so a mover's activity could rest on the move alone)."""
    found: dict[tuple[str, int], list[tuple[Issue, Move]]] = {}
    for issue in ctx.issues:
        if issue.type_id == EPIC.type_id or issue.initial_assignee >= 0:
            continue
        members = ctx.actors[issue.team].team.members
        for move in moves(issue):
            if move.actor in members and STATUS_BY_ID[move.from_status].kind not in DECISION_KINDS:
                found.setdefault((issue.team, ctx.cal.ms_to_work(move.at) // WEEK), []).append((issue, move))
    return found


def inject_goal_disconnect(ctx: Context) -> None:
    """Every issue the team creates in the cell week stays outside any epic (sub-tasks become tasks);
    later sub-tasks of those issues move under an epic so the next weeks keep their goals."""
    rng = ctx.rng
    created: dict[tuple[str, int], list[Issue]] = {}
    for issue in ctx.issues:
        if issue.type_id != EPIC.type_id:
            created.setdefault((issue.team, ctx.cal.ms_to_work(issue.created) // WEEK), []).append(issue)
    teams = target_teams(ctx, lambda key: True)
    fits = lambda t, w: len(created.get((t, w), [])) >= 6  # noqa: E731
    cut: set[int] = set()
    for team, weeks in choose_runs(ctx, "goal_disconnect", teams, fits, exclusive=False):
        for week in weeks:
            issues = sorted(created[(team, week)], key=lambda i: i.plan)
            for issue in issues:
                issue.parent, issue.locked = None, True
                if issue.type_id == SUBTASK.type_id:
                    issue.type_id = TASK.type_id
                cut.add(id(issue))
            ctx.cells.append(Cell("goal_disconnect", team, week, tuple(issues)))
    epics = sorted((i for i in ctx.issues if i.type_id == EPIC.type_id), key=lambda i: i.created)
    for issue in ctx.issues:
        if issue.parent is not None and id(issue.parent) in cut:
            earlier = [e for e in epics if e.team == issue.team and e.created < issue.created]
            issue.type_id, issue.parent = TASK.type_id, (rng.choice(earlier) if earlier else None)
