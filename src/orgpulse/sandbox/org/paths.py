"""Status and assignee histories of single issues, built backwards from when the issue ends.

A path is laid out in *working time* (`Calendar` coordinates) between the issue's creation and its
completion, so every human action lands in office hours. Healthy paths keep approval and committee
visits short and within one working day. An injector bends the path of the issues it owns with a
`Shape`: a fixed owner or a chain of owners, a commitment time, a committee gate, long waits in
blocked and queue statuses (`rigid`), or the long wait for an outside director's sign-off
(`approval_path`).
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from orgpulse.sandbox.org.model import Issue, Item, Team
from orgpulse.sandbox.org.site import RES_ABANDONNE, RES_DONE, RES_DUPLICATE, RES_WONT_DO
from orgpulse.sandbox.org.weeks import WORK_DAY_S, Calendar

HOUR = 3600
MINUTE = 60


@dataclass(frozen=True, slots=True)
class Actors:
    """Who may act on one team's issues."""

    team: Team
    automation: int  # "Automation for Jira" (app)
    scm_bot: int  # "GitHub for Jira" (app)


@dataclass(slots=True)
class Shape:
    """How an injector bends one issue's path; the defaults give a healthy path.

    `owner` works the issue from commitment (-1: the team picks someone); `solo` keeps everyone
    else off it; `handoffs` are further assignees, one per step after commitment; `quiet` drops
    sign-off and committee visits; `commit_w` fixes the commitment; `gate` = (entry, exit): the
    issue is committed into the committee status and released to work at exit; `rigid` > 0 is the
    share of the cycle spent waiting in blocked and queue statuses; `approval` = (director, loop,
    wait share of lead time) makes `approval_path` build it.
    """

    owner: int = -1
    solo: bool = False
    handoffs: tuple[int, ...] = ()
    quiet: bool = False
    commit_w: int = -1
    gate: tuple[int, int] | None = None
    rigid: float = 0.0
    approval: tuple[int, bool, float] | None = None


HEALTHY = Shape()


class Track:
    """The events of one issue as they are appended, with its running status and assignee."""

    def __init__(self, issue: Issue, cal: Calendar, rng: Random) -> None:
        self.issue = issue
        self.cal = cal
        self.rng = rng
        self.status = issue.initial_status
        self.assignee = issue.initial_assignee
        self.flagged = False
        self.last_ms = issue.created

    def at(self, work: int) -> int:
        """An instant for a working coordinate, strictly after the previous event."""
        ms = self.cal.work_to_ms(work) + self.rng.randrange(1000)
        ms = max(ms, self.last_ms + 1000)
        self.last_ms = ms
        return ms

    def add(self, ms: int, actor: int, items: list[Item]) -> None:
        if items:
            self.issue.events.append((ms, actor, tuple(items)))

    def move(
        self, work: int, actor: int, to_status: int, assign: int | None = None, resolution: int | None = None
    ) -> int:
        ms = self.at(work)
        items: list[Item] = [("status", self.status, to_status)]
        self.status = to_status
        if assign is not None and assign != self.assignee:
            items.append(("assignee", self.assignee, assign))
            self.assignee = assign
        if resolution is not None:
            items.append(("resolution", -1, resolution))
        self.add(ms, actor, items)
        return ms

    def flag(self, work: int, actor: int, on: bool) -> None:
        self.add(self.at(work), actor, [("flag", int(self.flagged), int(on))])
        self.flagged = on


def pick_assignee(rng: Random, team: Team) -> int:
    devs = [m for m in team.members if m != team.po]
    return rng.choice(devs) if devs and rng.random() < 0.92 else team.po


def _owner(track: Track, team: Team, shape: Shape) -> int:
    """The shape's owner; else whoever the issue was given to at creation; else someone picks it up."""
    if shape.owner >= 0:
        return shape.owner
    return track.assignee if track.assignee >= 0 else pick_assignee(track.rng, team)


def _mover(rng: Random, assignee: int) -> int:
    """The assignee moves their own issue; now and then nobody is recorded (system change)."""
    return -1 if rng.random() < 0.01 else assignee


def _split(total: int, weights: list[float]) -> list[int]:
    whole = sum(weights)
    parts = [int(total * w / whole) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _healthy_steps(rng: Random, team: Team, rest: int, shape: Shape) -> list[tuple[int, float]]:
    """Work, an optional Blocked spell, review with rework loops, now and then a committee visit."""
    wf = team.workflow
    steps: list[tuple[int, float]] = [(wf.active, 3.0)]
    if rest > 6 * HOUR and rng.random() < 0.12:
        steps += [(wf.blocked, 0.6), (wf.active, 1.2)]
    steps.append((wf.review, 1.0))
    loops = 0 if rng.random() < 0.68 else (1 if rng.random() < 0.8 else 2)
    if shape.handoffs:
        loops = max(loops, len(shape.handoffs))
    for _ in range(loops if rest > 4 * HOUR or shape.handoffs else 0):
        steps += [(wf.active, 0.8), (wf.review, 0.5)]
    if wf.meeting is not None and rest > 8 * HOUR and rng.random() < 0.06 and not shape.quiet:
        steps[1:1] = [(wf.meeting, 0.3), (wf.active, 0.5)]
    return steps


def _rigid_steps(rng: Random, team: Team, waiting: float) -> list[tuple[int, float]]:
    """Short bursts of work between long waits: on hold, then parked back in the queue."""
    wf = team.workflow
    queue = wf.selected if wf.selected is not None else wf.backlog
    work, hold = 1.0 - waiting, rng.uniform(0.35, 0.65)
    return [
        (wf.active, 0.4 * work),
        (wf.blocked, hold * waiting),
        (wf.active, 0.25 * work),
        (queue, (1 - hold) * waiting),
        (wf.active, 0.2 * work),
        (wf.review, 0.15 * work),
    ]


def work_path(
    track: Track,
    actors: Actors,
    span_w: tuple[int, int],
    final: int,
    final_actor: int | None,
    resolution: int | None = None,
    shape: Shape = HEALTHY,
) -> tuple[int, int]:
    """Backlog -> committed work -> `final` entered at the span's end; returns (commit ms, final ms).

    The optional Selected/Blocked/flag/rework/committee steps and a hand-off to a reviewer are
    decided here; approval is not (the callers add it). `final_actor` None: whoever holds the issue.
    """
    rng, team = track.rng, actors.team
    wf = team.workflow
    start_w, end_w = span_w
    span = max(end_w - start_w, 4 * MINUTE)
    if shape.gate is not None:
        t = shape.gate[0]
    elif shape.commit_w >= 0:
        t = min(max(shape.commit_w, start_w + MINUTE), end_w - MINUTE)
    else:
        t = start_w + int(span * (rng.uniform(0.02, 0.08) if shape.approval else rng.uniform(0.08, 0.45)))
    if shape.rigid:  # the first burst of work starts on the day it ends: nights fall in waits
        t = _same_day_start(t, t + int((end_w - t) * (1 - shape.rigid) * 0.4))
    backlog = t - start_w
    if wf.selected is not None and rng.random() < 0.55 and backlog > 20 * MINUTE:
        track.move(start_w + int(backlog * rng.uniform(0.3, 0.9)), team.po, wf.selected)
    assignee = _owner(track, team, shape)
    if shape.gate is not None:
        committee = wf.meeting if wf.meeting is not None else wf.approval
        if committee is None:
            raise ValueError(f"team {team.key} has no committee or approval status")
        commit_ms = track.move(t, team.po, committee, assign=assignee)
        t = shape.gate[1]
        track.move(t, team.po, wf.active)
    else:
        commit_ms = track.move(t, _mover(rng, assignee), wf.active, assign=assignee)
    rest = end_w - t
    steps = _rigid_steps(rng, team, shape.rigid) if shape.rigid else _healthy_steps(rng, team, rest, shape)
    handoff = rng.random() < 0.2 and not shape.solo and not shape.handoffs
    chain = list(shape.handoffs)
    durations = _split(rest, [w for _, w in steps])
    for index, ((status, _), length) in enumerate(zip(steps, durations, strict=True)):
        segment_end = t + length
        if index > 0:
            if status == wf.meeting or (shape.rigid and status in (wf.active, wf.review)):
                t = _same_day_start(t, segment_end)
            reviewer = _reviewer(rng, team, track.assignee) if handoff and status == wf.review else None
            if chain:
                reviewer = chain.pop(0)
            track.move(t, _step_actor(rng, actors, status, track.assignee), status, assign=reviewer)
            handoff = handoff and reviewer is None
        if status == wf.active and length > 3 * HOUR and rng.random() < 0.1 and not track.flagged:
            on = t + int(length * 0.2)
            track.flag(on, track.assignee, True)
            track.flag(on + int(length * rng.uniform(0.2, 0.6)), track.assignee, False)
        t = segment_end
    actor = _mover(rng, track.assignee) if final_actor is None else final_actor
    final_ms = track.move(end_w, actor, final, resolution=resolution)
    return commit_ms, final_ms


def _reviewer(rng: Random, team: Team, current: int) -> int | None:
    others = [m for m in team.members if m not in (current, team.po)]
    return rng.choice(others) if others else None


def _step_actor(rng: Random, actors: Actors, status: int, assignee: int) -> int:
    wf = actors.team.workflow
    if status == wf.review and rng.random() < 0.25:
        return actors.scm_bot
    if status == wf.meeting:
        return actors.team.po
    return _mover(rng, assignee)


def _same_day_start(start: int, end: int) -> int:
    """Pull a short visit's start into the day it ends, so no night falls inside it."""
    day_open = (end - 1) // WORK_DAY_S * WORK_DAY_S
    return max(start, day_open + MINUTE)


def done_path(
    track: Track, actors: Actors, created_w: int, done_w: int, approval: bool, shape: Shape = HEALTHY
) -> tuple[int, int]:
    """A completed issue; a short approval visit right before Done when `approval` (not `quiet`).

    Returns (commitment ms, completion ms).
    """
    rng, team = track.rng, actors.team
    wf = team.workflow
    if approval and wf.approval is not None and not shape.quiet:
        bot = rng.random() < 0.3
        wait = rng.randint(40, 300) if bot else rng.randint(15 * MINUTE, 150 * MINUTE)
        into_day = done_w % WORK_DAY_S
        if into_day < wait + MINUTE:  # keep the visit inside one working day
            done_w += wait + MINUTE - into_day + rng.randint(0, 20 * MINUTE)
        commit, _ = work_path(track, actors, (created_w, done_w - wait), wf.approval, None, shape=shape)
        exit_actor = actors.automation if bot else team.po
        return commit, track.move(done_w, exit_actor, wf.done, resolution=RES_DONE)
    final_actor = actors.automation if rng.random() < 0.18 else None
    return work_path(track, actors, (created_w, done_w), wf.done, final_actor, RES_DONE, shape)


def approval_path(track: Track, actors: Actors, span_w: tuple[int, int], shape: Shape) -> tuple[int, int]:
    """An issue that waits a share of its lead time for sign-off by a director (not a team member).

    `shape.approval` = (director, loop, share). The issue is committed soon after creation, so the
    wait stays under about half of its cycle time. With `loop` the director first sends it back
    once, so it waits in two visits. Returns (commitment ms, completion ms).
    """
    rng, team, cal = track.rng, actors.team, track.cal
    wf = team.workflow
    if wf.approval is None or shape.approval is None:
        raise ValueError(f"team {team.key} has no approval status")
    director, loop, share = shape.approval
    created_w, done_w = span_w
    done_ms = cal.work_to_ms(done_w)
    wait_ms = int((done_ms - track.issue.created) * share)
    if loop:
        second = int(wait_ms * rng.uniform(0.45, 0.6))
        enter2_w = _entry(cal, done_ms, second)
        exit1_w = enter2_w - rng.randint(1 * HOUR, 4 * HOUR)
        first = max(wait_ms - (done_ms - cal.work_to_ms(enter2_w)), 2 * HOUR * 1000)
        enter1_w = _entry(cal, cal.work_to_ms(exit1_w), first)
        commit, _ = work_path(track, actors, (created_w, enter1_w), wf.approval, None, shape=shape)
        assignee = track.assignee
        track.move(exit1_w, director, wf.active)
        track.move((exit1_w + enter2_w) // 2, assignee, wf.review)
        track.move(enter2_w, assignee, wf.approval)
    else:
        enter_w = _entry(cal, done_ms, wait_ms)
        commit, _ = work_path(track, actors, (created_w, enter_w), wf.approval, None, shape=shape)
    return commit, track.move(done_w, director, wf.done, resolution=RES_DONE)


def _entry(cal: Calendar, until_ms: int, wait_ms: int) -> int:
    """When to enter a wait that ends at `until_ms`: `wait_ms` before it, moved to working hours.

    A night or weekend goes to its earlier edge (a longer wait) unless that makes the wait more than
    45% longer; then to its later edge.
    """
    before = cal.ms_to_work(until_ms - wait_ms)
    return before if until_ms - cal.work_to_ms(before) <= wait_ms * 1.45 else before + 1


def open_path(
    track: Track, actors: Actors, created_w: int, horizon_w: int, committed: bool, shape: Shape = HEALTHY
) -> int:
    """An issue still open at the anchor: in the backlog, or in progress. Returns commitment or -1."""
    rng, team = track.rng, actors.team
    wf = team.workflow
    if not committed:
        if wf.selected is not None and rng.random() < 0.3 and horizon_w - created_w > HOUR:
            track.move(created_w + (horizon_w - created_w) // 3, team.po, wf.selected)
        return -1
    assignee = _owner(track, team, shape)
    span = horizon_w - created_w
    commit_w = created_w + int(span * rng.uniform(0.1, 0.5))
    commit = track.move(commit_w, assignee, wf.active, assign=assignee)
    if rng.random() < 0.45:
        later = commit_w + int((horizon_w - commit_w) * rng.uniform(0.4, 0.9))
        final = wf.blocked if rng.random() < 0.15 else wf.review
        track.move(later, _step_actor(rng, actors, final, assignee), final)
    return commit


def canceled_path(
    track: Track, actors: Actors, created_w: int, end_w: int, duplicate: bool, shape: Shape = HEALTHY
) -> int:
    """An issue dropped from the backlog or after work began. Returns commitment or -1."""
    rng, team = track.rng, actors.team
    wf = team.workflow
    commit = -1
    if rng.random() < 0.4 and end_w - created_w > 2 * HOUR:
        assignee = _owner(track, team, shape)
        commit = track.move(created_w + (end_w - created_w) // 2, assignee, wf.active, assign=assignee)
    canceled = RES_ABANDONNE if team.lang == "fr" else RES_WONT_DO
    resolution = RES_DUPLICATE if duplicate else canceled
    track.move(end_w, team.po, wf.canceled, resolution=resolution)
    return commit


def epic_path(track: Track, actors: Actors, created_w: int, horizon_w: int, finish_w: int) -> None:
    """Epics start soon after creation and are closed by the PO when their work is over."""
    rng, team = track.rng, actors.team
    start_w = created_w + rng.randint(HOUR, 5 * WORK_DAY_S)
    if start_w >= horizon_w:
        return
    track.move(start_w, team.po, team.workflow.active)
    if 0 < finish_w < horizon_w and finish_w > start_w:
        track.move(finish_w, team.po, team.workflow.done, resolution=RES_DONE)
