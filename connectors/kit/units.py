"""The unit loop every connector runs: fetch a unit of work, normalise it, yield it as one Page.

A connector's pager hands units of raw records, each with whether it is the run's last; this
loop normalises each one, adds what the run carries to its first page (metadata records fetched
before any issue) and what the pager quarantined on the way (entries that are not objects), and
yields it as one `Page` with the cursor to commit with it. The connector keeps the two things
that are its own: how a unit is normalised, and what cursor a unit commits (`commit` sees the
finished batch, so a run's last unit can carry the census).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from orgpulse.connector import Page
from orgpulse.model import Batch, Quarantined

R = TypeVar("R")


def unit_pages(
    units: Iterable[tuple[Sequence[R], bool]],
    normalise: Callable[[Sequence[R]], Batch],
    commit: Callable[[Batch, bool], Mapping[str, Any]],
    *,
    first: Batch,
    junk: Callable[[], list[Quarantined]],
    seen: Callable[[], int],
) -> Iterator[Page]:
    """One Page per unit: its records normalised, its cursor from `commit(batch, is_last)`."""
    carried = first
    for raws, last in units:
        batch = normalise(raws)
        batch.extend(carried)
        carried = Batch()
        batch.quarantined += junk()
        cursor = commit(batch, last)
        yield Page(batch, cursor, seen=seen(), check_ids=tuple(i.issue_id for i in batch.issues))
