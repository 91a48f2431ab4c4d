"""One guard for every pagination loop: a server cannot keep a sync looping forever.

A hostile or broken server can hand out a fresh token or cursor on every page while returning the
same items, ignore the offset it is sent (and echo it back), or cycle between two pages. Each loop
calls `PageGuard.advance(position, ids)` once per page it received, with the position it will ask
for next (token, cursor or offset) and the ids the page carried. The guard refuses, with a
PaginationError (a ProtocolError: the source fails, the others go on):

* a position already asked for: the next request would repeat an earlier one;
* a page whose every id was already received in this loop: it brings nothing new.

Like the Singer SDK's paginators, the guard is a small object tested without HTTP.

`split_entries` keeps the objects of a page's list and quarantines anything else (a string, a
number, null where an issue belongs), so nothing vanishes without a row and a count.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Iterable, Mapping, MutableMapping
from typing import Any

from orgpulse.errors import ProtocolError
from orgpulse.model import Quarantined


class PaginationError(ProtocolError):
    """The server's pagination would repeat itself: a token, cursor or offset, or the same items."""


class PageGuard:
    """Tracks one pagination loop: the positions asked for and the ids received so far."""

    def __init__(self, what: str, *, source: str = "", asked: Iterable[Hashable] = ()) -> None:
        self.what = what
        self.source = source
        self.pages = 0
        self._positions: set[Hashable] = set(asked)  # e.g. the tokens of a resumed run's checkpoint
        self._ids: set[int] = set()

    def advance(self, position: Hashable | None, ids: Iterable[str]) -> None:
        """Record one page received; refuse if it brought nothing new or `position` was asked for."""
        self.pages += 1
        before = len(self._ids)
        self._ids.update(map(hash, ids))
        received = len(self._ids)
        fresh = received - before
        if position is not None and position in self._positions:
            raise PaginationError(
                f"{self.what}: the server sent the page position {_show(position)} twice "
                f"(page {self.pages}); stopped instead of looping",
                source=self.source,
            )
        if fresh == 0 and position is not None:
            raise PaginationError(
                f"{self.what}: page {self.pages} brought nothing new ({received} items so far) yet the "
                "server offers another page; stopped instead of looping",
                source=self.source,
            )
        if position is None:
            return
        self._positions.add(position)


def _show(position: Hashable) -> str:
    text = str(position)
    return text if len(text) <= 40 else text[:37] + "..."


def split_entries(entries: Iterable[Any], *, kind: str, where: str) -> tuple[list[Any], list[Quarantined]]:
    """The entries that are objects, and a quarantine row for each one that is not.

    A quarantined entry has no id of its own: it is named by a digest of its JSON, so the same
    junk answered again is one row, not one more each sync.
    """
    objects: list[Any] = []
    junk: list[Quarantined] = []
    for position, entry in enumerate(entries):
        if isinstance(entry, MutableMapping | Mapping):
            objects.append(entry)
            continue
        payload = json.dumps(entry, default=str)[:2000]
        digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
        junk.append(
            Quarantined(
                native_id=f"entry:{digest}",
                kind=kind,
                reason=f"{where}: entry {position} is {type(entry).__name__}, not an object",
                payload=payload,
            )
        )
    return objects, junk
