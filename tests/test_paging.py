"""The kit's pagers, tested without HTTP (as the Singer SDK tests its paginators)."""

from __future__ import annotations

import pytest

from orgpulse.connectors.kit.pagers import ConnectionFollower, OffsetPager, RelayPager, TokenPager, end_cursor
from orgpulse.connectors.kit.paging import PaginationError


def test_a_token_pager_follows_tokens_to_the_last_page() -> None:
    pager = TokenPager("issues")
    assert pager.advance(["1", "2"], "t1") is True
    assert pager.token == "t1"
    assert pager.advance(["3"], "t2", is_last=True) is False  # isLast wins over a token
    assert pager.token == "t1"


def test_a_token_pager_ends_on_no_token_or_an_empty_page() -> None:
    assert TokenPager("issues").advance(["1"], None) is False
    assert TokenPager("issues").advance([], "t1") is False


def test_a_token_pager_refuses_a_repeated_token_and_a_resumed_one_given_again() -> None:
    pager = TokenPager("issues")
    pager.advance(["1"], "t1")
    with pytest.raises(PaginationError, match="twice"):
        pager.advance(["2"], "t1")
    resumed = TokenPager("issues", token="t7")  # from a checkpoint: asked already
    with pytest.raises(PaginationError, match="twice"):
        resumed.advance(["1"], "t7")


def test_a_token_pager_refuses_a_page_that_brings_nothing_new() -> None:
    pager = TokenPager("changelog")
    pager.advance(["1"], "t1")
    with pytest.raises(PaginationError, match="nothing new"):
        pager.advance(["1"], "t2")
    entries_without_ids = TokenPager("changelog")
    with pytest.raises(PaginationError, match="nothing new"):
        entries_without_ids.advance([], "t1", received=3)


def test_an_offset_pager_counts_what_came_and_honours_the_echoed_page_size() -> None:
    pager = OffsetPager("search", size=100)
    assert pager.advance(["1", "2"], 2, total=5, echoed_size=2) is True
    assert (pager.start, pager.size) == (2, 2)
    assert pager.advance(["3", "4"], 2, total=5, echoed_size=50) is True
    assert pager.size == 2  # never larger again
    assert pager.advance(["5"], 1, total=5) is False
    assert pager.start == 5


def test_an_offset_pager_ends_on_an_empty_page_is_last_or_the_total() -> None:
    assert OffsetPager("s", size=10).advance([], 0, total=99) is False
    assert OffsetPager("s", size=10).advance(["1"], 1, is_last=True) is False
    assert OffsetPager("s", size=10).advance(["1"], 1, total=1) is False
    assert OffsetPager("s", size=10).advance(["1"], 1, total="many") is True  # no total: go on


def test_an_offset_pager_refuses_another_offset_and_a_repeated_page() -> None:
    pager = OffsetPager("search", size=2, start=4)
    pager.check_offset(4, "/search")
    pager.check_offset(None, "/search")  # not echoed: nothing to check
    with pytest.raises(
        PaginationError, match="/search answered the page at offset 0 when asked for offset 4"
    ):
        pager.check_offset(0, "/search")
    pager.advance(["a", "b"], 2, total=10)
    with pytest.raises(PaginationError, match="nothing new"):
        pager.advance(["a", "b"], 2, total=10)  # a server ignoring startAt repeats its page


def test_a_relay_pager_follows_end_cursors() -> None:
    pager = RelayPager("issues")
    assert pager.advance(["1"], {"hasNextPage": True, "endCursor": "c1"}) is True
    assert pager.after == "c1"
    assert pager.advance(["2"], {"hasNextPage": False, "endCursor": "c2"}) is False
    assert pager.after == "c1"


def test_a_relay_pager_ends_on_a_missing_cursor_or_an_empty_page() -> None:
    assert RelayPager("i").advance(["1"], {"hasNextPage": True, "endCursor": ""}) is False
    assert RelayPager("i").advance(["1"], {"hasNextPage": "yes", "endCursor": "c"}) is False
    assert RelayPager("i").advance([], {"hasNextPage": True, "endCursor": "c"}) is False
    assert RelayPager("i").advance(["1"], None) is False


def test_a_relay_pager_refuses_a_repeated_cursor_and_junk_only_pages() -> None:
    pager = RelayPager("issues", after="c0")  # resumed from a checkpoint: asked already
    with pytest.raises(PaginationError, match="twice"):
        pager.advance(["1"], {"hasNextPage": True, "endCursor": "c0"})
    junk = RelayPager("teams")
    with pytest.raises(PaginationError, match="nothing new"):
        junk.advance([], {"hasNextPage": True, "endCursor": "c1"}, received=2)


def test_end_cursor_reads_page_info() -> None:
    assert end_cursor({"hasNextPage": True, "endCursor": "c"}) == "c"
    assert end_cursor({"hasNextPage": True, "endCursor": 5}) == "5"
    assert end_cursor({"hasNextPage": True, "endCursor": True}) is None
    assert end_cursor({"hasNextPage": False, "endCursor": "c"}) is None


def _page(ids: list[str], after: str | None) -> dict[str, object]:
    info = {"hasNextPage": after is not None, "endCursor": after}
    return {"nodes": [{"id": i} for i in ids], "pageInfo": info}


def test_a_connection_follower_appends_each_page_to_the_record_until_the_last() -> None:
    history = _page(["h1", "h2"], "c1")  # the first page, as it came with its issue
    follower = ConnectionFollower("the history of issue 7", history)
    assert follower.after == "c1"
    assert follower.extend(_page(["h3"], "c2")) is True
    assert follower.after == "c2"
    assert follower.extend(_page(["h4"], None)) is False
    assert [n["id"] for n in history["nodes"]] == ["h1", "h2", "h3", "h4"]
    assert history["pageInfo"] == {"hasNextPage": False, "endCursor": None}


def test_a_complete_connection_needs_no_page() -> None:
    assert ConnectionFollower("the history of issue 7", _page(["h1"], None)).after is None


def test_a_connection_follower_refuses_a_cursor_handed_out_twice_and_a_page_with_nothing_new() -> None:
    follower = ConnectionFollower("the members of team T", _page(["m1"], "c1"), source="acme")
    follower.extend(_page(["m2"], "c2"))
    with pytest.raises(PaginationError, match="twice"):
        follower.extend(_page(["m3"], "c1"))
    again = ConnectionFollower("the members of team T", _page(["m1"], "c1"))
    with pytest.raises(PaginationError, match="nothing new"):
        again.extend(_page(["m1"], "c2"))
