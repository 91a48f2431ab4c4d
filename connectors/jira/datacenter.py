"""Jira Data Center / Server's strategy for the Jira connector (`connector.py`): offset paging,
whole histories embedded.

The connector, its metadata, cursor, normalisers and `orgpulse doctor` are shared with Cloud;
this strategy holds where DC's REST API v2 differs (JIRA-NOTES §2):

* `POST /rest/api/2/search` pages by `startAt`; the server caps `maxResults` and echoes the
  size it used, so the next offset is the previous plus the issues received, and the run ends on
  an empty page or once the offset reaches `total` (`kit.pagers.OffsetPager`). Each search page
  is one unit, committed with a checkpoint of the JQL and the next offset.
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
from collections.abc import Callable, Iterator, Mapping, Sequence

from orgpulse.config import SourceSettings
from orgpulse.errors import ProtocolError
from orgpulse.model import Batch, Quarantined

from ..kit.http import HTTPStatusError
from ..kit.pagers import OffsetPager
from ..kit.paging import split_entries
from ..kit.records import Raw, chunks
from . import jql, jql_dc
from .changelog import embedded_histories, merge_histories
from .client_dc import JiraDataCenterClient
from .connector import JiraConnector, KnownUpdates, entry_ids, max_updated
from .cursor import Paging, Run
from .histories import truncated
from .normalise_dc import epic_keys, with_parent_ids
from .pages import Spans

LOG = logging.getLogger(__name__)

KEYS_PER_QUERY = 100  # Epic Link keys resolved per `key in (...)` search


def jira_dc_connector(
    settings: SourceSettings, *, client: JiraDataCenterClient | None = None
) -> JiraConnector:
    """The Jira connector for one Jira Data Center or Server site; constructing it does no I/O."""
    found = client if client is not None else JiraDataCenterClient(settings)
    return JiraConnector(settings, DataCenterSearch(settings, found))


class DataCenterSearch:
    """Jira Data Center / Server: what the connector does differently there (`SearchStrategy`)."""

    paging: Paging = "offset"

    def __init__(self, settings: SourceSettings, client: JiraDataCenterClient) -> None:
        self._settings = settings
        self.client = client
        self.junk: list[Quarantined] = []
        self._ids_by_key: dict[str, str] = {}
        self._unknown_keys: set[str] = set()
        self.spans: Spans | None = None  # DC pages are decoded whole

    def begin(self) -> None:
        self.junk, self._ids_by_key, self._unknown_keys = [], {}, set()

    def forget_unit(self) -> None:
        return None

    def search(
        self,
        run: Run,
        fields: Sequence[str],
        restart: Callable[[], str],
        known: KnownUpdates | None = None,
    ) -> Iterator[tuple[list[Raw], bool]]:
        """The run's search pages, with their whole histories: (issues, is the run's last page).

        `known` is not used: DC pages its window whole in one pass (the connector still leaves
        what did not change unwritten).

        The checkpoint's offset counts what was received and found new, never what the server
        says: a server ignoring startAt (and echoing it) repeats its first page, which the pager
        refuses before it is committed, so the checkpoint never skips what was not read.
        """
        pager = OffsetPager("the issue search", size=self._settings.page_size, source=self._settings.name,
                            start=run.start_at)  # fmt: skip
        while True:
            body = jql_dc.search_body(run.jql, fields, start_at=pager.start, page_size=pager.size)
            issues, total, echoed = self._offset_page(self.client.post(jql_dc.SEARCH, body), pager)
            more = pager.advance(entry_ids(issues), len(issues), total=total, echoed_size=echoed)
            run.resumed = False
            run.seen += len(issues)
            run.start_at = pager.start
            run.max_updated_ms = max_updated(run.max_updated_ms, issues)
            yield issues, not more
            if not more:
                return

    def census(self, projects: Sequence[str]) -> dict[str, str]:
        """Every issue id and key the projects hold now, from `fields=key` pages."""
        keys: dict[str, str] = {}
        query = jql.search_jql(projects, updated_from_ms=None, created_from=None)
        for issues in self._search_all(query, jql_dc.CENSUS_FIELDS, jql_dc.CENSUS_PAGE):
            keys.update((str(i["id"]), str(i.get("key") or "")) for i in issues if i.get("id") is not None)
        LOG.info("%s: census: %d issues in %s", self._settings.name, len(keys), ", ".join(projects))
        return keys

    def fetch_histories(self, by_id: Mapping[str, Raw]) -> dict[str, list[Raw]]:
        """The embedded (whole) histories; an issue whose embed came short is read once alone."""
        found = {issue_id: embedded_histories(raw) for issue_id, raw in by_id.items()}
        for issue_id, raw in by_id.items():
            if not truncated(raw):
                continue
            try:
                doc = self.client.get(jql_dc.issue_path(issue_id), jql_dc.issue_history_params())
            except HTTPStatusError as exc:
                if exc.status != 404:
                    raise
                LOG.warning("issue %s vanished before its history was read", issue_id)
                continue
            if isinstance(doc, Mapping):
                found[issue_id] = merge_histories(embedded_histories(doc), found[issue_id])
        return found

    def fetch_projects(self) -> list[str]:
        """`GET /project`: every project the account can browse (DC has no paged project search)."""
        doc = self.client.get(jql_dc.PROJECTS)
        if not isinstance(doc, list):
            raise ProtocolError("/project must answer an array", source=self._settings.name)
        return [str(p["key"]) for p in doc if isinstance(p, Mapping) and p.get("key")]

    def complete(self, batch: Batch) -> Batch:
        """The epics named by key (Epic Link) given their ids."""
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

    def describe(self, me: object) -> tuple[str, str]:
        deployment = "Server" if self.client.deployment_type == "Server" else "Data Center"
        credential = "personal access token" if self._settings.auth == "bearer" else "basic auth"
        version = ".".join(str(v) for v in self.client.version)
        return f"Jira {deployment} {version}", f"accepted ({credential})"

    def _search_all(self, query: str, fields: Sequence[str], page_size: int) -> Iterator[list[Raw]]:
        """Every page of a search without changelog (census, key lookups), offset by what came."""
        pager = OffsetPager("a search", size=page_size, source=self._settings.name)
        while True:
            body = jql_dc.search_body(
                query, fields, start_at=pager.start, page_size=pager.size, changelog=False
            )
            issues, total, echoed = self._offset_page(self.client.post(jql_dc.SEARCH, body), pager)
            more = pager.advance(entry_ids(issues), len(issues), total=total, echoed_size=echoed)
            yield issues
            if not more:
                return

    def _offset_page(self, doc: object, pager: OffsetPager) -> tuple[list[Raw], int, object]:
        """(issues, total, the maxResults the server used) of one `/search` answer at the pager's offset."""
        issues = doc.get("issues") if isinstance(doc, Mapping) else None
        total = doc.get("total") if isinstance(doc, Mapping) else None
        if not isinstance(doc, Mapping) or not isinstance(issues, list) or not isinstance(total, int):
            raise ProtocolError("/search must answer {total, issues: [...]}", source=self._settings.name)
        pager.check_offset(doc.get("startAt"), "/search")
        found, junk = split_entries(issues, kind="jira_search_entry", where="/search issues[]")
        self.junk += junk
        return found, total, doc.get("maxResults")

    def _fetch_ids(self, keys: Sequence[str]) -> dict[str, str]:
        """Issue ids by key; a key Jira does not know (400 on the JQL) is looked up alone, or skipped."""
        found: dict[str, str] = {}
        for chunk in chunks(keys, KEYS_PER_QUERY):
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
                doc = self.client.get(jql_dc.issue_path(key), {"fields": "key"})
            except HTTPStatusError as exc:
                if exc.status not in (400, 404):
                    raise
                continue
            if isinstance(doc, Mapping) and doc.get("id"):
                found[key] = str(doc["id"])
        return found
