"""Traps of real trackers, laid in healthy teams so that the demo and the tests carry them.

Real sites are not the clean histories the injectors write (SYMPTOMS.md, "Statuses the site no
longer lists" and "Bulk cleanups"). After every history exists, `lay_traps` adds, in control teams
(which must stay free of alerts) and in teams with no injected cell near the week:

* a workflow migration mid-history: the first control team's done status of its old workflow was
  "Resolved" (`RETIRED_DONE`, an id `/status` no longer lists); every completion before the
  migration entered it with the resolution set in the same history entry, and at the migration an
  automation account moved the issues still in it to the new done status (done to done: no
  completion moves);
* a stale-work cleanup: the automation account closes, within minutes, the control teams' open
  issues untouched for more than `STALE_DAYS` (at least `BULK_LEAST` of them, else none): they were
  not finished then and must count as canceled, never completed;
* a release close of recent work: a release bot closes, within minutes, at least `BULK_LEAST`
  issues that were worked on in the days before and complete that week anyway: they must count;
* reopen loops: a few completed issues of a control team are reopened (resolution cleared) and
  done again hours later, in the same week.

`Org.traps` records what was laid, by issue, for tests and the truth.
"""

from __future__ import annotations

from collections.abc import Sequence

from orgpulse.sandbox.org.intervene import WINDOW, PlantedIntervention
from orgpulse.sandbox.org.model import Event, Issue, Traps
from orgpulse.sandbox.org.plan import Context
from orgpulse.sandbox.org.site import EPIC, RES_DONE, RETIRED_DONE, STATUS_BY_ID

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
STALE_DAYS = 45  # well past the 30 days of SYMPTOMS.md's default
BULK_LEAST = 22  # above the default 20 issues of a bulk close
BULK_STEP_MS = 15_000  # one close every 15 s: 24 issues in 6 minutes, inside the 10-minute window
DECISIONS = ("approval", "meeting")


def lay_traps(ctx: Context, planted: Sequence[PlantedIntervention] = ()) -> Traps:
    """Lay every trap; the weeks a planted intervention compares (6 before and 6 from its date, in its
    team) are left alone, so its known outcome stays what the truth says."""
    traps = Traps()
    for p in planted:
        change = ctx.cal.week_mondays.index(p.date)
        traps.protected.setdefault(p.team, set()).update(range(change - WINDOW - 1, change + WINDOW + 1))
    controls = [t for t in ctx.staff.teams if t.key in set(ctx.staff.control_teams)]
    if not controls:
        return traps
    weeks = ctx.cal.weeks
    _migration(ctx, traps, controls[0].key, weeks // 3)
    _cleanup(ctx, traps, [t.key for t in controls], (weeks * 2) // 3)
    _release(ctx, traps, weeks - 5)
    _reopen_loops(ctx, traps, controls[-1].key, weeks - 3)
    return traps


def _mid_week(ctx: Context, week: int, hours: float) -> int:
    """Wednesday of `week`, `hours` after midnight (local): far from the week's bounds."""
    return ctx.cal.week_start_ms[week] + 2 * DAY_MS + int(hours * HOUR_MS)


def _week_of(ctx: Context, ms: int) -> int:
    starts = ctx.cal.week_start_ms
    return max((w for w, start in enumerate(starts) if start <= ms), default=0)


def _protected(ctx: Context, traps: Traps, issue: Issue, *times: int) -> bool:
    weeks = traps.protected.get(issue.team, set())
    return any(_week_of(ctx, t) in weeks for t in times)


def _team_issues(ctx: Context, team: str) -> list[Issue]:
    return [i for i in ctx.issues if i.team == team and i.type_id != EPIC.type_id]


def _migration(ctx: Context, traps: Traps, team: str, week: int) -> None:
    workflow = ctx.actors[team].team.workflow
    at = _mid_week(ctx, week, 8)
    bot = ctx.staff.automation
    moved = 0
    for issue in _team_issues(ctx, team):
        status, entered = issue.initial_status, False
        events: list[Event] = []
        for when, actor, items in sorted(issue.events, key=lambda e: e[0]):
            if when < at:
                items = tuple(_retire(item, workflow.done) for item in items)
                entered = entered or any(k == "status" and b == RETIRED_DONE for k, _, b in items)
            for kind, _, b in items:
                if kind == "status":
                    status = b if when < at else status
            events.append((when, actor, items))
        if status == RETIRED_DONE:
            # Still in the old done status at the migration: moved to the new one (done to done).
            events.append((at + moved * 2_000, bot, (("status", RETIRED_DONE, workflow.done),)))
            moved += 1
        if entered:
            issue.events = sorted(events, key=lambda e: e[0])
            traps.retired_entries.append(issue)
    traps.migrated_team, traps.migration_week = team, week


def _retire(item: tuple[str, int, int], done: int) -> tuple[str, int, int]:
    kind, a, b = item
    if kind != "status":
        return item
    return kind, RETIRED_DONE if a == done else a, RETIRED_DONE if b == done else b


def _last_status(issue: Issue, before: int) -> tuple[int, int]:
    """(status, time of the last event) of an issue just before `before`."""
    status, last = issue.initial_status, issue.created
    for when, _, items in sorted(issue.events, key=lambda e: e[0]):
        if when >= before:
            break
        last = when
        for kind, _, b in items:
            if kind == "status":
                status = b
    return status, last


def _cleanup(ctx: Context, traps: Traps, teams: list[str], week: int) -> None:
    """Backlog tickets left untouched for months, closed at once by an automation rule.

    The sandbox's own open work is recent, so the stale tickets are made from early completions of
    the control teams with no link (a blocker that never ends would make other teams wait) and never
    moved (their history would lose the move): they keep their creation and nothing after it — in
    the backlog, unassigned — until the cleanup.
    """
    at = _mid_week(ctx, week, 10)
    latest = at - STALE_DAYS * DAY_MS
    parents = _parents(ctx)
    stale = [
        i
        for team in teams
        for i in _team_issues(ctx, team)
        if i.fate == "done"
        and not i.locked
        and 0 < i.done_ms < latest
        and id(i) not in parents
        and not any(k == "link" for _, _, items in i.events for k, _, _ in items)
        and i.origin_team is None  # a moved issue keeps its move: its first status is another team's
        and not _protected(ctx, traps, i, i.created, i.done_ms)
    ]
    stale = sorted(stale, key=lambda i: (i.done_ms, i.plan))[:BULK_LEAST]
    if len(stale) < BULK_LEAST:
        return
    bot = ctx.staff.automation
    for n, issue in enumerate(stale):
        workflow = ctx.actors[issue.team].team.workflow
        issue.events = []
        issue.initial_assignee = -1
        issue.sprints = ()
        issue.commit_ms = -1
        issue.quiet_after = issue.created + 2 * DAY_MS  # edited in its first days, then left alone
        close = at + n * BULK_STEP_MS
        issue.events.append(
            (close, bot, (("status", issue.initial_status, workflow.done), ("resolution", -1, RES_DONE)))
        )
        issue.fate, issue.done_ms = "canceled", close
    traps.cleaned_up, traps.cleanup_week = stale, week
    gone = {id(i) for i in stale}
    traps.retired_entries = [i for i in traps.retired_entries if id(i) not in gone]


def _parents(ctx: Context) -> set[int]:
    return {id(i.parent) for i in ctx.issues if i.parent is not None}


def _release(ctx: Context, traps: Traps, latest_week: int) -> None:
    """Issues completing in one week, worked on in the days before, all closed at once by a release
    bot: the latest week (from `latest_week` back) where teams with no injection near it have enough."""
    chosen: list[Issue] = []
    week = latest_week
    while week > 3 and len(chosen) < BULK_LEAST:
        week -= 1
        chosen = _releasable(ctx, traps, week + 1)
    if len(chosen) < BULK_LEAST:
        return
    week += 1
    at = _mid_week(ctx, week, 40)
    bot = ctx.staff.scm_bot
    for n, issue in enumerate(chosen):
        final = max(issue.events, key=lambda e: e[0])
        issue.events.remove(final)
        issue.done_ms = at + n * BULK_STEP_MS
        issue.events.append((issue.done_ms, bot, final[2]))
    traps.released, traps.release_week = chosen, week


def _releasable(ctx: Context, traps: Traps, week: int) -> list[Issue]:
    """Completions of the week and the one before, last worked on in the 20 days before the release
    (Thursday), that no injected cell owns, with no link (a later completion of a blocker would
    hold other teams longer), in teams with no injected cell near."""
    at = _mid_week(ctx, week, 40)  # Thursday 16:00
    start, end = ctx.cal.week_start_ms[week - 1], ctx.cal.week_start_ms[week + 1]
    owned = {id(i) for cell in ctx.cells for i in cell.issues}
    # Teams with an injected cell near: a bot's close takes a person's status change away
    # (oversized_team), a later completion keeps an issue in progress longer (cross_team_blocking)
    # or adds a completion to the week's wait shares (approval, meetings).
    crowded = {c.team for c in ctx.cells if c.symptom == "oversized_team" and abs(c.week - week) <= 4}
    crowded |= {c.team for c in ctx.cells if abs(c.week - week) <= 2}
    chosen: list[Issue] = []
    for issue in ctx.issues:
        if issue.team in crowded or id(issue) in owned or issue.fate != "done" or issue.locked:
            continue
        if _protected(ctx, traps, issue, issue.done_ms, at):
            continue
        if not start <= issue.done_ms < end or any(
            k == "link" for _, _, it in issue.events for k, _, _ in it
        ):
            continue
        final = max(issue.events, key=lambda e: e[0])
        if final[0] != issue.done_ms or not any(k == "status" for k, _, _ in final[2]):
            continue
        moved_from = next(a for k, a, _ in final[2] if k == "status")
        before = [e[0] for e in issue.events if e[0] < issue.done_ms]
        if STATUS_BY_ID[moved_from].kind in DECISIONS or not before:
            continue
        if not at - 20 * DAY_MS <= max(before) < at:
            continue
        chosen.append(issue)
    return sorted(chosen, key=lambda i: (i.done_ms, i.plan))[: BULK_LEAST + 6]


def _reopen_loops(ctx: Context, traps: Traps, team: str, week: int) -> None:
    start, end = ctx.cal.week_start_ms[week], ctx.cal.week_start_ms[week + 1]
    for issue in _team_issues(ctx, team):
        if len(traps.reopened) >= 4:
            return
        if issue.fate != "done" or issue.locked or not start <= issue.done_ms < end - 8 * HOUR_MS:
            continue
        if _protected(ctx, traps, issue, issue.done_ms):
            continue
        final = max(issue.events, key=lambda e: e[0])
        moves = [(a, b) for k, a, b in final[2] if k == "status"]
        if final[0] != issue.done_ms or not moves or STATUS_BY_ID[moves[0][0]].kind in DECISIONS:
            continue
        back, done = moves[0]
        actor = final[1]
        issue.events.append(
            (issue.done_ms + 2 * HOUR_MS, actor, (("status", done, back), ("resolution", RES_DONE, -1)))
        )
        issue.events.append(
            (issue.done_ms + 5 * HOUR_MS, actor, (("status", back, done), ("resolution", -1, RES_DONE)))
        )
        issue.done_ms += 5 * HOUR_MS
        traps.reopened.append(issue)
