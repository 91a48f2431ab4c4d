"""Planning: how many issues each team completes each week, and when each issue is created.

Issues are planned backwards from their completion week (about 4-8 per team-week at 2,000 issues),
so an injector that owns a (team, week) owns exactly the issues completing in it. `Context` is the
working state that planning, path building, injectors and links share while an org is generated:
the plans (`spans`, `done_cells`), the `shapes` injectors give their issues, and the team-weeks each
injection claims so that no two injections disturb each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from random import Random

from orgpulse.sandbox.org.model import Cell, ExtIssue, Issue, Link
from orgpulse.sandbox.org.paths import Actors, Shape, pick_assignee
from orgpulse.sandbox.org.people import Staff
from orgpulse.sandbox.org.site import BUG, EPIC, STORY, SUBTASK, TASK
from orgpulse.sandbox.org.weeks import WORK_DAY_S, Calendar
from orgpulse.sandbox.org.words import epic_summary, labels, summary

DONE_SHARE = 0.72
CANCELED_SHARE = 0.06
BACKLOG_SHARE_OF_OPEN = 0.8  # the rest is in progress at the anchor: keeps last weeks' WIP modest
WEEK = 5 * WORK_DAY_S


@dataclass(eq=False)
class Context:
    rng: Random
    cal: Calendar
    staff: Staff
    actors: dict[str, Actors]
    issues: list[Issue] = field(default_factory=list)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # plan -> (created_w, end_w)
    done_cells: dict[tuple[str, int], list[Issue]] = field(default_factory=dict)
    shapes: dict[int, Shape] = field(default_factory=dict)  # plan -> how its path departs from healthy
    links: list[Link] = field(default_factory=list)
    ext: list[ExtIssue] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    epic_count: int = 0
    claims: dict[str, set[int]] = field(default_factory=dict)  # team -> weeks an injection disturbs
    runs: dict[str, list[tuple[str, list[int]]]] = field(default_factory=dict)  # symptom -> runs

    @property
    def horizon_w(self) -> int:
        return self.cal.ms_to_work(self.cal.horizon_ms)

    def injectable_weeks(self) -> list[int]:
        """Complete weeks before the anchor's, with >= 5 weeks of history before them, among the
        last 12 complete weeks (what `orgpulse analyze` reports by default)."""
        last_complete = self.cal.weeks - 2
        return [k for k in range(max(5, last_complete - 11), last_complete + 1)]

    def shape(self, issue: Issue) -> Shape:
        """The issue's shape, created (healthy) on first use; the issue is then locked."""
        issue.locked = True
        return self.shapes.setdefault(issue.plan, Shape())

    def week_of_work(self, work: int) -> int:
        """The calendar week holding a working coordinate."""
        return min(work // WEEK, self.cal.weeks - 1)

    def replan(self, issue: Issue, created_w: int, done_w: int) -> None:
        """Move a completed issue's plan: new creation and completion, `done_cells` kept in step."""
        _, old_done = self.spans[issue.plan]
        old = self.done_cells.get((issue.team, self.week_of_work(old_done)), [])
        if issue in old:
            old.remove(issue)
        self.spans[issue.plan] = (created_w, done_w)
        issue.created = self.cal.work_to_ms(created_w) + self.rng.randrange(1000)
        self.done_cells.setdefault((issue.team, self.week_of_work(done_w)), []).append(issue)

    def new_issue(self, team: str, type_id: int, created_w: int, end_w: int, fate: str) -> Issue:
        rng = self.rng
        team_obj = self.actors[team].team
        lang = team_obj.lang
        text = summary(rng, lang, type_id == BUG.type_id)
        if type_id == EPIC.type_id:
            self.epic_count += 1
            text = epic_summary(rng, lang, self.epic_count)
        reporter = team_obj.po if rng.random() < 0.5 else rng.choice(team_obj.members)
        if rng.random() < 0.04:
            reporter = rng.choice(self.staff.managers)
        priority0 = rng.choices((1, 2, 3, 4, 5), (1, 4, 12, 4, 1))[0]
        issue = Issue(
            plan=len(self.issues),
            team=team,
            type_id=type_id,
            created=self.cal.work_to_ms(created_w) + rng.randrange(1000),
            summary=text,
            reporter=reporter,
            seed=rng.getrandbits(48),
            fate=fate,
            initial_status=team_obj.workflow.backlog,
            initial_assignee=pick_assignee(rng, team_obj) if rng.random() < 0.25 and fate != "epic" else -1,
            priority0=priority0,
            priority=rng.choice((2, 3, 4)) if rng.random() < 0.1 else priority0,
            labels=labels(rng, lang),
            story_points=rng.choice((1, 2, 3, 5, 8)) if type_id == STORY.type_id else None,
        )
        self.issues.append(issue)
        self.spans[issue.plan] = (created_w, end_w)
        return issue


def _lognormal_work(rng: Random, median_days: float, sigma: float, low: float, high: float) -> int:
    days = min(max(rng.lognormvariate(math.log(median_days), sigma), low), high)
    return int(days * WORK_DAY_S)


def _largest_remainder(total: int, expected: list[float]) -> list[int]:
    whole = sum(expected) or 1.0
    scaled = [total * e / whole for e in expected]
    counts = [int(s) for s in scaled]
    order = sorted((i for i in range(len(scaled)) if expected[i] > 0), key=lambda i: counts[i] - scaled[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _pick_type(rng: Random) -> int:
    if rng.random() < 0.08:
        return SUBTASK.type_id
    return rng.choices((STORY.type_id, TASK.type_id, BUG.type_id), (45, 30, 25))[0]


def plan_issues(ctx: Context, total: int) -> None:
    """Plan `total` issues (epics included) over the teams and weeks of the history."""
    rng, cal = ctx.rng, ctx.cal
    teams = ctx.staff.teams
    horizon_w = ctx.horizon_w
    weights = [rng.uniform(0.75, 1.25) for _ in teams]
    epic_counts = [max(3, round(total * w / sum(weights) / 70)) for w in weights]
    work_counts = _largest_remainder(total - sum(epic_counts), weights)
    week_ranges = []
    for k in range(cal.weeks):
        first, last = cal.week_work_range(k)
        week_ranges.append((first, min(last, horizon_w)))
    ramp = [0.35, 0.75]
    week_weights = [
        max(0, last - first) / WEEK * (ramp[k] if k < len(ramp) else 1.0)
        for k, (first, last) in enumerate(week_ranges)
    ]
    for team, n_epics, n_work in zip(teams, epic_counts, work_counts, strict=True):
        for n in range(n_epics):
            created_w = (
                rng.randrange(0, 2 * WORK_DAY_S) if n == 0 else rng.randrange(0, int(horizon_w * 0.85))
            )
            finish_w = -1
            if created_w < horizon_w // 2 and rng.random() < 0.35:
                finish_w = created_w + int(WEEK * rng.uniform(6, 14))
            ctx.new_issue(team.key, EPIC.type_id, created_w, finish_w, "epic")
        n_done = round(n_work * DONE_SHARE)
        n_canceled = round(n_work * CANCELED_SHARE)
        n_open = n_work - n_done - n_canceled
        jittered = [w * rng.uniform(0.8, 1.2) for w in week_weights]
        for k, count in enumerate(_largest_remainder(n_done, jittered)):
            first, last = week_ranges[k]
            for _ in range(count):
                done_w = rng.randrange(first, last)
                lead = _lognormal_work(rng, 3.5, 0.75, 0.15, 30)
                created_w = done_w - lead
                if created_w < 0:
                    created_w = rng.randrange(0, max(1, done_w // 2))
                issue = ctx.new_issue(team.key, _pick_type(rng), created_w, done_w, "done")
                ctx.done_cells.setdefault((team.key, k), []).append(issue)
        for _ in range(n_canceled):
            created_w = rng.randrange(0, max(1, horizon_w - WORK_DAY_S))
            end_w = min(created_w + _lognormal_work(rng, 2.0, 0.8, 0.1, 20), horizon_w - 60)
            ctx.new_issue(team.key, _pick_type(rng), created_w, end_w, "canceled")
        n_backlog = round(n_open * BACKLOG_SHARE_OF_OPEN)
        for n in range(n_open):
            window = 10 * WEEK if n < n_backlog else 4 * WEEK
            created_w = rng.randrange(max(0, horizon_w - window), horizon_w - 2 * 3600)
            fate = "open" if n < n_backlog else "started"
            ctx.new_issue(team.key, _pick_type(rng), created_w, horizon_w, fate)
