"""An issue's complete history: its skeleton events merged with filler entries from its own seed.

Filler entries (rank moves, description edits, worklogs, estimates, remote links, attachments, fix
versions, start dates, label and priority edits) make histories as long as real ones, about a
quarter of issues past the 40 entries the enhanced search embeds, without being stored: they are
drawn again, identically, each time the issue is rendered. They never touch status, assignee,
links or flags, so the truth's totals come from the skeleton alone.

Filler item kinds, `(kind, a, b)`: ("rank", higher, n), ("desc", flag, version),
("worklog", spent_before_s, spent_after_s) + ("worklogid", id, 0), ("estimate", before_s, after_s),
("remote", flag, id), ("attach", flag, id), ("fixv", version_id, version_id) (two items of one field),
("startdate", flag, day_number), ("label", count_before, 0) (labels grow
in order), ("priority", from_id, to_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from random import Random

from orgpulse.sandbox.org.model import Issue, Item, Team
from orgpulse.sandbox.org.site import EPIC

FILLER_SALT = 0x5EED_F111
HISTORY_ID_BASE = 10_000_000
MAX_HISTORIES = 900
HOUR_MS = 3_600_000

_KINDS = ("rank", "desc", "worklog", "estimate", "remote", "attach", "fixv", "startdate")
_CUMULATIVE = tuple(accumulate((36, 10, 14, 9, 9, 6, 6, 6)))


@dataclass(frozen=True, slots=True)
class Entry:
    history_id: int
    at: int
    actor: int  # person index, -1 when the source records no author
    items: tuple[Item, ...]


def filler_count(issue: Issue) -> int:
    """How many filler entries the issue gets: about a quarter of issues end up past 40 in all."""
    rng = Random(issue.seed ^ FILLER_SALT ^ 0xC0)
    if issue.type_id == EPIC.type_id:
        target = rng.randint(4, 20)
    elif rng.random() < 0.26:
        target = 41 + min(int(rng.expovariate(1 / 30)), 200)
    else:
        target = rng.randint(5, 36)
    minimum = len(issue.labels) + int(issue.priority != issue.priority0) + 1
    return min(max(minimum, target - len(issue.events)), MAX_HISTORIES - len(issue.events))


def _filler_times(issue: Issue, rng: Random, horizon_ms: int) -> list[int]:
    start = min(issue.created + 60_000, horizon_ms - 1000)
    quiet = rng.randint(HOUR_MS, 240 * HOUR_MS)
    end = issue.events[-1][0] if issue.events else min(horizon_ms, issue.created + quiet)
    if issue.quiet_after > 0:
        end = min(end, issue.quiet_after)
    end = max(end, start + 1000)
    return sorted(start + int(rng.random() * (end - start)) for _ in range(issue.n_filler))


def last_filler_ms(issue: Issue, horizon_ms: int) -> int:
    """The time of the issue's latest filler entry (0 when it has none)."""
    times = _filler_times(issue, Random(issue.seed ^ FILLER_SALT), horizon_ms)
    return times[-1] if times else 0


def full_history(issue: Issue, team: Team, horizon_ms: int) -> list[Entry]:
    """Every history entry of the issue, oldest first, with stable ids."""
    rng = Random(issue.seed ^ FILLER_SALT)
    times = _filler_times(issue, rng, horizon_ms)
    n = len(times)
    special: list[Item] = [("label", k, 0) for k in range(len(issue.labels))]
    if issue.priority != issue.priority0:
        special.append(("priority", issue.priority0, issue.priority))
    slots = sorted(rng.sample(range(n), len(special))) if special else []
    by_slot = dict(zip(slots, special, strict=True))
    merged: list[tuple[int, int, int, tuple[Item, ...]]] = [
        (at, 0, actor, items) for at, actor, items in issue.events
    ]
    spent = estimate = 0
    for j, at in enumerate(times):
        item = by_slot.get(j)
        if item is not None:
            items: tuple[Item, ...] = (item,)
        else:
            kind = rng.choices(_KINDS, cum_weights=_CUMULATIVE)[0]
            if kind == "worklog":
                before, spent = spent, spent + rng.choice((1800, 3600, 7200, 14400))
                items = (("worklog", before, spent), ("worklogid", 10000 + issue.ordinal * 50 + j, 0))
            elif kind == "estimate":
                before, estimate = estimate, rng.choice((3600, 14400, 28800, 57600))
                items = (("estimate", before, estimate),)
            elif kind == "fixv":
                first = rng.randrange(10010, 10040)
                items = (("fixv", first, first + 1),)
            else:
                items = ((kind, rng.randrange(2), j),)
        actor = -1 if rng.random() < 0.03 else rng.choice(team.members)
        merged.append((at, 1, actor, items))
    merged.sort(key=lambda e: (e[0], e[1]))
    base = HISTORY_ID_BASE + issue.ordinal * 1000
    return [Entry(base + seq, at, actor, items) for seq, (at, _, actor, items) in enumerate(merged)]
