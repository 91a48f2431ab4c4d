"""Issue links: the helper every linker uses, and the healthy links of an ordinary organisation.

A link shows on both served issues (a `Link` changelog item at creation, another at removal). The
healthy links never let another team hold up work in progress: cross-team blockers are done before
the blocked issue is started, outside (EXT) blockers only hold up issues still in the backlog, and
same-team blocks are fine (SYMPTOMS.md counts only blockers owned by another team).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from random import Random

from orgpulse.sandbox.org.model import ExtIssue, Issue, Link
from orgpulse.sandbox.org.plan import Context
from orgpulse.sandbox.org.site import (
    BLOCKS,
    CLONERS,
    DEPENDENCY,
    DUPLICATE,
    EPIC,
    RELATES,
    RES_DUPLICATE,
    LinkTypeDef,
)
from orgpulse.sandbox.org.weeks import WORK_DAY_S
from orgpulse.sandbox.org.words import summary

HOUR_MS = 3_600_000
NEVER = 2**62


def add_link(
    ctx: Context,
    link_type: LinkTypeDef,
    outward: Issue | ExtIssue,
    inward: Issue | ExtIssue,
    created: int,
    author: int,
    removed: int = -1,
) -> Link:
    """Record a link and its changelog items on each served side."""
    link = Link(
        len(ctx.links), 10000 + len(ctx.links), link_type.type_id, outward, inward, created, removed, author
    )
    ctx.links.append(link)
    for side in (outward, inward):
        if isinstance(side, Issue):
            side.events.append((created, author, (("link", link.index, 1),)))
            if removed > 0:
                side.events.append((removed, author, (("link", link.index, 0),)))
    return link


def new_ext(ctx: Context, status_id: int, type_id: int) -> ExtIssue:
    """An issue of the outside project EXT, which the sandbox never serves."""
    number = 12 + 7 * len(ctx.ext) + ctx.rng.randrange(7)
    ext = ExtIssue(900000 + number, f"EXT-{number}", summary(ctx.rng, "en", False), status_id, type_id, 3)
    ctx.ext.append(ext)
    return ext


def end_ms(issue: Issue) -> int:
    """When the issue stopped being work in progress (done or canceled), else never."""
    return issue.done_ms if issue.fate in ("done", "canceled") and issue.done_ms > 0 else NEVER


def work_time_between(ctx: Context, rng: Random, low: int, high: int) -> int:
    """A working-hours instant in [low, high] (ms), or -1 when there is none."""
    cal = ctx.cal
    first, last = cal.ms_to_work(low) + 60, cal.ms_to_work(high) - 60
    if last <= first:
        return -1
    ms = cal.work_to_ms(rng.randrange(first, last)) + rng.randrange(1000)
    return ms if low < ms < high else -1


def _author(ctx: Context, issue: Issue) -> int:
    team = ctx.actors[issue.team].team
    return team.po if ctx.rng.random() < 0.4 else ctx.rng.choice(team.members)


def add_healthy_links(ctx: Context) -> None:
    rng = ctx.rng
    horizon = ctx.cal.horizon_ms
    work = [i for i in ctx.issues if i.type_id != EPIC.type_id]
    done = sorted((i for i in work if i.fate == "done"), key=lambda i: i.done_ms)
    done_times = [i.done_ms for i in done]
    by_team: dict[str, list[Issue]] = {}
    for issue in sorted(work, key=lambda i: i.created):
        by_team.setdefault(issue.team, []).append(issue)
    created_by_team = {team: [i.created for i in issues] for team, issues in by_team.items()}
    for x in work:
        if x.locked:
            continue
        roll = rng.random()
        if roll < 0.07:
            _same_team_block(ctx, x, by_team[x.team], created_by_team[x.team])
        elif roll < 0.11:
            _early_cross_team_block(ctx, x, done, done_times)
        elif roll < 0.19:
            other = rng.choice(work)
            start = max(x.created, other.created) + HOUR_MS
            when = work_time_between(ctx, rng, start, min(horizon, start + 30 * 24 * HOUR_MS))
            if other is not x and when > 0:
                removed = work_time_between(ctx, rng, when, horizon) if rng.random() < 0.1 else -1
                add_link(ctx, RELATES, x, other, when, _author(ctx, x), removed)
        elif roll < 0.125:
            _clone(ctx, x, by_team[x.team], created_by_team[x.team])
        _outside_link(ctx, x)
        if x.fate == "canceled" and _resolution(x) == RES_DUPLICATE:
            _duplicate(ctx, x, by_team[x.team], created_by_team[x.team])


def _outside_link(ctx: Context, x: Issue) -> None:
    """EXT blocks an issue still in the backlog, or a finished issue blocks EXT."""
    rng, horizon = ctx.rng, ctx.cal.horizon_ms
    if x.fate == "open" and rng.random() < 0.1:
        ext = new_ext(ctx, rng.choice((3, 10000)), rng.choice((10001, 10002)))
        when = work_time_between(ctx, rng, x.created, horizon)
        if when > 0:
            add_link(ctx, rng.choice((BLOCKS, DEPENDENCY)), ext, x, when, _author(ctx, x))
    elif x.fate == "done" and rng.random() < 0.02:
        ext = new_ext(ctx, rng.choice((3, 10000, 10006)), 10002)
        when = work_time_between(ctx, rng, x.created, horizon)
        if when > 0:
            add_link(ctx, BLOCKS, x, ext, when, _author(ctx, x))


def _resolution(issue: Issue) -> int:
    for _, _, items in issue.events:
        for kind, _, b in items:
            if kind == "resolution":
                return b
    return -1


def _earlier(rng: Random, issues: list[Issue], created: list[int], before: int) -> Issue | None:
    count = bisect_left(created, before)
    if count == 0:
        return None
    candidate = issues[rng.randrange(max(0, count - 40), count)]
    return None if candidate.locked else candidate


def _same_team_block(ctx: Context, x: Issue, mates: list[Issue], created: list[int]) -> None:
    rng = ctx.rng
    y = _earlier(rng, mates, created, x.created)
    if y is None or y is x:
        return
    low = x.commit_ms if x.commit_ms > 0 else x.created
    when = work_time_between(ctx, rng, max(low, y.created), min(end_ms(x), ctx.cal.horizon_ms))
    if when > 0:
        link_type = DEPENDENCY if rng.random() < 0.2 else BLOCKS
        add_link(ctx, link_type, y, x, when, _author(ctx, x))


def _early_cross_team_block(ctx: Context, x: Issue, done: list[Issue], done_times: list[int]) -> None:
    """Another team's issue blocks x while x waits in the backlog, and is done before x starts."""
    rng = ctx.rng
    start = x.commit_ms if x.commit_ms > 0 else min(end_ms(x), ctx.cal.horizon_ms)
    low, high = (
        bisect_left(done_times, x.created + 2 * HOUR_MS),
        bisect_right(done_times, start - 4 * HOUR_MS),
    )
    if high <= low:
        return
    for _ in range(8):
        y = done[rng.randrange(low, high)]
        if y.team == x.team or y.locked:
            continue
        when = work_time_between(ctx, rng, max(x.created, y.created) + HOUR_MS // 2, y.done_ms - HOUR_MS // 2)
        if when > 0:
            add_link(ctx, rng.choice((BLOCKS, BLOCKS, DEPENDENCY)), y, x, when, _author(ctx, x))
        return


def _clone(ctx: Context, x: Issue, mates: list[Issue], created: list[int]) -> None:
    original = _earlier(ctx.rng, mates, created, x.created)
    if original is not None and original is not x:
        add_link(ctx, CLONERS, x, original, x.created + 90_000, x.reporter)


def _duplicate(ctx: Context, x: Issue, mates: list[Issue], created: list[int]) -> None:
    original = _earlier(ctx.rng, mates, created, x.created)
    if original is not None and original is not x and x.done_ms > 0:
        add_link(ctx, DUPLICATE, x, original, x.done_ms - 240_000, ctx.actors[x.team].team.po)


def team_day_ms(ctx: Context, week: int, weekday: int, hour: float) -> int:
    """The instant of `hour` o'clock on a weekday of a week, as a working-time instant."""
    monday_w = ctx.cal.week_work_range(week)[0]
    return ctx.cal.work_to_ms(monday_w + weekday * WORK_DAY_S + int((hour - 9) * 3600))
