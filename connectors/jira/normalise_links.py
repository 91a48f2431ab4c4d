"""Pure functions from Jira issue links (`fields.issuelinks`, `Link` changelog items) to `Link` records.

Reading a Jira link (JIRA-NOTES §5): on issue A, an entry with `outwardIssue` = B reads
"A <outward description> B"; with `inwardIssue` = B it reads "A <inward description> B". The
issue that is the subject of the outward description is called the *source* here. Whether a type
means "blocks" is judged by its descriptions, never its name (Apache's blocking type is named
"Blocker"; the spec's example type "Blocks" has the inward description "Blocked by"), plus the
type ids configured in `blocking_link_types`. For a BLOCKS link, `from` is the blocker.

Changelog `Link` items say "This issue <description> <KEY>" with the other key in `to` (added)
or `from` (removed); they give a link's creation time and the links removed since.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orgpulse.model import Link, LinkKind, Quarantined

from ..kit.records import dump

# A description saying its subject waits on its object ("A is blocked by B", "A dépend de B").
_PASSIVE = re.compile(
    r"\bblocked by\b|\bdepends? (?:on|upon)\b|\bdepending on\b|\brequires\b|\bwaits? (?:on|for)\b"
    r"|\bbloqu[ée]e?s? par\b|\bdépend(?:ent)? de\b|\bblockiert (?:durch|von)\b|\bhängt ab von\b"
    r"|\babhängig von\b|\bbloqueado por\b|\bdepende de\b"
)
# A description saying its subject holds its object up ("A blocks B", "A bloque B").
_ACTIVE = re.compile(
    r"\bblocks\b|\bblocking\b|\bis depended (?:on |upon )?by\b|\bis required by\b|\bbloquen?t?\b"
    r"|\best une dépendance de\b|\bblockiert\b|\bbloquea\b"
)
_DUPLICATE = re.compile(r"duplicat|doublon|dupliqu")
_THIS_ISSUE = "this issue "


@dataclass(frozen=True)
class LinkTypeInfo:
    """One link type and what it means to orgpulse.

    `outward_blocks` (BLOCKS only): the subject of the outward description is the blocker.
    """

    type_id: str
    name: str
    inward: str
    outward: str
    kind: LinkKind
    outward_blocks: bool = True


def _direction(description: str) -> str | None:
    text = _clean(description)
    if _PASSIVE.search(text):
        return "passive"
    if _ACTIVE.search(text):
        return "active"
    return None


def classify_link_type(raw: Mapping[str, Any], blocking_ids: Collection[str] = ()) -> LinkTypeInfo | None:
    """A `/issueLinkType` entry (or the `type` of an issuelinks entry) classified; None without an id."""
    type_id = raw.get("id")
    if type_id is None or str(type_id) == "":
        return None
    name, inward, outward = (str(raw.get(k) or "") for k in ("name", "inward", "outward"))
    out_dir, in_dir = _direction(outward), _direction(inward)
    outward_blocks: bool | None = None
    if out_dir == "active" and in_dir != "active":
        outward_blocks = True
    elif out_dir == "passive" and in_dir != "passive":
        outward_blocks = False
    elif out_dir is None and in_dir == "passive":
        outward_blocks = True
    elif out_dir is None and in_dir == "active":
        outward_blocks = False
    if outward_blocks is not None or str(type_id) in blocking_ids:
        return LinkTypeInfo(str(type_id), name, inward, outward, LinkKind.BLOCKS, outward_blocks is not False)
    texts = f"{name} {inward} {outward}".lower()
    kind = LinkKind.DUPLICATES if _DUPLICATE.search(texts) else LinkKind.RELATES
    return LinkTypeInfo(str(type_id), name, inward, outward, kind)


@dataclass(frozen=True)
class LinkTypeBook:
    """The site's link types by id, and the configured blocking ids, to read links with."""

    types: Mapping[str, LinkTypeInfo]
    blocking_ids: frozenset[str] = frozenset()

    @classmethod
    def empty(cls) -> LinkTypeBook:
        return cls({})

    @classmethod
    def of(cls, raw_types: Iterable[Mapping[str, Any]], blocking_ids: Collection[str] = ()) -> LinkTypeBook:
        ids = frozenset(str(i) for i in blocking_ids)
        infos = (classify_link_type(raw, ids) for raw in raw_types if isinstance(raw, Mapping))
        return cls({info.type_id: info for info in infos if info is not None}, ids)

    def info(self, raw_type: object) -> LinkTypeInfo | None:
        """The classification of an embedded link type: the book's, else read from the payload."""
        if not isinstance(raw_type, Mapping):
            return None
        known = self.types.get(str(raw_type.get("id")))
        return known if known is not None else classify_link_type(raw_type, self.blocking_ids)

    def match(self, remainder: str) -> tuple[LinkTypeInfo, str] | None:
        """The type and side ("outward", "inward", "both") whose description a Link item names.

        An exact description wins; else the longest description the text ends with; ties go to
        the smallest type id, so both sides of a link resolve the same way.
        """
        best: tuple[int, int, str, LinkTypeInfo, str] | None = None
        for info in sorted(self.types.values(), key=lambda i: _numeric(i.type_id)):
            out, inn = _clean(info.outward), _clean(info.inward)
            for side, desc in (("outward", out), ("inward", inn)):
                if not desc or not (remainder == desc or remainder.endswith(" " + desc)):
                    continue
                rank = (0 if remainder == desc else 1, -len(desc))
                resolved = "both" if out == inn else side
                if best is None or rank < best[:2]:
                    best = (*rank, info.type_id, info, resolved)
        return (best[3], best[4]) if best else None


@dataclass(frozen=True)
class LinkEvent:
    """A `Link` changelog item, with its time and the issue's key at that time."""

    at: datetime
    self_key: str
    item: Mapping[str, Any]

    @property
    def added(self) -> bool:
        return not self.item.get("from") and bool(self.item.get("to"))

    @property
    def other_key(self) -> str:
        return str((self.item.get("to") if self.added else self.item.get("from")) or "")

    @property
    def remainder(self) -> str:
        """The description the item names, lower-cased: the text without "This issue" and the key."""
        text = _clean(str((self.item.get("toString") if self.added else self.item.get("fromString")) or ""))
        key = _clean(self.other_key)
        if key and text.endswith(key):
            text = text[: -len(key)].strip()
        return text[len(_THIS_ISSUE) :] if text.startswith(_THIS_ISSUE) else text


def normalise_links(
    issue_id: str,
    issue_key: str,
    issue_done: bool | None,
    issuelinks: Sequence[object],
    events: Sequence[LinkEvent],
    book: LinkTypeBook,
) -> tuple[list[Link], list[Quarantined]]:
    """The issue's current links and the links its changelog shows removed."""
    links: list[Link] = []
    quarantined: list[Quarantined] = []
    additions = [e for e in events if e.added]
    for entry in issuelinks:
        link = _current_link(issue_id, issue_key, issue_done, entry, additions, book)
        if isinstance(link, Link):
            links.append(link)
        else:
            native = str(entry.get("id", "?")) if isinstance(entry, Mapping) else "?"
            quarantined.append(Quarantined(f"{issue_id}:{native}", "jira_link", link, dump(entry)))
    links += _removed_links(issue_id, sorted(events, key=lambda e: e.at), book)
    return links, quarantined


def _current_link(
    issue_id: str,
    issue_key: str,
    issue_done: bool | None,
    entry: object,
    additions: Sequence[LinkEvent],
    book: LinkTypeBook,
) -> Link | str:
    """One issuelinks entry as a Link, or the reason it cannot be read."""
    if not isinstance(entry, Mapping) or not entry.get("id"):
        return "an issue link without an id"
    outward = isinstance(entry.get("outwardIssue"), Mapping)
    other = entry.get("outwardIssue") if outward else entry.get("inwardIssue")
    if not isinstance(other, Mapping) or not other.get("key"):
        return "an issue link without the other issue's key"
    info = book.info(entry.get("type"))
    other_key, other_id = str(other["key"]), (str(other["id"]) if other.get("id") else None)
    other_fields = other.get("fields")
    other_status = other_fields.get("status") if isinstance(other_fields, Mapping) else None
    category = other_status.get("statusCategory") if isinstance(other_status, Mapping) else None
    other_done = bool(category.get("key") == "done") if isinstance(category, Mapping) else None
    this = (issue_key, issue_id, issue_done)
    that = (other_key, other_id, other_done)
    source, target = (this, that) if outward else (that, this)
    kind = info.kind if info else LinkKind.RELATES
    if info is not None and kind is LinkKind.BLOCKS and not info.outward_blocks:
        source, target = target, source
    description = _clean((info.outward if outward else info.inward) if info else "")
    created = [
        e.at
        for e in additions
        if e.other_key.lower() == other_key.lower()
        and description
        and (e.remainder == description or e.remainder.endswith(" " + description))
    ]
    return Link(
        link_id=str(entry["id"]),
        kind=kind,
        from_issue_key=source[0],
        to_issue_key=target[0],
        from_issue_id=source[1],
        to_issue_id=target[1],
        type_id=info.type_id if info else None,
        created_at=max(created) if created else None,
        from_done=source[2],
        to_done=target[2],
    )


def _removed_links(issue_id: str, events: Sequence[LinkEvent], book: LinkTypeBook) -> list[Link]:
    """A Link for each removal in the changelog, with an id both sides' changelogs agree on.

    The two issues' entries for one change differ by milliseconds in real data (06:13:35.541 and
    .548 in the DevLake samples), so the id counts the removals of (kind, from, to) instead of
    using a time: both sides see the same sequence of removals.
    """
    links: list[Link] = []
    ordinals: dict[tuple[str, str, str], int] = {}
    for event in events:
        if event.added or not event.other_key:
            continue
        matched = book.match(event.remainder)
        info, side = matched if matched else (None, "both")
        self_key, other_key = event.self_key, event.other_key
        if side == "outward":
            source, target = self_key, other_key
        elif side == "inward":
            source, target = other_key, self_key
        else:
            source, target = sorted((self_key, other_key))
        kind = info.kind if info else LinkKind.RELATES
        if info is not None and kind is LinkKind.BLOCKS and not info.outward_blocks:
            source, target = target, source
        slot = (kind.value, source, target)
        ordinals[slot] = ordinals.get(slot, 0) + 1
        added = [
            e.at
            for e in events
            if e.added and e.at <= event.at and e.other_key == other_key and e.remainder == event.remainder
        ]
        links.append(
            Link(
                link_id=f"removed:{kind.value}:{source}:{target}:{ordinals[slot]}",
                kind=kind,
                from_issue_key=source,
                to_issue_key=target,
                from_issue_id=issue_id if source == self_key else None,
                to_issue_id=issue_id if target == self_key else None,
                type_id=info.type_id if info else None,
                created_at=max(added) if added else None,
                removed_at=event.at,
            )
        )
    return links


def _clean(text: str) -> str:
    return " ".join(text.lower().split())


def _numeric(value: str) -> tuple[int, str]:
    return (int(value), value) if value.isdigit() else (0, value)
