"""The connectors' shared kit, tested without HTTP: the page guard, the body guard, the server clock."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from orgpulse.connectors.kit import (
    DeadlineExceededError,
    PageGuard,
    PaginationError,
    RequestDeadline,
    ResponseTooLargeError,
    ServerClock,
    read_body,
    split_entries,
)
from orgpulse.connectors.kit.http import Outcome, classify_status, retry_after_seconds
from orgpulse.connectors.kit.records import chunks, dedupe
from orgpulse.errors import ProtocolError, TransientError


def test_a_guard_lets_a_normal_pagination_through() -> None:
    guard = PageGuard("issues")
    guard.advance("t1", ["1", "2"])
    guard.advance("t2", ["3", "4"])
    guard.advance(None, ["5"])  # the last page: no next position
    assert guard.pages == 3


def test_a_repeated_token_is_refused() -> None:
    guard = PageGuard("issues", source="acme")
    guard.advance("t1", ["1"])
    with pytest.raises(PaginationError, match="the page position t1 twice") as caught:
        guard.advance("t1", ["2"])
    assert caught.value.source == "acme"
    assert isinstance(caught.value, ProtocolError)  # the source fails; it is not retried


def test_a_new_token_every_page_with_the_same_items_is_refused() -> None:
    guard = PageGuard("issues")
    guard.advance("t1", ["1", "2"])
    with pytest.raises(PaginationError, match="page 2 brought nothing new"):
        guard.advance("t2", ["2", "1"])


def test_an_offset_ignored_by_the_server_is_refused() -> None:
    guard = PageGuard("search")
    first = [str(n) for n in range(50)]
    guard.advance(50, first)
    with pytest.raises(PaginationError, match="nothing new"):
        guard.advance(100, first)  # the same first page again, whatever offset was asked


def test_two_pages_in_a_cycle_are_refused() -> None:
    guard = PageGuard("issues")
    guard.advance("a", ["1"])
    guard.advance("b", ["2"])
    with pytest.raises(PaginationError):
        guard.advance("a", ["1"])


def test_an_empty_page_offering_more_is_refused_but_an_empty_last_page_is_fine() -> None:
    PageGuard("issues").advance(None, [])
    with pytest.raises(PaginationError, match="nothing new"):
        PageGuard("issues").advance("t1", [])


def test_a_resumed_loop_knows_the_positions_already_asked() -> None:
    guard = PageGuard("issues", asked=["t9"])
    with pytest.raises(PaginationError):
        guard.advance("t9", ["1"])


def test_non_object_entries_are_quarantined_once_each() -> None:
    objects, junk = split_entries([{"id": "1"}, "oops", None, 7, {"id": "2"}, "oops"], kind="k", where="x[]")
    assert objects == [{"id": "1"}, {"id": "2"}]
    assert [q.reason for q in junk] == [
        "x[]: entry 1 is str, not an object",
        "x[]: entry 2 is NoneType, not an object",
        "x[]: entry 3 is int, not an object",
        "x[]: entry 5 is str, not an object",
    ]
    assert junk[0].native_id == junk[3].native_id != junk[1].native_id  # named by content
    assert {q.kind for q in junk} == {"k"}


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_read_body_caps_the_decoded_size() -> None:
    clock = Ticking()
    bomb = zlib.decompressobj(16 + zlib.MAX_WBITS)
    compressed = gzip.compress(b"\0" * (8 * 1024 * 1024))
    assert len(compressed) < 20_000

    def chunks() -> Iterator[bytes]:
        data = compressed
        while data or not bomb.eof:
            out = bomb.decompress(data, 64 * 1024)
            data = bomb.unconsumed_tail
            yield out

    with pytest.raises(ResponseTooLargeError, match="larger than 1 MB"):
        read_body(chunks(), max_bytes=1024 * 1024, deadline=RequestDeadline(60, clock=clock), what="q")
    small = read_body([b"ab", b"c"], max_bytes=3, deadline=RequestDeadline(60, clock=clock), what="q")
    assert small == b"abc"


def test_read_body_refuses_a_declared_length_over_the_cap_before_reading() -> None:
    def never() -> Iterator[bytes]:
        raise AssertionError("read")
        yield b""

    with pytest.raises(ResponseTooLargeError):
        read_body(never(), max_bytes=10, deadline=RequestDeadline(60), what="q", declared_length="11")


def test_read_body_holds_the_overall_deadline_whatever_the_pace() -> None:
    clock = Ticking()

    def trickle() -> Iterator[bytes]:
        while True:  # one byte every 2 s, forever
            clock.now += 2.0
            yield b"x"

    with pytest.raises(DeadlineExceededError, match="within its 10 s deadline") as caught:
        read_body(trickle(), max_bytes=1000, deadline=RequestDeadline(10, clock=clock), what="q")
    assert isinstance(caught.value, TransientError)  # retried by the policy
    assert clock.now == pytest.approx(10.0)


def test_the_server_clock_only_ever_moves_a_watermark_back() -> None:
    local = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    behind = ServerClock()
    behind.observe({"Date": "Fri, 20 Nov 2026 11:50:00 GMT"})
    behind.observe({"Date": "Fri, 20 Nov 2026 11:55:00 GMT"})  # the first answer's Date is kept
    assert behind.safe_start(local) == local - timedelta(minutes=10)
    ahead = ServerClock()
    ahead.observe({"Date": "Fri, 20 Nov 2099 11:50:00 GMT"})  # a lying server
    assert ahead.safe_start(local) == local
    unknown = ServerClock()
    unknown.observe({"Date": "not a date"})
    assert not unknown.known
    assert unknown.safe_start(local) == local


def test_http_statuses_fall_into_one_classification() -> None:
    assert [classify_status(s) for s in (200, 401, 403, 429, 500, 503, 400, 404, 410)] == [
        Outcome.OK,
        Outcome.AUTH,
        Outcome.AUTH,
        Outcome.RATE_LIMITED,
        Outcome.BUSY,
        Outcome.BUSY,
        Outcome.REFUSED,
        Outcome.REFUSED,
        Outcome.REFUSED,
    ]


def test_retry_after_reads_seconds_dates_and_an_optional_reset_header() -> None:
    assert retry_after_seconds({"Retry-After": "7"}, 0.0) == 7.0
    assert retry_after_seconds({"Retry-After": "Thu, 01 Jan 1970 00:01:40 GMT"}, 40.0) == 60.0
    reset = {"X-RateLimit-Reset": "1970-01-01T00:02Z"}
    assert retry_after_seconds(reset, 100.0) == 20.0
    assert retry_after_seconds(reset, 100.0, reset_header=None) == 0.0  # Linear: per-bucket headers
    assert retry_after_seconds({"Retry-After": "-3"}, 0.0) == 0.0


def test_dedupe_keeps_one_item_per_key_in_first_seen_order() -> None:
    items = [("a", 1), ("b", 5), ("a", 3), ("c", 2), ("b", 4)]
    assert dedupe(items, lambda i: i[0]) == [("a", 1), ("b", 5), ("c", 2)]
    assert dedupe(items, lambda i: i[0], lambda new, kept: True) == [("a", 3), ("b", 4), ("c", 2)]
    smaller = dedupe(items, lambda i: i[0], lambda new, kept: new[1] < kept[1])
    assert smaller == [("a", 1), ("b", 4), ("c", 2)]


def test_chunks_cut_in_order() -> None:
    assert chunks(["1", "2", "3", "4", "5"], 2) == [["1", "2"], ["3", "4"], ["5"]]
    assert chunks([], 3) == []
