"""Fetching complete Jira Cloud histories for issues whose embedded changelog is truncated.

The search embeds at most 40 histories, newest first (JIRA-NOTES §1.3). For the issues it cut,
`POST /changelog/bulkfetch` returns every history (≤ 1000 issues a call, oldest first across
issues, token-paged, one issue's histories possibly split over pages), unfiltered: a `fieldIds`
filter drops `Link` items and could never reach `changelog.total`. An issue still short after
that is read once from `GET /issue/{id}/changelog` (startAt-paged); what is still short then is
left for the normaliser to mark incomplete.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from orgpulse.errors import ProtocolError

from ..kit.http import HTTPStatusError
from ..kit.pagers import OffsetPager, TokenPager
from ..kit.records import chunks
from . import jql
from .changelog import (
    changelog_total,
    distinct_count,
    embedded_histories,
    merge_histories,
)
from .client import JiraClient
from .pages import Embeds, Spans, decode_bulk_page

LOG = logging.getLogger(__name__)

Histories = list[Mapping[str, Any]]


def truncated(raw_issue: Mapping[str, Any], embedded: Histories | None = None) -> bool:
    """True when the issue's embedded changelog (`embedded`, when already read) holds fewer entries
    than its total, or has none."""
    total = changelog_total(raw_issue)
    if total is None:
        return True
    if embedded is None:
        embedded = embedded_histories(raw_issue)
    # Fewer entries than the total is enough to tell (the common case: the embed's cap was reached).
    return len(embedded) < total or distinct_count(embedded) < total


def fetch_histories(
    client: JiraClient,
    issues: Mapping[str, Mapping[str, Any]],
    spans: Spans | None = None,
    embeds: Embeds | None = None,
) -> dict[str, Histories]:
    """Every issue's histories (by issue id): the embedded ones, completed where they were cut (the
    bulk pages' entries noted in `spans`, when given, for the raw records). A cut embed held in
    `embeds` (`pages.Embeds`) is decoded only for an issue the bulk changelog left short."""
    # Merged alone, each issue's entries are read once for their ids: what follows counts them by length.
    found = {issue_id: merge_histories(embedded_histories(raw)) for issue_id, raw in issues.items()}
    short = [issue_id for issue_id, raw in issues.items() if truncated(raw, found[issue_id])]
    if not short:
        return found
    bulk = fetch_bulk_changelogs(client, short, spans)
    for issue_id in short:
        found[issue_id] = merge_histories(bulk.get(issue_id, ()), found[issue_id])
    for issue_id in short:
        total = changelog_total(issues[issue_id]) or 0
        if distinct_count(found[issue_id]) >= total:
            continue
        held = embeds.take(issues[issue_id], spans) if embeds is not None else []
        if held:
            found[issue_id] = merge_histories(found[issue_id], held)
            if distinct_count(found[issue_id]) >= total:
                continue
        try:
            found[issue_id] = merge_histories(fetch_issue_changelog(client, issue_id), found[issue_id])
        except HTTPStatusError as exc:
            if exc.status != 404:
                raise
            LOG.warning("issue %s vanished before its history was read", issue_id)
    return found


def fetch_bulk_changelogs(
    client: JiraClient, issue_ids: Sequence[str], spans: Spans | None = None
) -> dict[str, Histories]:
    found: dict[str, Histories] = {}
    for chunk in chunks(issue_ids, jql.BULK_MAX_IDS):
        pager = TokenPager("the bulk changelog", source=client.source)
        while True:
            body = jql.bulk_changelog_body(chunk, pager.token)
            doc = client.post(jql.BULK_CHANGELOG, body, decode=lambda text: decode_bulk_page(text, spans))
            logs = doc.get("issueChangeLogs") if isinstance(doc, Mapping) else None
            if not isinstance(logs, list):
                raise ProtocolError(
                    "/changelog/bulkfetch must answer {issueChangeLogs: [...]}", source=client.source
                )
            received: list[str] = []
            for entry in logs:
                if isinstance(entry, Mapping) and entry.get("issueId") is not None:
                    issue_id, listed = entry["issueId"], entry.get("changeHistories") or ()
                    changes = [h for h in listed if type(h) is dict or isinstance(h, Mapping)]
                    found.setdefault(str(issue_id), []).extend(changes)
                    received += [f"{issue_id}:{h.get('id')}" for h in changes]
            token = str(doc["nextPageToken"]) if doc.get("nextPageToken") else None
            if not pager.advance(received, token, received=len(logs)):
                break
    return found


def fetch_issue_changelog(client: JiraClient, issue_id: str) -> Histories:
    values: Histories = []
    pager = OffsetPager(f"the changelog of issue {issue_id}", source=client.source)
    while True:
        doc = client.get(jql.issue_path(issue_id), jql.changelog_params(pager.start))
        page = doc.get("values") if isinstance(doc, Mapping) else None
        if not isinstance(page, list):
            raise ProtocolError("/issue/{id}/changelog must answer {values: [...]}", source=client.source)
        entries = [h for h in page if isinstance(h, Mapping)]
        values += entries
        ids = [str(h.get("id")) for h in entries]
        if not pager.advance(ids, len(page), total=doc.get("total"), is_last=doc.get("isLast") is True):
            return values
