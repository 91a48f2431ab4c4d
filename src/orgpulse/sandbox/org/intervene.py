"""A planted intervention with a known outcome, and a control intervention with none behind it.

The change: a team that is not a control team, and whose workflow has an approval status, waits
for sign-off on every issue it completes until the change date D — about a sixth of each lead
time, signed off by one of three people outside the team (its director and the two managers), so
the wait share stays below the alert level and the approvers below the concentration gate: the
bottleneck is real but never an injected cell. From D on, decisions are delegated: the issues it
completes in the 6 weeks from D get no sign-off visit at all. `approval_wait_share` over the 6
complete weeks before D against the 6 from D is therefore `improved`.

The control: a control team on the same date, where nothing changed: `no_clear_change`.

D is the Monday 6 weeks before the first injectable week, so the 12 weeks compared lie before every
injected cell; planting runs before the injectors and claims the planted team's weeks up to D + 6,
so no injection's footprint (a committee's reaches 5 weeks back) disturbs them. Histories shorter
than that (D - 6 would fall in the ramp-up week 0) plant nothing. A random generator of its own,
seeded from the org's seed, draws the team, the approvers' waits and the control.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

from orgpulse.sandbox.org.plan import Context

WINDOW = 6  # complete weeks compared on each side (orgpulse's default)
LEVER = "decision_rights"
METRIC = "approval_wait_share"
NOTE = "approval decisions delegated to the team"
CONTROL_NOTE = "control: a date with no change behind it"


@dataclass(frozen=True)
class PlantedIntervention:
    date: date
    team: str
    lever: str
    metric: str
    expected: str  # the outcome orgpulse must find: improved | no_clear_change
    note: str

    def truth(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "teams": [self.team],
            "lever": self.lever,
            "note": self.note,
            "metric": self.metric,
            "expected": self.expected,
        }


def plant_intervention(ctx: Context, seed: int) -> list[PlantedIntervention]:
    """Plant the change and name its control; [] when the history is too short or no team fits."""
    weeks = ctx.injectable_weeks()
    change = (weeks[0] if weeks else 0) - WINDOW
    if change - WINDOW < 1:
        return []
    rng = Random(f"orgpulse-planted-intervention-{seed}")
    before = range(change)
    disturbed = set(range(change + WINDOW))
    controls = set(ctx.staff.control_teams)
    candidates = [
        t
        for t in ctx.staff.teams
        if t.key not in controls
        and t.workflow.approval is not None
        and not disturbed & ctx.claims.get(t.key, set())
        and all(len(ctx.done_cells.get((t.key, w), [])) >= 2 for w in range(change - WINDOW, change + WINDOW))
    ]
    if not candidates:
        return []
    team = rng.choice(candidates)
    approvers = (team.director, *ctx.staff.managers)
    n = 0
    for week in before:
        for issue in ctx.done_cells.get((team.key, week), []):
            if issue.locked or issue.fate != "done":
                continue
            ctx.shape(issue).approval = (approvers[n % len(approvers)], False, rng.uniform(0.14, 0.19))
            n += 1
    for week in range(change, change + WINDOW):
        for issue in ctx.done_cells.get((team.key, week), []):
            if not issue.locked:
                ctx.shape(issue).quiet = True
    ctx.claims.setdefault(team.key, set()).update(disturbed)
    when = ctx.cal.week_mondays[change]
    planted = [PlantedIntervention(when, team.key, LEVER, METRIC, "improved", NOTE)]
    quiet_controls = [
        t for t in ctx.staff.teams if t.key in controls and t.workflow.approval is not None
    ] or [t for t in ctx.staff.teams if t.key in controls]
    if quiet_controls:
        control = rng.choice(quiet_controls)
        planted.append(PlantedIntervention(when, control.key, LEVER, METRIC, "no_clear_change", CONTROL_NOTE))
    return planted
