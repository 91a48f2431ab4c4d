"""Paging issues' nested connections (history, relations, inverse relations) to their end.

The issues query brings the first page of each; an issue whose page says `hasNextPage` gets a
follow-up part (`queries.FollowUp`). Parts are packed, as aliases, into requests that stay under
the query budget by Linear's complexity formula, and rounds go on until no part is left. Each
answer's nodes are appended to the issue's own payload and its `pageInfo` replaced, so the
normaliser sees one connection with every node and `hasNextPage: false` when it is complete.
A cursor returned twice for one connection is a protocol error (a pager that would never end).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

from orgpulse.errors import ProtocolError

from ..kit.pagers import ConnectionFollower, next_cursor
from . import queries
from .client import LinearClient, QueryTooComplexError
from .complexity import estimate_complexity
from .queries import FOLLOW_UP_KINDS, FollowUp

LOG = logging.getLogger(__name__)

MAX_PARTS = 100  # aliases in one request, whatever their cost

Payload = MutableMapping[str, Any]


class FollowUpPager:
    """Completes the nested connections of issue payloads, in few requests."""

    def __init__(
        self, client: LinearClient, *, history_first: int, relations_first: int, budget: int
    ) -> None:
        self._client = client
        self._history_first = history_first
        self._relations_first = relations_first
        self._budget = budget

    def pending(self, issues: Sequence[Payload]) -> list[FollowUp]:
        """The parts the issues still need (one per connection that has a next page)."""
        parts: list[FollowUp] = []
        for issue in issues:
            for kind, (_, field) in FOLLOW_UP_KINDS.items():
                after = next_cursor(issue.get(field))
                if after is not None:
                    parts.append(FollowUp(kind, str(issue.get("id")), after))
        return parts

    def complete(self, issues: Sequence[Payload]) -> int:
        """Fetch every missing page of `issues` in place; the number of requests it took."""
        by_id = {str(i.get("id")): i for i in issues}
        followers: dict[tuple[str, str], ConnectionFollower] = {}
        parts = self.pending(issues)
        sent = 0
        while parts:
            following: list[FollowUp] = []
            for chunk in self._chunks(parts):
                following += self._fetch(chunk, by_id, followers)
                sent += 1
            parts = following
        return sent

    def part_cost(self, kind: str) -> int:
        return _part_cost(FOLLOW_UP_KINDS[kind][0], self._history_first, self._relations_first)

    def _chunks(self, parts: Sequence[FollowUp]) -> Iterator[list[FollowUp]]:
        chunk: list[FollowUp] = []
        cost = 0
        for part in parts:
            each = self.part_cost(part.kind)
            if chunk and (cost + each > self._budget or len(chunk) >= MAX_PARTS):
                yield chunk
                chunk, cost = [], 0
            chunk.append(part)
            cost += each
        if chunk:
            yield chunk

    def _fetch(
        self,
        chunk: Sequence[FollowUp],
        by_id: dict[str, Payload],
        followers: dict[tuple[str, str], ConnectionFollower],
    ) -> list[FollowUp]:
        document, variables = queries.followup_document(
            chunk, history_first=self._history_first, relations_first=self._relations_first
        )
        try:
            data = self._client.query(document, variables)
        except QueryTooComplexError:
            if len(chunk) == 1:
                raise
            # Linear scored it higher than the formula: halve the request and go on.
            LOG.warning("%s: a follow-up of %d parts was too complex; splitting it", self._client.source,
                        len(chunk))  # fmt: skip
            half = len(chunk) // 2
            return self._fetch(chunk[:half], by_id, followers) + self._fetch(chunk[half:], by_id, followers)
        following: list[FollowUp] = []
        for n, part in enumerate(chunk):
            field = FOLLOW_UP_KINDS[part.kind][1]
            answer = data.get(f"p{n}")
            page = answer.get(field) if isinstance(answer, MutableMapping) else None
            if not isinstance(page, MutableMapping) or not isinstance(page.get("nodes"), list):
                raise ProtocolError(
                    f"the {field} page of issue {part.issue_id} is missing from the answer",
                    source=self._client.source,
                )
            follower = followers.get((part.issue_id, field))
            if follower is None:  # its first page came with the issue
                target = by_id[part.issue_id]
                connection = target.get(field)
                if not isinstance(connection, MutableMapping) or not isinstance(
                    connection.get("nodes"), list
                ):
                    connection = {"nodes": [], "pageInfo": {"hasNextPage": True, "endCursor": part.after}}
                    target[field] = connection
                what = f"the {field} of issue {part.issue_id}"
                follower = followers[(part.issue_id, field)] = ConnectionFollower(
                    what, connection, source=self._client.source
                )
            if follower.extend(page):
                following.append(FollowUp(part.kind, part.issue_id, follower.after))
        return following


@functools.cache
def _part_cost(name: str, history_first: int, relations_first: int) -> int:
    variables = {"historyFirst": history_first, "relationsFirst": relations_first}
    return estimate_complexity(queries.document(name), variables)
