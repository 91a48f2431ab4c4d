"""Choosing an injection's cells: runs of consecutive weeks on teams that no other injection disturbs.

Every injection claims the team-weeks it disturbs (its cells and a footprint around them), so no two
injections change the same team's data in the same weeks and each symptom's truth stays exact.
"""

from __future__ import annotations

from collections.abc import Callable

from orgpulse.sandbox.org.model import Issue
from orgpulse.sandbox.org.plan import Context

_RUN_SPLITS: dict[int, tuple[tuple[int, ...], ...]] = {
    2: ((2,), (1, 1)),
    3: ((3,), (2, 1), (1, 1, 1)),
    4: ((2, 2), (3, 1), (2, 1, 1)),
}


def choose_runs(
    ctx: Context,
    symptom: str,
    teams: list[str],
    fits: Callable[[str, int], bool],
    footprint: tuple[int, int] = (0, 0),
    longest: int = 3,
    exclusive: bool = True,
) -> list[tuple[str, list[int]]]:
    """2-4 cells in runs of 1-`longest` consecutive weeks, one team per run, where `fits` allows.

    A run [a, b] disturbs its team's weeks a - footprint[0] .. b + footprint[1]; when `exclusive`,
    it is only chosen where no earlier injection claimed any of them, and it claims them in turn
    (an injection that changes nothing another detector reads passes exclusive=False).
    """
    rng, weeks = ctx.rng, ctx.injectable_weeks()
    total = rng.randint(2, 4)
    splits = [s for s in _RUN_SPLITS[total] if max(s) <= longest] or [(1,) * total]
    for split in [*rng.sample(splits, k=len(splits)), (1, 1)]:
        runs: list[tuple[str, list[int]]] = []
        for length in split:
            for _ in range(200):
                team = rng.choice(teams)
                if any(team == t for t, _ in runs) or len(weeks) < length:
                    continue
                start = rng.randrange(0, len(weeks) - length + 1)
                run = weeks[start : start + length]
                if (
                    run[-1] - run[0] == length - 1
                    and (not exclusive or _free(ctx, team, run, footprint))
                    and all(fits(team, w) for w in run)
                ):
                    runs.append((team, run))
                    break
        if len(runs) == len(split):
            for team, run in runs if exclusive else ():
                ctx.claims.setdefault(team, set()).update(_disturbed(run, footprint))
            ctx.runs[symptom] = runs
            return runs
    ctx.runs[symptom] = []
    return []


def _disturbed(run: list[int], footprint: tuple[int, int]) -> range:
    return range(run[0] - footprint[0], run[-1] + footprint[1] + 1)


def _free(ctx: Context, team: str, run: list[int], footprint: tuple[int, int]) -> bool:
    claimed = ctx.claims.get(team, set())
    return not any(w in claimed for w in _disturbed(run, footprint))


def target_teams(ctx: Context, keep: Callable[[str], bool]) -> list[str]:
    """The teams an injection may use: not a control team, and `keep` allows."""
    controls = set(ctx.staff.control_teams)
    return [t.key for t in ctx.staff.teams if t.key not in controls and keep(t.key)]


def completing(ctx: Context, team: str, week: int) -> list[Issue]:
    """The team's issues planned to complete in the week that no injection owns yet."""
    return [i for i in ctx.done_cells.get((team, week), []) if not i.locked]


def plain(ctx: Context, issue: Issue, owned: bool = True) -> bool:
    """No injection reshaped the issue's path, beyond keeping decisions off it (`quiet`) or, when
    `owned`, fixing who works it: an injection that owns a week's completions may take it too."""
    shape = ctx.shapes.get(issue.plan)
    if shape is None:
        return not issue.locked
    reshaped = shape.approval is not None or shape.gate is not None or shape.handoffs or shape.rigid
    return not reshaped and shape.commit_w < 0 and (owned or shape.owner < 0)


def completions(ctx: Context, team: str, week: int, owned: bool = True) -> list[Issue] | None:
    """Every issue the team completes in the week, or None when another injection reshaped one."""
    issues = ctx.done_cells.get((team, week), [])
    return list(issues) if all(plain(ctx, i, owned) for i in issues) else None
