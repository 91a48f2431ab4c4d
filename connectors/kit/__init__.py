"""Machinery every connector shares, with no tracker inside.

* `incremental`: the cursor's envelope (watermark, checkpoint, metadata age, census age) read and
  written per connector's `CursorFormat`, and the pure `next_watermark`.
* `http`: one classification of HTTP statuses (auth / rate limited / busy / refused), Retry-After
  parsing, `ServerBusyError` and `HTTPStatusError`.
* `pagers`: `TokenPager`, `OffsetPager` (honouring the echoed page size) and `RelayPager`
  (GraphQL connections), each on one `PageGuard`.
* `records`: `dump` (a payload's quarantine text) and `chunks`.
* `paging`: `PageGuard.advance` refuses a repeated token, cursor or offset and a page that brings
  nothing new, so no server can keep a sync looping.
* `transport`: `read_body` caps a response's decoded size and holds each request to an overall
  deadline, whatever the server's pace; `ServerClock` reads the tracker's own time.
"""

from __future__ import annotations

from .paging import PageGuard, PaginationError, split_entries
from .transport import (
    Answer,
    DeadlineExceededError,
    RequestDeadline,
    ResponseTooLargeError,
    ServerClock,
    read_body,
)

__all__ = [
    "Answer",
    "DeadlineExceededError",
    "PageGuard",
    "PaginationError",
    "RequestDeadline",
    "ResponseTooLargeError",
    "ServerClock",
    "read_body",
    "split_entries",
]
