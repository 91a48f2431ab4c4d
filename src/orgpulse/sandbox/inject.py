"""Injected dysfunctions: one injector per symptom, registered in `INJECTORS`.

An injector picks 2-4 (team, week) cells in runs of 1-3 consecutive weeks, on teams that are not
control teams, among the complete weeks `Context.injectable_weeks` allows, and makes the symptom
clearly alert there (SYMPTOMS.md, "Precise definitions") while the rest of the organisation stays
clearly below the watch thresholds. It records each cell with the issues that carry it.

Stages: "plans" injectors run after issues are planned and before their histories are built (they
choose how issues of a cell live); "links" injectors run once every history exists. To add a
symptom, write `inject_<symptom>(ctx)` and add one `Injector` row.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from orgpulse.sandbox.catalog import BLOCKS, DEPENDENCY, EPIC
from orgpulse.sandbox.links import HOUR_MS, add_link, end_ms, new_ext, team_day_ms
from orgpulse.sandbox.org import Cell, Issue
from orgpulse.sandbox.plan import Context
from orgpulse.sandbox.weeks import WORK_DAY_S

_RUN_SPLITS: dict[int, tuple[tuple[int, ...], ...]] = {
    2: ((2,), (1, 1)),
    3: ((3,), (2, 1), (1, 1, 1)),
    4: ((2, 2), (3, 1), (2, 1, 1)),
}


@dataclass(frozen=True, slots=True)
class Injector:
    symptom: str
    stage: str  # "plans" | "links"
    run: Callable[[Context], None]


def choose_runs(
    rng: Random, teams: list[str], weeks: list[int], fits: Callable[[str, int], bool]
) -> list[tuple[str, list[int]]]:
    """2-4 cells in runs of 1-3 consecutive weeks, one team per run, where `fits` allows."""
    total = rng.randint(2, 4)
    for split in [*rng.sample(_RUN_SPLITS[total], k=len(_RUN_SPLITS[total])), (1, 1)]:
        runs: list[tuple[str, list[int]]] = []
        for length in split:
            for _ in range(200):
                team = rng.choice(teams)
                if any(team == t for t, _ in runs) or len(weeks) < length:
                    continue
                start = rng.randrange(0, len(weeks) - length + 1)
                run = weeks[start : start + length]
                if run[-1] - run[0] == length - 1 and all(fits(team, w) for w in run):
                    runs.append((team, run))
                    break
        if len(runs) == len(split):
            return runs
    return []


def _target_teams(ctx: Context, keep: Callable[[str], bool]) -> list[str]:
    controls = set(ctx.staff.control_teams)
    return [t.key for t in ctx.staff.teams if t.key not in controls and keep(t.key)]


def inject_approval_bottleneck(ctx: Context) -> None:
    """Issues completing in the cell wait most of their lead time for one director's sign-off."""
    rng = ctx.rng
    teams = _target_teams(ctx, lambda key: ctx.actors[key].team.workflow.approval is not None)

    def completing(team: str, week: int) -> list[Issue]:
        return [i for i in ctx.done_cells.get((team, week), []) if not i.locked]

    for team, weeks in choose_runs(
        rng, teams, ctx.injectable_weeks(), lambda t, w: len(completing(t, w)) >= 4
    ):
        director = ctx.actors[team].team.director
        for n, week in enumerate(weeks):
            issues = completing(team, week)
            chosen = [i for i in issues if rng.random() < 0.9]
            if len(chosen) < math.ceil(0.8 * len(issues)):
                chosen = issues
            # Enough sign-offs in the trailing four weeks even when the run starts here.
            loops = max(0, 10 - len(chosen)) if n == 0 else 0
            for k, issue in enumerate(chosen):
                created_w, done_w = ctx.spans[issue.plan]
                min_lead = int(rng.uniform(2.5, 6.0) * WORK_DAY_S)
                if done_w - created_w < min_lead:
                    created_w = max(0, done_w - min_lead)
                    ctx.spans[issue.plan] = (created_w, done_w)
                    issue.created = ctx.cal.work_to_ms(created_w) + rng.randrange(1000)
                loop = k < loops or rng.random() < 0.3
                ctx.modes[issue.plan] = ("approval", director, loop, rng.uniform(0.5, 0.68))
                issue.locked = True
            ctx.cells.append(Cell("approval_bottleneck", team, week, tuple(chosen)))


def inject_cross_team_blocking(ctx: Context) -> None:
    """Half the team's work in progress gets blocked on Monday morning by another team's (or an
    outside project's) issue, which is done, or unlinked, before the week ends."""
    rng = ctx.rng
    controls = set(ctx.staff.control_teams)
    teams = _target_teams(ctx, lambda key: True)
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

    for team, weeks in choose_runs(rng, teams, ctx.injectable_weeks(), fits):
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
    Injector("approval_bottleneck", "plans", inject_approval_bottleneck),
    Injector("cross_team_blocking", "links", inject_cross_team_blocking),
)


def run_injectors(ctx: Context, stage: str) -> None:
    for injector in INJECTORS:
        if injector.stage == stage:
            injector.run(ctx)
