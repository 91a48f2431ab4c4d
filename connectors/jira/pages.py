"""Jira Cloud's big pages decoded for what orgpulse reads: the issue search and the bulk changelog.

Nearly all of a full sync's bytes are history entries, and most of an entry is its author's
avatar and profile URLs, which nothing reads. These pages are decoded by msgspec into plain
dicts holding only the keys the normalisers read (TypedDicts: unknown keys are skipped without
building them), several times cheaper than building every object of the page. The result is
what the full decode would give minus those keys, so every normaliser reads it unchanged.

Anything unexpected in the shapes (an entry that is not an object, an author that is a string,
text msgspec refuses) makes the page decode whole as before (`transport.decode_json`): a bad
page costs time, never a record. Issues keep every top-level key and their fields whole.

An issue whose embedded changelog the search cut (fewer entries than its total) gets all of them
again from the bulk changelog: the search's embed of such an issue can be held undecoded
(`Embeds`) and decoded only if the bulk pages fall short.

A raw record keeps the complete history (keep_raw): when the page decoded by shape, each
history entry's own JSON text, and each issue's top-level values, are taken from the body
(`msgspec.Raw`, a second scan that builds no objects) and noted in `Spans`, so the kept payload
holds them exactly as the server sent them, avatars included, without encoding them again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import msgspec

from ..kit.transport import decode_json


class _Author(TypedDict, total=False):
    accountId: Any
    key: Any
    name: Any
    displayName: Any
    accountType: Any


_Item = TypedDict(
    "_Item",
    {"field": Any, "fieldId": Any, "from": Any, "fromString": Any, "to": Any, "toString": Any},
    total=False,
)


class _History(TypedDict, total=False):
    id: Any
    created: Any
    author: _Author | None
    items: list[_Item] | None


class _Embed(TypedDict, total=False):
    # A search issue's changelog, its entries left as their JSON text (`decode_search_page`).
    startAt: Any
    maxResults: Any
    total: Any
    histories: msgspec.Raw


class _Issue(TypedDict, total=False):
    # Every top-level key an issue of /search/jql may carry (expansions included): all but the
    # changelog are kept whole, for the raw record.
    expand: Any
    id: Any
    self: Any
    key: Any
    fields: Any
    changelog: _Embed
    renderedFields: Any
    names: Any
    schema: Any
    transitions: Any
    operations: Any
    editmeta: Any
    versionedRepresentations: Any
    fieldsToInclude: Any
    properties: Any


class _SearchPage(TypedDict, total=False):
    issues: list[_Issue]
    nextPageToken: Any
    isLast: Any
    names: Any
    schema: Any
    warningMessages: Any


class _IssueLog(TypedDict, total=False):
    issueId: Any
    changeHistories: list[_History]


class _BulkPage(TypedDict, total=False):
    issueChangeLogs: list[_IssueLog]
    nextPageToken: Any
    nonFoundIssueIds: Any


class _RawChangelog(TypedDict, total=False):
    # Its entries' texts come from the first decode (`decode_search_page`).
    startAt: msgspec.Raw
    maxResults: msgspec.Raw
    total: msgspec.Raw


# The keys of `_Issue`, each as its JSON text (the changelog's counts; its entries' texts come from
# the first decode): the issue's raw record is written from them without encoding its fields again.
_RAW_ISSUE_KEYS: dict[str, Any] = {key: msgspec.Raw for key in _Issue.__annotations__}
_RAW_ISSUE_KEYS["changelog"] = _RawChangelog
_RawIssue = TypedDict("_RawIssue", _RAW_ISSUE_KEYS, total=False)  # type: ignore[misc]


class _RawSearchPage(TypedDict, total=False):
    issues: list[_RawIssue]


class _RawIssueLog(TypedDict, total=False):
    changeHistories: list[msgspec.Raw]


class _RawBulkPage(TypedDict, total=False):
    issueChangeLogs: list[_RawIssueLog]


_SEARCH = msgspec.json.Decoder(_SearchPage)
_BULK = msgspec.json.Decoder(_BulkPage)
_RAW_SEARCH = msgspec.json.Decoder(_RawSearchPage)
_RAW_BULK = msgspec.json.Decoder(_RawBulkPage)
_HISTORIES = msgspec.json.Decoder(list[_History])
_HISTORY = msgspec.json.Decoder(_History)
_TEXTS = msgspec.json.Decoder(list[msgspec.Raw])
_ENCODE = msgspec.json.Encoder(order="sorted")


class Spans:
    """The JSON text of what was decoded by shape, by object (held for one unit of work): each
    history entry's, and each search issue's top-level values (`_RawIssue`)."""

    def __init__(self) -> None:
        # id -> its text; the objects are held (`_held`) so that no id is reused while noted: an
        # object that was not noted can never share the id of one that was.
        self._texts: dict[int, Any] = {}
        self._held: list[Sequence[object]] = []

    def note(self, entries: Sequence[object], texts: Sequence[Any]) -> None:
        if len(entries) == len(texts):
            self._held.append(tuple(entries))
            self._texts.update(zip(map(id, entries), texts, strict=True))

    def text_of(self, entry: object) -> Any:
        return self._texts.get(id(entry))

    def texts_or_entries(self, entries: Sequence[object]) -> list[Any]:
        """Each entry's noted text, else the entry itself (`text_of` over a list, in one pass)."""
        texts = self._texts
        return [texts.get(id(entry)) or entry for entry in entries]

    def clear(self) -> None:
        self._texts.clear()
        self._held.clear()

    def __len__(self) -> int:
        return len(self._texts)


class Embeds:
    """The embedded changelogs the search cut (fewer entries than their total), their entries left
    as JSON text, by issue object (held for one unit of work). The bulk changelog sends every entry
    of such an issue again, so its embed is decoded only when that falls short (`take`): a quarter
    of a full sync's decoded entries were these, read twice."""

    def __init__(self) -> None:
        # id -> (the issue, held so that no id is reused while noted; its entries' texts)
        self._held: dict[int, tuple[object, list[msgspec.Raw]]] = {}

    def hold(self, issue: object, texts: list[msgspec.Raw]) -> None:
        self._held[id(issue)] = (issue, texts)

    def take(self, issue: object, spans: Spans | None = None) -> list[Mapping[str, Any]]:
        """The issue's held entries decoded (each as the page's decode would give it; those that are
        not objects left out), noted in `spans` when given; none when nothing is held."""
        held = self._held.pop(id(issue), None)
        if held is None:
            return []
        entries: list[Mapping[str, Any]] = []
        texts: list[msgspec.Raw] = []
        for text in held[1]:
            try:
                entry = _HISTORY.decode(text)
            except msgspec.MsgspecError:  # an unexpected shape: the entry whole, as a whole page
                entry = decode_json(bytes(text))
            if isinstance(entry, Mapping):
                entries.append(entry)
                texts.append(text)
        if spans is not None:
            spans.note(entries, texts)
        return entries

    def clear(self) -> None:
        self._held.clear()

    def __len__(self) -> int:
        return len(self._held)


def decode_search_page(body: bytes, spans: Spans | None = None, embeds: Embeds | None = None) -> Any:
    """A `/search/jql` page: issues whole but for their history entries' unread keys. With `embeds`,
    a cut embed is held there undecoded and its issue's `histories` left empty (`Embeds`)."""
    texts_wanted = spans is not None or embeds is not None
    held: list[tuple[Any, Any, list[msgspec.Raw]]] = []  # (issue, its changelog, its entries' texts)
    noted: list[tuple[list[Any], list[msgspec.Raw]]] = []
    try:
        doc: Any = _SEARCH.decode(body)
        issues = doc.get("issues", [])
        for issue in issues:
            changelog = issue.get("changelog")
            embed = changelog.get("histories") if changelog is not None else None
            if embed is None:
                continue
            texts = _TEXTS.decode(embed) if texts_wanted else []
            total = changelog.get("total")
            if embeds is not None and type(total) is int and len(texts) < total:
                held.append((issue, changelog, texts))
                continue
            changelog["histories"] = entries = _HISTORIES.decode(embed)
            if spans is not None:
                noted.append((entries, texts))
    except msgspec.MsgspecError:
        return decode_json(body)
    if embeds is not None:
        for issue, changelog, texts in held:
            embeds.hold(issue, texts)
            changelog["histories"] = []
    if spans is not None:
        spans.note(issues, _RAW_SEARCH.decode(body).get("issues", []))
        for entries, texts in noted:
            spans.note(entries, texts)
    return doc


def decode_bulk_page(body: bytes, spans: Spans | None = None) -> Any:
    """A `/changelog/bulkfetch` page: its history entries with only the keys the normalisers read."""
    try:
        doc = _BULK.decode(body)
    except msgspec.MsgspecError:
        return decode_json(body)
    if spans is not None:
        raw = _RAW_BULK.decode(body)
        for log, texts in zip(doc.get("issueChangeLogs", ()), raw.get("issueChangeLogs", ()), strict=False):
            spans.note(log.get("changeHistories", ()), texts.get("changeHistories", ()))
    return doc


def encode_raw(raw: Mapping[str, Any], histories: Sequence[Mapping[str, Any]], spans: Spans) -> bytes | None:
    """The issue payload (top-level keys sorted, UTF-8) with these histories, oldest first: each
    value as the server sent it when `spans` noted its text, else as decoded (a page decoded whole).
    None when it cannot be written so (the caller writes the decoded entries instead)."""
    changelog = raw.get("changelog")
    if not isinstance(changelog, Mapping):
        return None
    texts = spans.texts_or_entries(histories)
    parts = spans.text_of(raw)
    if parts is not None and "changelog" in parts:
        # The issue's own text, value by value: its fields are not encoded again.
        changelog, raw = parts["changelog"], parts
    complete = {**changelog, "startAt": 0, "maxResults": len(texts), "histories": texts}
    try:
        return _ENCODE.encode({**raw, "changelog": complete})
    except (TypeError, ValueError, OverflowError):
        return None
