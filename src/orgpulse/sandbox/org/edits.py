"""Reading and editing histories once they are built: status spells, status moves, short visits.

"links"-stage injectors use these to add a committee visit inside a spell of work, or to find the
status moves people made in a week. An edit keeps every status item's from/to chain consistent,
so the served changelog still replays to the issue's current status.
"""

from __future__ import annotations

from dataclasses import dataclass

from orgpulse.sandbox.org.model import Issue


@dataclass(frozen=True, slots=True)
class Spell:
    """The issue sat in `status` from `start` to `end` (epoch ms; `end` -1 while it still does)."""

    status: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Move:
    """One status change: the event's index in `issue.events`, when, who, from and to."""

    index: int
    at: int
    actor: int
    from_status: int
    to_status: int
    assignee: int  # the assignee right before the move (-1: nobody)


def moves(issue: Issue) -> list[Move]:
    """The issue's status changes in time order."""
    order = sorted(range(len(issue.events)), key=lambda n: issue.events[n][0])
    assignee = issue.initial_assignee
    found: list[Move] = []
    for n in order:
        at, actor, items = issue.events[n]
        for kind, a, b in items:
            if kind == "status":
                found.append(Move(n, at, actor, a, b, assignee))
        for kind, _, b in items:
            if kind == "assignee":
                assignee = b
    return found


def spells(issue: Issue) -> list[Spell]:
    """The issue's status spells in time order, from creation."""
    result: list[Spell] = []
    status, since = issue.initial_status, issue.created
    for move in moves(issue):
        result.append(Spell(status, since, move.at))
        status, since = move.to_status, move.at
    result.append(Spell(status, since, -1))
    return result


def insert_visit(issue: Issue, spell: Spell, enter: int, leave: int, status: int, actor: int) -> None:
    """A visit to `status` from `enter` to `leave` (ms) inside `spell`, returning to the spell's status."""
    if not spell.start < enter < leave < (spell.end if spell.end > 0 else leave + 1):
        raise ValueError("a visit must lie inside the spell it interrupts")
    issue.events.append((enter, actor, (("status", spell.status, status),)))
    issue.events.append((leave, actor, (("status", status, spell.status),)))


def set_actor(issue: Issue, index: int, actor: int) -> None:
    """Record `actor` as the author of the event at `index`."""
    at, _, items = issue.events[index]
    issue.events[index] = (at, actor, items)
