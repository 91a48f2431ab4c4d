"""Injectors that bend how completed work flows: rigid_workflow, diluted_ownership, scattered_focus.

All three run at the "plans" stage: they give the issues of a cell a `Shape` before histories are
built. rigid_workflow and diluted_ownership own the issues completing in the cell week (the
detectors read those); scattered_focus owns every issue of the team in progress during the week.
"""

from __future__ import annotations

from orgpulse.sandbox.org.cells import choose_runs, completing, completions, target_teams
from orgpulse.sandbox.org.model import Cell, Issue
from orgpulse.sandbox.org.paths import HOUR, MINUTE
from orgpulse.sandbox.org.plan import WEEK, Context
from orgpulse.sandbox.org.site import EPIC
from orgpulse.sandbox.org.weeks import WORK_DAY_S

LOADED_PEOPLE = 3  # people holding the scattered work (a majority of those with work in progress)
LOAD = 6  # issues each of them holds at once, all week long
KEPT = 3  # completions a week keeps when it lends issues to a scattered week


def inject_rigid_workflow(ctx: Context) -> None:
    """Issues completing in the cell spend 80-88% of their cycle on hold or parked back in the queue.

    Their lead time is planned as usual; only the committed part is reshaped into short bursts of
    work between long waits in the Blocked and Selected/Backlog statuses (no approval or committee
    wait, so no other symptom moves).
    """
    rng = ctx.rng
    teams = target_teams(ctx, lambda key: True)
    fits = lambda t, w: len(completions(ctx, t, w) or ()) >= 6  # noqa: E731
    for team, weeks in choose_runs(ctx, "rigid_workflow", teams, fits, footprint=(1, 0)):
        for week in weeks:
            chosen = completions(ctx, team, week) or []
            for issue in chosen:
                ctx.shape(issue).rigid = rng.uniform(0.8, 0.88)
            ctx.cells.append(Cell("rigid_workflow", team, week, tuple(chosen)))


def inject_diluted_ownership(ctx: Context) -> None:
    """Every issue completing in the cell passes through 4-5 assignees of the team (3-4 hand-offs):
    an analyst writes it up, developers take turns, the PO and a tester hold it in between."""
    rng = ctx.rng
    teams = target_teams(ctx, lambda key: len(ctx.actors[key].team.members) >= 4)
    fits = lambda t, w: len(completions(ctx, t, w, owned=False) or ()) >= 6  # noqa: E731
    for team, weeks in choose_runs(ctx, "diluted_ownership", teams, fits, footprint=(1, 0)):
        members = ctx.actors[team].team.members
        for week in weeks:
            chosen = completions(ctx, team, week, owned=False) or []
            for issue in chosen:
                owner = rng.choice(members)
                chain: list[int] = []
                for _ in range(rng.choice((3, 4, 4))):
                    previous = chain[-1] if chain else owner
                    chain.append(rng.choice([m for m in members if m != previous]))
                issue.initial_assignee = -1
                shape = ctx.shape(issue)
                shape.owner, shape.handoffs = owner, tuple(chain)
            ctx.cells.append(Cell("diluted_ownership", team, week, tuple(chosen)))


def inject_scattered_focus(ctx: Context) -> None:
    """Three people of the team each hold six issues at once from Monday morning to Friday afternoon.

    Every issue the team completes in the week joins that load (with issues borrowed from quiet
    weeks of the same team when there are too few); whatever else the team has in progress that
    week (work started before it or finishing after it) is held by the product owner alone, so the
    loaded people are a majority of the people with work in progress. No issue changes hands.
    """
    rng = ctx.rng
    teams = target_teams(ctx, lambda key: len(ctx.actors[key].team.members) > LOADED_PEOPLE)

    def fits(team: str, week: int) -> bool:
        return len(completing(ctx, team, week)) >= 3 and len(_spare(ctx, team)) >= 3 * LOAD * LOADED_PEOPLE

    for team, weeks in choose_runs(ctx, "scattered_focus", teams, fits, footprint=(1, 1)):
        team_obj = ctx.actors[team].team
        loaded = rng.sample([m for m in team_obj.members if m != team_obj.po], LOADED_PEOPLE)
        chosen = [_load(ctx, team, week, loaded) for week in weeks]
        for week, issues in zip(weeks, chosen, strict=True):
            _keep_to(ctx, team, week, team_obj.po)
            ctx.cells.append(Cell("scattered_focus", team, week, tuple(issues)))


def _load(ctx: Context, team: str, week: int, loaded: list[int]) -> list[Issue]:
    """Commit the week's completions (and borrowed ones) on Monday morning, finish them on Friday."""
    rng = ctx.rng
    monday = week * WEEK
    chosen = completing(ctx, team, week)
    chosen += _borrow(ctx, team, LOAD * len(loaded) - len(chosen))
    for n, issue in enumerate(sorted(chosen, key=lambda i: i.plan)):
        owner = loaded[n % len(loaded)]
        commit_w = monday + rng.randint(5 * MINUTE, 90 * MINUTE)
        done_w = monday + 4 * WORK_DAY_S + rng.randint(5 * HOUR, 8 * HOUR + 30 * MINUTE)
        created_w, _ = ctx.spans[issue.plan]
        if created_w > commit_w - 30 * MINUTE:
            created_w = max(0, commit_w - rng.randint(HOUR, 3 * WORK_DAY_S))
        ctx.replan(issue, created_w, done_w)
        issue.initial_assignee = -1  # assigned when committed: the history shows who holds it
        shape = ctx.shape(issue)
        # quiet: sign-offs all made on Friday afternoon would look like a committee's slot
        shape.owner, shape.solo, shape.commit_w, shape.quiet = owner, True, commit_w, True
    return chosen


def _borrow(ctx: Context, team: str, count: int) -> list[Issue]:
    """Up to `count` completed issues of the team taken from weeks no injection disturbs."""
    pool = _spare(ctx, team)
    taken = ctx.rng.sample(pool, min(max(count, 0), len(pool)))
    for issue in taken:
        issue.locked = True
    return taken


def _spare(ctx: Context, team: str) -> list[Issue]:
    """Completed issues of the team in weeks no injection disturbs, each such week keeping three."""
    claimed = ctx.claims.get(team, set())
    return [
        i
        for k in range(1, ctx.cal.weeks - 1)
        if k not in claimed
        for i in sorted(completing(ctx, team, k), key=lambda i: i.plan)[KEPT:]
    ]


def _keep_to(ctx: Context, team: str, week: int, holder: int) -> None:
    """Give `holder` every other issue of the team that may be in progress during the week."""
    start, stop = week * WEEK, (week + 1) * WEEK
    for issue in ctx.issues:
        if issue.team != team or issue.type_id == EPIC.type_id or issue.fate == "open":
            continue
        created_w, end_w = ctx.spans[issue.plan]
        shape = ctx.shapes.get(issue.plan)
        if created_w >= stop or end_w <= start or (shape is not None and shape.solo):
            continue
        if shape is not None and (shape.handoffs or shape.owner >= 0):
            continue
        issue.initial_assignee = -1
        shape = ctx.shape(issue)
        shape.owner, shape.solo = holder, True
