"""The Jira Data Center / Server connector: offset-paged search with whole histories embedded.

It is the Cloud connector (`cloud.py`) where the two deployments agree — site metadata cached in
the cursor (fields, statuses, link types, projects), workflows from `/project/{key}/statuses`,
the normalisers, link and status de-duplication, `check()` for `orgpulse doctor` — and differs
where DC's REST API v2 does (JIRA-NOTES §2):

* `POST /rest/api/2/search` pages by `startAt`; the server caps `maxResults` and echoes the
  size it used, so the next offset is the previous plus the issues received, and the run ends on
  an empty page or once the offset reaches `total`. Each search page is one `Page`, committed
  with a checkpoint of the JQL and the next offset (`cursor.py`).
* `expand=changelog` embeds the whole history, oldest first (there is no bulk changelog): an
  issue whose embed still holds fewer entries than `changelog.total` is read once alone with
  `GET /issue/{id}?expand=changelog&fields=`, then left for the normaliser to mark incomplete.
* An epic is named by key in the Epic Link field: keys not read in this run are resolved to ids
  with one `key in (...)` search per page that needs it (`normalise_dc.py`).
* The census lists ids with `fields=key` pages as large as the server allows; projects come from
  `GET /project`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from orgpulse.config import SourceSettings
from orgpulse.connector import Page, SourceCheck
from orgpulse.errors import ProtocolError
from orgpulse.model import Batch, Census

from ..kit.http import HTTPStatusError
from ..kit.incremental import State, lagged_ms, next_watermark
from ..kit.paging import PageGuard, PaginationError, split_entries
from . import jql, jql_dc
from .client_dc import JiraDataCenterClient
from .cloud import JiraCloudConnector, _ids, _max_updated
from .cursor import JIRA_CURSOR, Metadata, Run
from .histories import truncated
from .normalise import embedded_histories, merge_histories
from .normalise_dc import epic_keys, with_parent_ids
from .normalise_links import LinkTypeBook

LOG = logging.getLogger(__name__)

Raw = Mapping[str, Any]
KEYS_PER_QUERY = 100  # Epic Link keys resolved per `key in (...)` search


class JiraDataCenterConnector(JiraCloudConnector):
    """Fetches one Jira Data Center or Server site (the `Connector` protocol); constructing it does no I/O."""

    def __init__(self, settings: SourceSettings, *, client: JiraDataCenterClient | None = None) -> None:
        super().__init__(settings, client=client if client is not None else JiraDataCenterClient(settings))
        self._ids_by_key: dict[str, str] = {}
        self._unknown_keys: set[str] = set()

    def fetch(self, cursor: Mapping[str, Any], *, full: bool, now: datetime) -> Iterator[Page]:
        state = JIRA_CURSOR.load(cursor)
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        self._client.connect()
        self._ids_by_key, self._unknown_keys = {}, set()
        metadata, first = self._metadata(state.metadata, now)
        projects = self._projects_to_sync(metadata)
        watermark = None if full else state.watermark
        run = (None if full else Run.resume(state.checkpoint, projects, "offset")) or Run(
            self._jql(projects, watermark), "offset"
        )
        if run.resumed:
            LOG.info("%s: resuming an interrupted run at offset %d", self._settings.name, run.start_at)
        book = LinkTypeBook.of(metadata.link_types, self._settings.blocking_link_types)
        # A run from the very beginning sees every issue: its ids are the census, for free.
        whole = watermark is None and not run.resumed and self._settings.since is None
        seen_keys: dict[str, str] = {}
        for issues, last in self._pages(run, jql.search_fields(metadata.fields.ids())):
            batch = self._normalise(issues, metadata, book)
            batch.extend(first)
            first = Batch()
            batch.quarantined += self._junk
            self._junk = []
            if whole:
                seen_keys.update((i.issue_id, i.key) for i in batch.issues)
                seen_keys.update((q.native_id, "") for q in batch.quarantined if q.kind == "jira_issue")
            census = seen_keys if whole else None
            out = self._cursor(state, run, metadata, projects, batch, census, last=last, full=full, now=now)
            yield Page(batch, out, seen=run.seen, check_ids=tuple(i.issue_id for i in batch.issues))
        LOG.info("%s: %d issues read, %d requests", self._settings.name, run.seen, self.requests)

    def check(self, *, now: datetime) -> SourceCheck:
        """What `orgpulse doctor` shows; as on Cloud, with the deployment and the kind of credential."""
        found = super().check(now=now)
        deployment = "Server" if self._client.deployment_type == "Server" else "Data Center"
        credential = "personal access token" if self._settings.auth == "bearer" else "basic auth"
        version = ".".join(str(v) for v in self._client.version)
        return replace(found, server=f"Jira {deployment} {version}", account=f"accepted ({credential})")

    def _cursor(
        self,
        state: State[int, Metadata],
        run: Run,
        metadata: Metadata,
        projects: Sequence[str],
        batch: Batch,
        seen_keys: dict[str, str] | None,
        *,
        last: bool,
        full: bool,
        now: datetime,
    ) -> dict[str, Any]:
        """The cursor to commit with a page: a checkpoint mid-run; the moved watermark at its end."""
        if not last:
            return JIRA_CURSOR.dump(state.watermark, metadata, run.checkpoint(projects), state.census_at)
        moved = next_watermark(
            state.watermark, lagged_ms(run.max_updated_ms, self._settings.overlap_minutes), full=full
        )
        census_at = state.census_at
        if seen_keys is not None or state.census_due(now, self._settings.census_days):
            keys = seen_keys if seen_keys is not None else self._census(projects)
            batch.census = Census(tuple(projects), dict(keys))
            census_at = now
        return JIRA_CURSOR.dump(moved, metadata, None, census_at)

    def _pages(self, run: Run, fields: Sequence[str]) -> Iterator[tuple[list[Raw], bool]]:
        """The run's search pages, with their whole histories: (issues, is the run's last page)."""
        size = self._settings.page_size
        # The checkpoint's offset counts what was received and found new, never what the server
        # says: a server ignoring startAt (and echoing it) repeats its first page, which the guard
        # refuses before it is committed, so the checkpoint never skips what was not read.
        guard = PageGuard("the issue search", source=self._settings.name)
        while True:
            body = jql_dc.search_body(run.jql, fields, start_at=run.start_at, page_size=size)
            issues, total, echoed = self._offset_page(self._client.post(jql_dc.SEARCH, body), run.start_at)
            last = not issues or run.start_at + len(issues) >= total
            guard.advance(None if last else run.start_at + len(issues), _ids(issues))
            run.resumed = False
            run.seen += len(issues)
            run.start_at += len(issues)
            run.max_updated_ms = _max_updated(run.max_updated_ms, issues)
            size = min(size, echoed) if echoed > 0 else size
            yield issues, last
            if last:
                return

    def _search_all(self, query: str, fields: Sequence[str], page_size: int) -> Iterator[list[Raw]]:
        """Every page of a search without changelog (census, key lookups), offset by what came."""
        start, size = 0, page_size
        guard = PageGuard("a search", source=self._settings.name)
        while True:
            body = jql_dc.search_body(query, fields, start_at=start, page_size=size, changelog=False)
            issues, total, echoed = self._offset_page(self._client.post(jql_dc.SEARCH, body), start)
            last = not issues or start + len(issues) >= total
            guard.advance(None if last else start + len(issues), _ids(issues))
            yield issues
            start += len(issues)
            size = min(size, echoed) if echoed > 0 else size
            if last:
                return

    def _offset_page(self, doc: object, asked: int) -> tuple[list[Raw], int, int]:
        """(issues, total, the maxResults the server used) of one `/search` answer at offset `asked`."""
        issues = doc.get("issues") if isinstance(doc, Mapping) else None
        total = doc.get("total") if isinstance(doc, Mapping) else None
        if not isinstance(doc, Mapping) or not isinstance(issues, list) or not isinstance(total, int):
            raise ProtocolError("/search must answer {total, issues: [...]}", source=self._settings.name)
        start = doc.get("startAt")
        if isinstance(start, int) and not isinstance(start, bool) and start != asked:
            raise PaginationError(
                f"/search answered the page at offset {start} when asked for offset {asked}",
                source=self._settings.name,
            )
        echoed = doc.get("maxResults")
        found, junk = split_entries(issues, kind="jira_search_entry", where="/search issues[]")
        self._junk += junk
        return found, total, echoed if isinstance(echoed, int) and not isinstance(echoed, bool) else 0

    def _census(self, projects: Sequence[str]) -> dict[str, str]:
        """Every issue id and key the projects hold now, from `fields=key` pages."""
        keys: dict[str, str] = {}
        query = jql.search_jql(projects, updated_from_ms=None, created_from=None)
        for issues in self._search_all(query, jql_dc.CENSUS_FIELDS, jql_dc.CENSUS_PAGE):
            keys.update((str(i["id"]), str(i.get("key") or "")) for i in issues if i.get("id") is not None)
        LOG.info("%s: census: %d issues in %s", self._settings.name, len(keys), ", ".join(projects))
        return keys

    def _fetch_histories(self, by_id: Mapping[str, Raw]) -> dict[str, list[Raw]]:
        """The embedded (whole) histories; an issue whose embed came short is read once alone."""
        found = {issue_id: embedded_histories(raw) for issue_id, raw in by_id.items()}
        for issue_id, raw in by_id.items():
            if not truncated(raw):
                continue
            try:
                doc = self._client.get(jql_dc.issue_path(issue_id), jql_dc.issue_history_params())
            except HTTPStatusError as exc:
                if exc.status != 404:
                    raise
                LOG.warning("issue %s vanished before its history was read", issue_id)
                continue
            if isinstance(doc, Mapping):
                found[issue_id] = merge_histories(embedded_histories(doc), found[issue_id])
        return found

    def _normalise(self, issues: Sequence[Raw], metadata: Metadata, book: LinkTypeBook) -> Batch:
        """As on Cloud, then the epics named by key (Epic Link) given their ids."""
        batch = super()._normalise(issues, metadata, book)
        self._ids_by_key.update((i.key, i.issue_id) for i in batch.issues)
        for link in batch.links:
            for key, issue_id in (
                (link.from_issue_key, link.from_issue_id),
                (link.to_issue_key, link.to_issue_id),
            ):
                if issue_id:
                    self._ids_by_key.setdefault(key, issue_id)
        missing = sorted(epic_keys(batch.issues) - self._ids_by_key.keys() - self._unknown_keys)
        if missing:
            self._ids_by_key.update(self._fetch_ids(missing))
            self._unknown_keys.update(k for k in missing if k not in self._ids_by_key)
        batch.issues = with_parent_ids(batch.issues, self._ids_by_key)
        return batch

    def _fetch_ids(self, keys: Sequence[str]) -> dict[str, str]:
        """Issue ids by key; a key Jira does not know (400 on the JQL) is looked up alone, or skipped."""
        found: dict[str, str] = {}
        for chunk in jql.chunks(keys, KEYS_PER_QUERY):
            try:
                for issues in self._search_all(jql_dc.keys_jql(chunk), jql_dc.CENSUS_FIELDS, len(chunk)):
                    found.update(
                        (str(i["key"]), str(i["id"])) for i in issues if i.get("id") and i.get("key")
                    )
            except HTTPStatusError as exc:
                if exc.status != 400:
                    raise
                found.update(self._fetch_ids_alone(chunk))
        return found

    def _fetch_ids_alone(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for key in keys:
            try:
                doc = self._client.get(jql_dc.issue_path(key), {"fields": "key"})
            except HTTPStatusError as exc:
                if exc.status not in (400, 404):
                    raise
                continue
            if isinstance(doc, Mapping) and doc.get("id"):
                found[key] = str(doc["id"])
        return found

    def _fetch_projects(self) -> list[str]:
        """`GET /project`: every project the account can browse (DC has no paged project search)."""
        doc = self._client.get(jql_dc.PROJECTS)
        if not isinstance(doc, list):
            raise ProtocolError("/project must answer an array", source=self._settings.name)
        return [str(p["key"]) for p in doc if isinstance(p, Mapping) and p.get("key")]
