"""Generates a deterministic organisation from (seed, issues, anchor, weeks).

The steps: staff the teams; plan every issue backwards from its completion week; let the "plans"
injectors claim their cells; build each issue's status history; let the "links" injectors add
theirs; give issues parents (then the "parents" injectors run), healthy links, a few project moves
and sprints; then number issues by creation (ids) and per project (keys) and derive each issue's
current fields. A planted intervention (intervene.py) claims its team-weeks before any injector. Only
`random.Random(seed)` (and per-issue seeds drawn from it) is used; no clock
is read.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from datetime import date
from random import Random

from orgpulse.sandbox.org.history import filler_count, last_filler_ms
from orgpulse.sandbox.org.inject import run_injectors
from orgpulse.sandbox.org.intervene import plant_intervention
from orgpulse.sandbox.org.links import HOUR_MS, add_healthy_links, work_time_between
from orgpulse.sandbox.org.model import Issue, Org, Sprint
from orgpulse.sandbox.org.paths import (
    HEALTHY,
    Actors,
    Track,
    approval_path,
    canceled_path,
    done_path,
    epic_path,
    open_path,
)
from orgpulse.sandbox.org.people import make_sprints, make_staff
from orgpulse.sandbox.org.plan import Context, plan_issues
from orgpulse.sandbox.org.site import BUG, EPIC, STATUS_BY_ID, SUBTASK, TASK
from orgpulse.sandbox.org.traps import lay_traps
from orgpulse.sandbox.org.weeks import Calendar

logger = logging.getLogger(__name__)

MOVED_SHARE = 0.01
PARENT_SHARE = 0.99  # issues given an epic of their team when one exists (goal_disconnect stays low)


def generate_org(seed: int = 7, issues: int = 2000, *, anchor: date, weeks: int = 26) -> Org:
    """The organisation for these parameters: the same arguments always give the same org."""
    if issues < 100:
        raise ValueError("a sandbox organisation needs at least 100 issues")
    if weeks < 8:
        raise ValueError("a sandbox organisation needs at least 8 weeks of history")
    rng = Random(seed)
    cal = Calendar(anchor, weeks)
    staff = make_staff(rng, issues)
    actors = {t.key: Actors(t, staff.automation, staff.scm_bot) for t in staff.teams}
    ctx = Context(rng, cal, staff, actors)
    plan_issues(ctx, issues)
    planted = plant_intervention(ctx, seed)
    run_injectors(ctx, "plans")
    _build_paths(ctx)
    run_injectors(ctx, "links")
    _assign_parents(ctx)
    run_injectors(ctx, "parents")
    add_healthy_links(ctx)
    _move_some(ctx)
    sprints = make_sprints(staff.teams, cal)
    _add_sprints(ctx, sprints)
    traps = lay_traps(ctx, planted)
    org = _finalize(ctx, seed, issues, sprints)
    org.traps = traps
    org.interventions = planted
    logger.info("generated sandbox org: seed %s, %s issues, %s teams", seed, len(org.issues), len(org.teams))
    return org


def _build_paths(ctx: Context) -> None:
    horizon_w = ctx.horizon_w
    for issue in ctx.issues:
        rng = Random(issue.seed)
        track = Track(issue, ctx.cal, rng)
        actors = ctx.actors[issue.team]
        created_w, end_w = ctx.spans[issue.plan]
        shape = ctx.shapes.get(issue.plan, HEALTHY)
        if issue.fate == "epic":
            epic_path(track, actors, created_w, horizon_w, end_w)
        elif issue.fate == "done":
            if shape.approval is not None:
                issue.commit_ms, issue.done_ms = approval_path(track, actors, (created_w, end_w), shape)
            else:
                issue.commit_ms, issue.done_ms = done_path(
                    track, actors, created_w, end_w, rng.random() < 0.4, shape
                )
        elif issue.fate == "canceled":
            duplicate = issue.type_id == BUG.type_id and rng.random() < 0.3
            issue.commit_ms = canceled_path(track, actors, created_w, end_w, duplicate, shape)
            issue.done_ms = track.last_ms
        else:
            committed = issue.fate == "started"
            issue.commit_ms = open_path(track, actors, created_w, horizon_w, committed, shape)


def _assign_parents(ctx: Context) -> None:
    """Nearly every issue belongs to an epic of its team (issues older than the team's first epic,
    in the first days of history, belong to none); sub-tasks to a recent story of their team."""
    rng = ctx.rng
    epics: dict[str, list[Issue]] = {}
    stories: dict[str, list[Issue]] = {}
    for issue in sorted(ctx.issues, key=lambda i: i.created):
        if issue.type_id == EPIC.type_id:
            epics.setdefault(issue.team, []).append(issue)
        elif issue.type_id != SUBTASK.type_id:
            stories.setdefault(issue.team, []).append(issue)
    story_times = {team: [i.created for i in items] for team, items in stories.items()}
    epic_times = {team: [i.created for i in items] for team, items in epics.items()}
    for issue in ctx.issues:
        if issue.type_id == SUBTASK.type_id:
            count = bisect_left(story_times.get(issue.team, []), issue.created)
            if count:
                issue.parent = stories[issue.team][rng.randrange(max(0, count - 30), count)]
            else:
                issue.type_id = TASK.type_id
        elif issue.type_id != EPIC.type_id and rng.random() < PARENT_SHARE:
            count = bisect_right(epic_times.get(issue.team, []), issue.created)
            if count:
                issue.parent = epics[issue.team][rng.randrange(count)]


def _move_some(ctx: Context) -> None:
    """A few issues were created in another project and moved while still in its backlog."""
    rng = ctx.rng
    parents = {id(i.parent) for i in ctx.issues if i.parent is not None}
    candidates = [
        i
        for i in ctx.issues
        if not i.locked
        and i.type_id not in (EPIC.type_id, SUBTASK.type_id)
        and id(i) not in parents
        and not any(kind == "link" for _, _, items in i.events for kind, _, _ in items)
    ]
    teams = ctx.staff.teams
    for issue in rng.sample(candidates, min(len(candidates), max(2, round(MOVED_SHARE * len(ctx.issues))))):
        first = min((e[0] for e in issue.events), default=ctx.cal.horizon_ms)
        at = work_time_between(ctx, rng, issue.created + HOUR_MS // 2, first - HOUR_MS // 2)
        if at < 0:
            continue
        team = ctx.actors[issue.team].team
        origin = rng.choice([t for t in teams if t.key != team.key])
        items: list[tuple[str, int, int]] = [("move", origin.index, team.index)]
        if origin.workflow.backlog != team.workflow.backlog:
            items.append(("status", origin.workflow.backlog, team.workflow.backlog))
            issue.initial_status = origin.workflow.backlog
        issue.origin_team = origin.key
        issue.events.append((at, origin.po, tuple(items)))


def _add_sprints(ctx: Context, sprints: dict[str, list[Sprint]]) -> None:
    """Committed issues join the sprint they start in and are carried over until they end."""
    rng = ctx.rng
    horizon = ctx.cal.horizon_ms
    starts = {team: [s.start_ms for s in items] for team, items in sprints.items()}
    for issue in ctx.issues:
        if issue.commit_ms <= 0 or issue.type_id == EPIC.type_id:
            continue
        team_sprints = sprints[issue.team]
        end = issue.done_ms if issue.fate in ("done", "canceled") else horizon
        first = max(0, bisect_right(starts[issue.team], issue.commit_ms) - 1)
        last = max(first, bisect_right(starts[issue.team], end) - 1)
        ids = [s.sprint_id for s in team_sprints[first : last + 1]]
        issue.sprints = tuple(ids)
        po = ctx.actors[issue.team].team.po
        joined = max(issue.created + 1000, issue.commit_ms - rng.randint(60_000, 1_800_000))
        issue.events.append((joined, po, (("sprint", 0, 1),)))
        for n in range(1, len(ids)):
            carried = team_sprints[first + n].start_ms + rng.randint(0, 1_200_000)
            issue.events.append((carried, po, (("sprint", n, n + 1),)))


def _finalize(ctx: Context, seed: int, requested: int, sprints: dict[str, list[Sprint]]) -> Org:
    rng, cal = ctx.rng, ctx.cal
    issues = sorted(ctx.issues, key=lambda i: (i.created, i.plan))
    next_id = 10000
    for ordinal, issue in enumerate(issues):
        issue.ordinal = ordinal
        issue.issue_id = next_id
        next_id += 1 + (rng.randint(1, 3) if rng.random() < 0.03 else 0)  # deleted issues leave gaps
    _number_keys(ctx, issues)
    for issue in issues:
        _settle(issue)
        issue.n_filler = filler_count(issue)
        last = issue.events[-1][0] if issue.events else issue.created
        issue.updated = max(last, last_filler_ms(issue, cal.horizon_ms), issue.created)
    org = Org(
        seed=seed,
        issue_count=requested,
        anchor=cal.anchor,
        weeks=cal.weeks,
        calendar=cal,
        teams=ctx.staff.teams,
        people=ctx.staff.people,
        issues=issues,
        links=ctx.links,
        ext_issues=ctx.ext,
        sprints=[s for items in sprints.values() for s in items],
        cells=ctx.cells,
        control_teams=ctx.staff.control_teams,
    )
    for issue in issues:
        org.by_id[issue.issue_id] = issue
        for key in (*issue.old_keys, issue.key):
            org.by_key[key] = issue
    org.team_by_key = {t.key: t for t in org.teams}
    org.sprint_by_id = {s.sprint_id: s for s in org.sprints}
    return org


def _number_keys(ctx: Context, issues: list[Issue]) -> None:
    """Keys by creation order per project; a moved issue takes the next key of its new project."""
    arrivals: list[tuple[int, int, int, str]] = []
    for issue in issues:
        arrivals.append((issue.created, 0, issue.ordinal, issue.origin_team or issue.team))
        for at, _, items in issue.events:
            if items[0][0] == "move":
                arrivals.append((at, 1, issue.ordinal, issue.team))
    arrivals.sort()
    counters: dict[str, int] = {}
    for _, moved, ordinal, project in arrivals:
        counters[project] = counters.get(project, 0) + 1
        issue = issues[ordinal]
        key = f"{project}-{counters[project]}"
        if moved:
            issue.old_keys = (issue.key,)
        issue.key = key


def _settle(issue: Issue) -> None:
    """Order the events strictly in time and derive the issue's current fields from them."""
    issue.events.sort(key=lambda e: e[0])
    previous = issue.created
    for n, (at, actor, items) in enumerate(issue.events):
        if at <= previous:
            at = previous + 1000
            issue.events[n] = (at, actor, items)
        previous = at
    status, assignee, flagged = issue.initial_status, issue.initial_assignee, False
    resolution, resolved, changed = -1, -1, issue.created
    for at, _, items in issue.events:
        for kind, _, b in items:
            if kind == "status":
                if STATUS_BY_ID[b].category != STATUS_BY_ID[status].category:
                    changed = at
                status = b
            elif kind == "assignee":
                assignee = b
            elif kind == "resolution":
                resolution, resolved = b, at
            elif kind == "flag":
                flagged = bool(b)
    issue.status, issue.assignee, issue.flagged = status, assignee, flagged
    issue.resolution, issue.resolved, issue.category_changed = resolution, resolved, changed
