"""Injected dysfunctions: one injector per symptom, registered in `INJECTORS`.

An injector picks 2-4 (team, week) cells in runs of 1-3 consecutive weeks, on teams that are not
control teams, among the complete weeks `Context.injectable_weeks` allows, and makes the symptom
clearly alert there (SYMPTOMS.md, "Precise definitions") while the rest of the organisation stays
clearly below the watch thresholds. It records each cell with the issues that carry it.

Stages: "plans" steps run after issues are planned and before their histories are built (they
give the issues of a cell a `Shape`); "links" steps run once every history exists (they add links,
committee visits, actors); "parents" steps run once issues have their epics. Cells are chosen by
`cells.choose_runs`, which keeps injections apart. `inject_flow` holds the injectors of completed
work (rigid_workflow, diluted_ownership, scattered_focus), `inject_team` those of a team's habits
(meeting_driven_process, oversized_team, goal_disconnect). To add a symptom, write its steps and add
one `Injector` row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from orgpulse.sandbox.org.cells import choose_runs, completions, target_teams
from orgpulse.sandbox.org.inject_flow import (
    inject_diluted_ownership,
    inject_rigid_workflow,
    inject_scattered_focus,
)
from orgpulse.sandbox.org.inject_team import (
    inject_goal_disconnect,
    inject_meeting_driven_process,
    inject_oversized_team,
    plan_meetings,
)
from orgpulse.sandbox.org.links import HOUR_MS, add_link, end_ms, new_ext, team_day_ms
from orgpulse.sandbox.org.model import Cell, Issue
from orgpulse.sandbox.org.plan import Context
from orgpulse.sandbox.org.site import BLOCKS, DEPENDENCY, EPIC
from orgpulse.sandbox.org.weeks import WORK_DAY_S


@dataclass(frozen=True, slots=True)
class Injector:
    """One symptom's injection: what it does at each stage of generation ("plans", "links", "parents")."""

    symptom: str
    stages: Mapping[str, Callable[[Context], None]]


def inject_approval_bottleneck(ctx: Context) -> None:
    """Issues completing in the cell wait about 42-46% of their lead time for one director's sign-off
    (more when a weekend falls in the wait).

    They are committed soon after creation, so the wait stays around half of their cycle time and
    rigid_workflow's queue share stays well below its alert level.
    """
    rng = ctx.rng
    teams = target_teams(ctx, lambda key: ctx.actors[key].team.workflow.approval is not None)
    fits = lambda t, w: len(completions(ctx, t, w) or ()) >= 4  # noqa: E731
    for team, weeks in choose_runs(ctx, "approval_bottleneck", teams, fits, footprint=(1, 0)):
        director = ctx.actors[team].team.director
        for n, week in enumerate(weeks):
            chosen = completions(ctx, team, week) or []
            # Enough sign-offs in the trailing four weeks even when the run starts here.
            loops = max(0, 10 - len(chosen)) if n == 0 else 0
            for k, issue in enumerate(chosen):
                created_w, done_w = ctx.spans[issue.plan]
                min_lead = int(rng.uniform(2.5, 6.0) * WORK_DAY_S)
                if done_w - created_w < min_lead:
                    ctx.replan(issue, max(0, done_w - min_lead), done_w)
                loop = k < loops or rng.random() < 0.3
                ctx.shape(issue).approval = (director, loop, rng.uniform(0.42, 0.46))
            ctx.cells.append(Cell("approval_bottleneck", team, week, tuple(chosen)))


def inject_cross_team_blocking(ctx: Context) -> None:
    """Half the team's work in progress gets blocked on Monday morning by another team's (or an
    outside project's) issue, which is done, or unlinked, before the week ends."""
    rng = ctx.rng
    controls = set(ctx.staff.control_teams)
    teams = target_teams(ctx, lambda key: True)
    work: dict[str, list[Issue]] = {}
    for issue in ctx.issues:
        if issue.type_id != EPIC.type_id and issue.commit_ms > 0:
            work.setdefault(issue.team, []).append(issue)

    def blockable(team: str, week: int) -> tuple[int, list[Issue]]:
        start, stop = ctx.cal.week_start_ms[week], ctx.cal.week_start_ms[week + 1]
        monday, friday = team_day_ms(ctx, week, 0, 9.0), team_day_ms(ctx, week, 4, 17.0)
        busy = [i for i in work.get(team, []) if max(i.commit_ms, start) < min(end_ms(i), stop)]
        ready = [
            i
            for i in busy
            if i.created < monday and min(end_ms(i), friday) - max(i.commit_ms, monday) >= 6 * HOUR_MS
        ]
        return len(busy), ready

    def fits(team: str, week: int) -> bool:
        size, ready = blockable(team, week)
        return size >= 6 and len(ready) >= math.ceil(0.5 * size)

    for team, weeks in choose_runs(ctx, "cross_team_blocking", teams, fits):
        for week in weeks:
            size, ready = blockable(team, week)
            count = min(len(ready), max(3, math.ceil(rng.uniform(0.5, 0.65) * size)))
            chosen = sorted(rng.sample(ready, count), key=lambda i: i.plan)
            wednesday, friday_evening = team_day_ms(ctx, week, 2, 9.0), team_day_ms(ctx, week, 4, 17.5)
            blockers = [
                i
                for i in ctx.issues
                if i.fate == "done"
                and i.team != team
                and i.team not in controls
                and i.type_id != EPIC.type_id
                and wednesday <= i.done_ms <= friday_evening
            ]
            for x in chosen:
                link_at = team_day_ms(ctx, week, 0, rng.uniform(9.0, 10.5))
                _block(
                    ctx, x, blockers, link_at, team_day_ms(ctx, week, rng.choice((3, 4)), rng.uniform(10, 16))
                )
            ctx.cells.append(Cell("cross_team_blocking", team, week, tuple(chosen)))


def _block(ctx: Context, x: Issue, blockers: list[Issue], link_at: int, unlink_at: int) -> None:
    """Link x as blocked from `link_at` by a blocker that is done (or unlinked) within the week."""
    rng = ctx.rng
    team = ctx.actors[x.team].team
    author = x.initial_assignee if x.initial_assignee >= 0 and rng.random() < 0.5 else team.po
    start = max(link_at, x.commit_ms)
    usable = [
        y
        for y in blockers
        if y.created < link_at - HOUR_MS and min(y.done_ms, end_ms(x)) - start >= 4 * HOUR_MS
    ]
    link_type = DEPENDENCY if rng.random() < 0.25 else BLOCKS
    x.locked = True
    if usable and rng.random() < 0.8:
        y = rng.choice(usable)
        y.locked = True
        add_link(ctx, link_type, y, x, link_at, author)
        return
    ext = new_ext(ctx, 10006, 10002)
    unlink_at = max(unlink_at, start + 4 * HOUR_MS)
    add_link(ctx, link_type, ext, x, link_at, author, removed=unlink_at)


INJECTORS: tuple[Injector, ...] = (
    Injector("meeting_driven_process", {"plans": plan_meetings, "links": inject_meeting_driven_process}),
    Injector("approval_bottleneck", {"plans": inject_approval_bottleneck}),
    Injector("scattered_focus", {"plans": inject_scattered_focus}),
    Injector("rigid_workflow", {"plans": inject_rigid_workflow}),
    Injector("diluted_ownership", {"plans": inject_diluted_ownership}),
    Injector("oversized_team", {"links": inject_oversized_team}),
    Injector("cross_team_blocking", {"links": inject_cross_team_blocking}),
    Injector("goal_disconnect", {"parents": inject_goal_disconnect}),
)


def run_injectors(ctx: Context, stage: str) -> None:
    """Run every injector's step for `stage`, in the order of `INJECTORS`."""
    for injector in INJECTORS:
        step = injector.stages.get(stage)
        if step is not None:
            step(ctx)
