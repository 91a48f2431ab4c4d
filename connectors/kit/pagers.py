"""Pagers: where the next page is, for the three ways trackers page, each on one `PageGuard`.

A connector's loop asks for a page at the pager's position, then tells the pager what came back
with `advance`, which answers whether another page is to be asked for. The pager owns the
position and refuses, through its guard, a repeated position or a page that brings nothing new
(`paging.py`); the loop keeps only what is the tracker's own (the request, the answer's shape).

* `TokenPager`: the answer hands the next page's token (Jira Cloud's `nextPageToken`, with an
  optional `isLast`); no token, or an empty page, ends the loop.
* `OffsetPager`: pages by offset (Jira Data Center's `startAt`, Jira's changelog and project
  lists). The next offset is the previous plus what was received, never what the server claims;
  an answer at another offset than asked is refused; a smaller page size the server echoes
  (`maxResults`) is kept for the next requests; the loop ends on an empty page, on `isLast`, or
  once the offset reaches `total`.
* `RelayPager`: GraphQL relay connections (Linear's `pageInfo {hasNextPage endCursor}`); the loop
  ends when `hasNextPage` is not true, the cursor is missing, or the page is empty.
* `ConnectionFollower`: a relay connection nested in a record whose first page came with the
  record (an issue's history, a team's members): each next page is appended to the record's own
  connection, which ends as one connection holding every node.

Like the Singer SDK's paginators, they are small objects tested without HTTP.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any

from .paging import PageGuard, PaginationError


class TokenPager:
    """Token paging: `token` is the position to ask for next (None: the first page)."""

    def __init__(self, what: str, *, source: str = "", token: str | None = None) -> None:
        self.token = token
        self.guard = PageGuard(what, source=source, asked=[token] if token else ())

    def advance(
        self,
        ids: Sequence[str],
        next_token: str | None,
        *,
        is_last: bool = False,
        received: int | None = None,
    ) -> bool:
        """Record one page received; True when another page is to be asked for (at `token`).

        `received` counts the page's entries when some are not among `ids`.
        """
        more = next_token is not None and not is_last and (len(ids) if received is None else received) > 0
        self.guard.advance(next_token if more else None, ids)
        if more:
            self.token = next_token
        return more


class OffsetPager:
    """Offset paging: `start` is the offset to ask for next, `size` the page size to ask (0: unsaid)."""

    def __init__(self, what: str, *, size: int = 0, source: str = "", start: int = 0) -> None:
        self.what = what
        self.source = source
        self.start = start
        self.size = size
        self.guard = PageGuard(what, source=source)

    def check_offset(self, echoed: object, where: str) -> None:
        """Refuse an answer of `where` for another offset than the one asked (`startAt` ignored)."""
        if isinstance(echoed, int) and not isinstance(echoed, bool) and echoed != self.start:
            raise PaginationError(
                f"{where} answered the page at offset {echoed} when asked for offset {self.start}",
                source=self.source,
            )

    def advance(
        self,
        ids: Iterable[Hashable],
        received: int,
        *,
        total: object = None,
        is_last: bool = False,
        echoed_size: object = None,
    ) -> bool:
        """Record a page of `received` entries; True when another page is to be asked for (at `start`).

        `total` counts when it is an integer; `echoed_size` (the page size the server used) makes
        the next requests no larger.
        """
        reached = isinstance(total, int) and not isinstance(total, bool) and self.start + received >= total
        more = received > 0 and not is_last and not reached
        self.guard.advance(self.start + received if more else None, [str(i) for i in ids])
        self.start += received
        if isinstance(echoed_size, int) and not isinstance(echoed_size, bool) and echoed_size > 0:
            self.size = min(self.size, echoed_size)
        return more


class RelayPager:
    """GraphQL relay paging: `after` is the cursor to ask for next (None: the first page)."""

    def __init__(self, what: str, *, source: str = "", after: str | None = None) -> None:
        self.after = after
        self.guard = PageGuard(what, source=source, asked=[after] if after else ())

    def advance(self, ids: Sequence[str], page_info: object, *, received: int | None = None) -> bool:
        """Record one page (its ids and `pageInfo`); True when another is to be asked for (at `after`).

        `received` counts the page's entries when some are not among `ids` (junk quarantined).
        """
        cursor = end_cursor(page_info)
        more = cursor is not None and (len(ids) if received is None else received) > 0
        self.guard.advance(cursor if more else None, ids)
        if more:
            self.after = cursor
        return more


class ConnectionFollower:
    """Pages a nested relay connection to its end, into the record that holds it.

    `connection` is the record's `{nodes, pageInfo}` as its first page brought it; `after` is the
    cursor to ask for next (None: it is complete). Each `extend(page)` appends the page's nodes to
    the connection and takes its `pageInfo`; the guard refuses a cursor handed out twice or a
    page with nothing new, as every other loop's does.
    """

    def __init__(self, what: str, connection: MutableMapping[str, Any], *, source: str = "") -> None:
        self.connection = connection
        self.guard = PageGuard(what, source=source)
        self.after = next_cursor(connection)
        self.guard.advance(self.after, node_ids(connection.get("nodes")))

    def extend(self, page: Mapping[str, Any]) -> bool:
        """Append `page` (the next `{nodes, pageInfo}`); True when another page follows (at `after`)."""
        self.after = next_cursor(page)
        found = page.get("nodes")
        self.guard.advance(self.after, node_ids(found))
        held = self.connection.get("nodes")
        self.connection["nodes"] = [
            *(held if isinstance(held, list) else []),
            *(found if isinstance(found, list) else []),
        ]
        self.connection["pageInfo"] = page.get("pageInfo")
        return self.after is not None


def node_ids(found: object) -> list[str]:
    """The ids of a relay page's nodes (a node that is not an object stands for itself)."""
    if not isinstance(found, list):
        return []
    return [str(n.get("id")) if isinstance(n, Mapping) else repr(n) for n in found]


def next_cursor(connection: object) -> str | None:
    """The next page's cursor of a relay connection (`{nodes, pageInfo}`), None when it offers none."""
    return end_cursor(connection.get("pageInfo") if isinstance(connection, Mapping) else None)


def end_cursor(page_info: object) -> str | None:
    """The cursor of the next page a relay `pageInfo` offers, None when it offers none."""
    info: Mapping[str, Any] | None = page_info if isinstance(page_info, Mapping) else None
    if info is None or info.get("hasNextPage") is not True:
        return None
    after = info.get("endCursor")
    if isinstance(after, bool) or not isinstance(after, str | int) or after == "":
        return None
    return str(after)
