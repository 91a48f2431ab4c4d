"""Jira Cloud's big pages decoded by shape (connectors/jira/pages.py): what the normalisers read is
what the whole decode gives; an unexpected shape decodes whole; raw records keep entries verbatim."""

from __future__ import annotations

import json
from typing import Any

from orgpulse.connectors.jira import jql
from orgpulse.connectors.jira.histories import fetch_histories
from orgpulse.connectors.jira.normalise import normalise_issue
from orgpulse.connectors.jira.pages import Embeds, Spans, decode_bulk_page, decode_search_page
from orgpulse.connectors.kit.http import HTTPStatusError

AUTHOR = {
    "self": "https://x.atlassian.net/rest/api/3/user?accountId=a1",
    "accountId": "a1",
    "avatarUrls": {"48x48": "https://avatars/a1.png"},
    "displayName": "Ann",
    "active": True,
    "timeZone": "Europe/Paris",
    "accountType": "atlassian",
}
ITEM = {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "1", "fromString": "To Do",
        "to": "3", "toString": "Done"}  # fmt: skip


def history(history_id: str, created: str) -> dict[str, Any]:
    return {"id": history_id, "author": AUTHOR, "created": created, "items": [ITEM], "historyMetadata": {}}


def issue() -> dict[str, Any]:
    return {
        "expand": "changelog",
        "id": "10001",
        "self": "https://x.atlassian.net/rest/api/3/issue/10001",
        "key": "PAY-1",
        "fields": {"summary": "S", "status": {"id": "3", "statusCategory": {"key": "done"}},
                   "project": {"key": "PAY"}, "created": "2026-01-01T10:00:00.000+0000",
                   "updated": "2026-01-02T10:00:00.000+0000", "issuetype": {"name": "Story"}},
        "changelog": {"startAt": 0, "maxResults": 2, "total": 2,
                      "histories": [history("2", "2026-01-02T10:00:00.000+0000"),
                                    history("1", "2026-01-01T11:00:00.000+0000")]},
    }  # fmt: skip


def body(doc: object) -> bytes:
    return json.dumps(doc).encode()


def test_search_page_keeps_what_the_normaliser_reads() -> None:
    doc = {"issues": [issue()], "nextPageToken": "t", "isLast": False}
    page = decode_search_page(body(doc))
    (found,) = page["issues"]
    assert (page["nextPageToken"], page["isLast"]) == ("t", False)
    assert found["fields"] == issue()["fields"]
    entry = found["changelog"]["histories"][0]
    assert entry["author"] == {"accountId": "a1", "displayName": "Ann", "accountType": "atlassian"}
    assert entry["items"] == [{k: v for k, v in ITEM.items() if k != "fieldtype"}]
    whole = normalise_issue(issue())
    typed = normalise_issue(found)
    assert (typed.issues, typed.histories, typed.status_changes, typed.people) == (
        whole.issues, whole.histories, whole.status_changes, whole.people
    )  # fmt: skip


def test_an_unexpected_shape_decodes_the_page_whole() -> None:
    odd = issue()
    odd["changelog"]["histories"][0]["author"] = "a1"  # not an object
    doc = {"issues": [odd, "junk"], "isLast": True}
    assert decode_search_page(body(doc)) == doc
    bulk = {"issueChangeLogs": [{"issueId": "1", "changeHistories": [history("1", "x"), None]}]}
    assert decode_bulk_page(body(bulk)) == bulk


def test_a_body_that_is_not_json_is_a_value_error() -> None:
    for decode in (decode_search_page, decode_bulk_page):
        try:
            decode(b"<html>")
        except ValueError:
            continue
        raise AssertionError("not JSON was decoded")


def test_raw_record_keeps_each_entry_as_the_server_sent_it() -> None:
    spans = Spans()
    page = decode_search_page(body({"issues": [issue()], "isLast": True}), spans)
    bulk_doc = {
        "issueChangeLogs": [
            {"issueId": "10001", "changeHistories": [history("0", "2025-12-31T09:00:00.000+0000")]}
        ]
    }
    bulk = decode_bulk_page(body(bulk_doc), spans)
    (found,) = page["issues"]
    entries = [*bulk["issueChangeLogs"][0]["changeHistories"], *found["changelog"]["histories"]]
    batch = normalise_issue(found, entries, keep_raw=True, spans=spans)
    ((_, _, text),) = batch.raw
    kept = json.loads(text)
    assert [h["id"] for h in kept["changelog"]["histories"]] == ["0", "1", "2"]
    assert kept["changelog"]["histories"][0] == history("0", "2025-12-31T09:00:00.000+0000")
    assert kept["changelog"]["maxResults"] == 3
    assert kept["fields"] == issue()["fields"]
    assert kept["self"] == issue()["self"]
    spans.clear()
    assert len(spans) == 0


class _Bulk:
    """A client serving the bulk changelog from `doc` (pages decoded by the caller's `decode`), and
    404 for any single issue's changelog."""

    source = "test"

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.paths: list[str] = []

    def post(self, path: str, _body: object, *, decode: Any) -> Any:
        self.paths.append(path)
        return decode(body(self.doc))

    def get(self, path: str, _params: object) -> Any:
        self.paths.append(path)
        raise HTTPStatusError("gone", status=404)


def cut_issue() -> dict[str, Any]:
    """`issue()` with a total of 3 and two entries embedded: the server cut its embed."""
    doc = issue()
    doc["changelog"]["total"] = 3
    return doc


def test_a_cut_embed_is_held_undecoded_and_never_read_when_the_bulk_changelog_has_it_all() -> None:
    embeds, spans = Embeds(), Spans()
    page = decode_search_page(body({"issues": [cut_issue()], "isLast": True}), spans, embeds)
    (found,) = page["issues"]
    assert found["changelog"]["histories"] == []
    assert len(embeds) == 1
    every = [history(str(n), f"2026-01-0{n}T10:00:00.000+0000") for n in (1, 2, 3)]
    client = _Bulk({"issueChangeLogs": [{"issueId": "10001", "changeHistories": every}]})
    histories = fetch_histories(client, {"10001": found}, spans, embeds)
    assert [h["id"] for h in histories["10001"]] == ["1", "2", "3"]
    assert len(embeds) == 1  # never taken: the bulk pages held every entry
    assert client.paths == [jql.BULK_CHANGELOG]


def test_a_cut_embed_fills_in_what_the_bulk_changelog_missed_as_the_whole_decode_did() -> None:
    older = [history("0", "2025-12-31T09:00:00.000+0000")]  # the bulk pages lack the embedded 1 and 2
    bulk = {"issueChangeLogs": [{"issueId": "10001", "changeHistories": older}]}
    page = decode_search_page(body({"issues": [cut_issue()], "isLast": True}))
    whole = fetch_histories(_Bulk(bulk), {"10001": page["issues"][0]})
    embeds, spans = Embeds(), Spans()
    held = decode_search_page(body({"issues": [cut_issue()], "isLast": True}), spans, embeds)
    (found,) = held["issues"]
    histories = fetch_histories(_Bulk(bulk), {"10001": found}, spans, embeds)
    assert histories["10001"] == whole["10001"]
    assert sorted(h["id"] for h in histories["10001"]) == ["0", "1", "2"]
    assert len(embeds) == 0
    batch = normalise_issue(found, histories["10001"], keep_raw=True, spans=spans)
    ((_, _, text),) = batch.raw
    kept = json.loads(text)["changelog"]["histories"]
    assert kept[-1] == history("2", "2026-01-02T10:00:00.000+0000")  # as sent: author avatars too


def test_a_held_entry_of_an_unexpected_shape_decodes_whole() -> None:
    odd = cut_issue()
    odd["changelog"]["histories"][0]["author"] = "a1"  # not an object: the page's decode refuses it
    odd["changelog"]["histories"].append(None)  # not an object: left out
    odd["changelog"]["total"] = 4
    embeds = Embeds()
    page = decode_search_page(body({"issues": [odd], "isLast": True}), None, embeds)
    (found,) = page["issues"]
    read = {"accountId": "a1", "displayName": "Ann", "accountType": "atlassian"}  # by shape
    assert [h["author"] for h in embeds.take(found)] == ["a1", read]
    assert embeds.take(found) == []  # taken once
