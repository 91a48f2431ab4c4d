"""Who works where: teams (Jira projects) with their workflows, people, directors, bots and sprints.

Team members are assignees and movers of their own team's issues only; the product owner (the first
member) is the only person who signs off in a healthy team. Directors and managers belong to no
team; a director only ever appears as the approver of an injected bottleneck.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time, timedelta
from random import Random

from orgpulse.sandbox.org.model import Person, Sprint, Team
from orgpulse.sandbox.org.site import TEAM_POOL, make_workflow
from orgpulse.sandbox.org.weeks import Calendar, local_ms
from orgpulse.sandbox.org.words import person_name


@dataclass(frozen=True, slots=True)
class Staff:
    teams: tuple[Team, ...]
    people: tuple[Person, ...]
    control_teams: tuple[str, ...]
    automation: int
    scm_bot: int
    managers: tuple[int, ...]


def team_count(issues: int) -> int:
    """8 teams at 2,000 issues, about 40 at 100,000."""
    scaled: float = 8 * (issues / 2000) ** 0.41
    return min(len(TEAM_POOL), max(4, round(scaled)))


def _account_id(rng: Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def make_staff(rng: Random, issues: int) -> Staff:
    defs = TEAM_POOL[: team_count(issues)]
    approval = [rng.random() < 0.6 for _ in defs]
    for i in rng.sample(range(len(defs)), k=len(defs)):  # at least half the teams sign off
        if sum(approval) >= max(3, len(defs) // 2):
            break
        approval[i] = True
    with_approval = [i for i, a in enumerate(approval) if a]
    without = [i for i, a in enumerate(approval) if not a] or [
        i for i in range(len(defs)) if i != with_approval[0]
    ]
    controls = sorted({rng.choice(with_approval), rng.choice(without)})
    people: list[Person] = []
    taken: set[str] = set()

    def add(name: str, account_type: str, role: str, team: str | None, account_id: str) -> int:
        people.append(Person(len(people), account_id, name, account_type, role, team, None))
        return len(people) - 1

    n_directors = max(2, (len(defs) + 3) // 4)
    directors = [
        add(person_name(rng, "en", taken), "atlassian", "director", None, _account_id(rng))
        for _ in range(n_directors)
    ]
    managers = tuple(
        add(person_name(rng, "en", taken), "atlassian", "manager", None, _account_id(rng)) for _ in range(2)
    )
    automation = add(
        "Automation for Jira", "app", "bot", None, f"557058:{uuid.UUID(int=rng.getrandbits(128))}"
    )
    scm_bot = add("GitHub for Jira", "app", "bot", None, f"557058:{uuid.UUID(int=rng.getrandbits(128))}")
    teams: list[Team] = []
    for index, team_def in enumerate(defs):
        size = rng.randint(4, 8)
        members = tuple(
            add(
                person_name(rng, team_def.lang, taken),
                "atlassian",
                "po" if n == 0 else "member",
                team_def.key,
                _account_id(rng),
            )
            for n in range(size)
        )
        workflow = make_workflow(
            f"Software Simplified Workflow for Project {team_def.key}",
            team_def.lang,
            selected=rng.random() < 0.5,
            approval=approval[index],
            meeting=rng.random() < 0.4,
        )
        teams.append(
            Team(
                index=index,
                key=team_def.key,
                name=team_def.name,
                lang=team_def.lang,
                project_id=10000 + index,
                workflow=workflow,
                members=members,
                po=members[0],
                director=directors[index % n_directors],
                board_id=index + 1,
                team_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            )
        )
    return Staff(
        teams=tuple(teams),
        people=tuple(people),
        control_teams=tuple(defs[i].key for i in controls),
        automation=automation,
        scm_bot=scm_bot,
        managers=managers,
    )


def make_sprints(teams: tuple[Team, ...], cal: Calendar) -> dict[str, list[Sprint]]:
    """Two-week sprints per team from the first Monday, plus one future sprint."""
    result: dict[str, list[Sprint]] = {}
    next_id = 1
    for team in teams:
        sprints: list[Sprint] = []
        start_day = cal.first_monday
        number = 1
        future = 0
        while future < 1:
            start = local_ms(start_day, time(9, 30))
            end = local_ms(start_day + timedelta(days=11), time(17, 0))
            if end <= cal.horizon_ms:
                state, complete = "closed", end + 3_600_000
            elif start <= cal.horizon_ms:
                state, complete = "active", -1
            else:
                state, complete = "future", -1
                future += 1
            name = f"{team.key} Sprint {number}"
            sprints.append(Sprint(next_id, team.key, name, start, end, complete, state, team.board_id))
            next_id += 1
            number += 1
            start_day += timedelta(days=14)
        result[team.key] = sprints
    return result
