"""Jira Cloud's strategy for the Jira connector (`connector.py`): token paging, histories in bulk.

* `POST /rest/api/3/search/jql` pages by `nextPageToken` in created order. Search pages are
  grouped into units of work, so that one bulk changelog call serves many pages; a unit closes
  at UNIT_MAX_ISSUES issues or once its truncated histories would fill a bulk request. A
  checkpoint's token the server refuses (400) restarts the run from the watermark.
* The embedded changelog is capped and newest-first: truncated histories are completed from
  `/changelog/bulkfetch`, then `/issue/{id}/changelog` (`histories.py`).
* The census lists ids with `fields=key` pages of up to 5000; projects come from the paged
  `/project/search`.
* An incremental run with the store at hand (`known`) lists its window first with pages of
  `updated` alone, as large as the server grants (it asks 5000), and reads whole, by
  `id in (...)` pages of the full size, only the issues whose `updated` differs from the stored
  one: re-listing the overlap window of a busy site costs one light page instead of one full page
  per 100 issues. A full run (nothing stored) has nothing to skip and pays no listing. When the
  server grants a listing page no larger than a full one, the listing cannot save anything and
  the run reads its window whole as a full run does (one request lost), and so does a window of
  more than LISTING_MAX_ISSUES (mostly changed: a few light pages lost). A listed run commits no
  position: the listing's pages are not the fetch's, and an interrupted run starts again from
  the watermark, listing again and skipping what it already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence

from orgpulse.config import SourceSettings
from orgpulse.errors import ProtocolError
from orgpulse.model import Batch, Quarantined

from ..kit.http import HTTPStatusError
from ..kit.pagers import OffsetPager, TokenPager
from ..kit.paging import split_entries
from ..kit.records import Raw
from . import jql
from .client import JiraClient
from .connector import JiraConnector, KnownUpdates, changed_only, entry_ids, max_updated
from .cursor import Paging, Run
from .histories import fetch_histories, truncated
from .pages import Embeds, Spans, decode_search_page

LOG = logging.getLogger(__name__)

# A unit of work closes once this many issues, or this many truncated histories, are pending:
# the bulk changelog then serves up to 1000 issues a call and 10000 histories a page.
UNIT_MAX_ISSUES = 2000
UNIT_MAX_TRUNCATED = jql.BULK_MAX_IDS
# A window listing more issues is read whole instead: it is one whose last run is long past, so
# most of it changed and the listing would save little for what it holds in memory.
LISTING_MAX_ISSUES = 50_000


def jira_cloud_connector(settings: SourceSettings, *, client: JiraClient | None = None) -> JiraConnector:
    """The Jira connector for one Jira Cloud site; constructing it does no I/O."""
    return JiraConnector(
        settings, CloudSearch(settings, client if client is not None else JiraClient(settings))
    )


class CloudSearch:
    """Jira Cloud: what the connector does differently there (the `SearchStrategy` protocol)."""

    paging: Paging = "token"

    def __init__(self, settings: SourceSettings, client: JiraClient) -> None:
        self._settings = settings
        self.client = client
        self.junk: list[Quarantined] = []
        self.spans: Spans | None = Spans() if settings.keep_raw else None
        self.embeds = Embeds()  # the cut embeds of the unit's issues, undecoded

    def begin(self) -> None:
        self.junk = []
        self.forget_unit()

    def forget_unit(self) -> None:
        self.embeds.clear()
        if self.spans is not None:
            self.spans.clear()

    def search(
        self,
        run: Run,
        fields: Sequence[str],
        restart: Callable[[], str],
        known: KnownUpdates | None = None,
    ) -> Iterator[tuple[list[Raw], bool]]:
        """Search pages grouped into units of work: (issues, is the run's last unit).

        With `known` (the store's settled `updated` of some issues: an incremental run), a run
        not resumed from a checkpoint lists its window first and reads only what changed.
        """
        if known is not None and not run.resumed:
            listed = self._list_window(run)
            if listed is not None:
                yield from self._changed_units(run, fields, listed, known)
                return
        yield from self._whole_units(run, fields, restart)

    def _list_window(self, run: Run) -> list[Raw] | None:
        """The run's window as `{id, fields: {updated}}` entries, from the largest pages granted;
        None when a page came no larger than a full one (the listing saves nothing there), the
        window is too large to be worth listing, or a page held an entry that cannot be read again
        by id."""
        listed: list[Raw] = []
        junk = len(self.junk)  # what the listing quarantines is quarantined again if it gives up
        pages = self._pages(run.jql, jql.LISTING_FIELDS, size=jql.LISTING_PAGE, what="the window listing")
        for issues, more in pages:
            listed += issues
            readable = all(str(i.get("id", "")).isdigit() for i in issues)  # else the normaliser says
            small = len(issues) <= self._settings.page_size
            if not readable or (more and (small or len(listed) >= LISTING_MAX_ISSUES)):
                LOG.info("%s: the window is read whole (a listing page of %d issues, %d listed)",
                         self._settings.name, len(issues), len(listed))  # fmt: skip
                del self.junk[junk:]
                return None
        return listed

    def _changed_units(
        self,
        run: Run,
        fields: Sequence[str],
        listed: list[Raw],
        known: KnownUpdates,
    ) -> Iterator[tuple[list[Raw], bool]]:
        """The listed issues that changed, read whole by id in units of work; the last unit
        (possibly empty) ends the run."""
        run.seen += len(listed)
        run.max_updated_ms = max_updated(run.max_updated_ms, listed)
        by_id = {str(i["id"]): i for i in listed}
        changed = list(changed_only(by_id, known(list(by_id))))
        LOG.info("%s: %d of the %d issues listed changed", self._settings.name, len(changed), len(listed))
        pending: list[Raw] = []
        short = 0  # how many pending issues have a truncated embedded changelog
        size = self._settings.page_size
        for start in range(0, len(changed), size):
            query = jql.narrowed_jql(run.jql, changed[start : start + size])
            for issues, _ in self._pages(query, fields, size=size, what="the changed issues", changelog=True):
                pending += issues
                short += sum(1 for i in issues if truncated(i))
            if self._unit_full(len(pending), short) and start + size < len(changed):
                yield pending, False
                pending, short = [], 0
        yield pending, True

    def _unit_full(self, issues: int, short: int) -> bool:
        """A unit closes at UNIT_MAX_ISSUES issues, or before another page's truncated histories
        could overflow one bulk changelog request."""
        return issues >= UNIT_MAX_ISSUES or short + self._settings.page_size > UNIT_MAX_TRUNCATED

    def _whole_units(
        self, run: Run, fields: Sequence[str], restart: Callable[[], str]
    ) -> Iterator[tuple[list[Raw], bool]]:
        """The window's full search pages grouped into units of work (the checkpoint's path)."""
        pending: list[Raw] = []
        short = 0  # how many pending issues have a truncated embedded changelog
        pager = TokenPager("the issue search", source=self._settings.name, token=run.token)
        while True:
            body = jql.search_body(run.jql, fields, page_size=self._settings.page_size, token=run.token)
            try:
                page = self.client.post(jql.SEARCH, body, decode=self._decode)
            except HTTPStatusError as exc:
                if not (run.resumed and exc.status == 400):
                    raise
                LOG.warning("%s: the checkpoint's page token was refused; restarting from the watermark",
                            self._settings.name)  # fmt: skip
                run.restart(restart())
                pending, short = [], 0
                pager = TokenPager("the issue search", source=self._settings.name)
                continue
            run.resumed = False
            issues, token, is_last = self._search_page(page)
            more = pager.advance(entry_ids(issues), token, is_last=is_last)
            pending += issues
            short += sum(1 for i in issues if truncated(i))
            run.seen += len(issues)
            run.max_updated_ms = max_updated(run.max_updated_ms, issues)
            run.token = token
            if not more or self._unit_full(len(pending), short):
                yield pending, not more
                pending, short = [], 0
            if not more:
                return

    def census(self, projects: Sequence[str]) -> dict[str, str]:
        """Every issue id and key the projects hold now: id-only search pages of up to 5000."""
        keys: dict[str, str] = {}
        query = jql.search_jql(projects, updated_from_ms=None, created_from=None)
        for issues, _ in self._pages(query, ["key"], size=jql.CENSUS_PAGE, what="the census"):
            keys.update(
                (str(i.get("id")), str(i.get("key") or "")) for i in issues if i.get("id") is not None
            )
        LOG.info("%s: census: %d issues in %s", self._settings.name, len(keys), ", ".join(projects))
        return keys

    def _pages(
        self, query: str, fields: Sequence[str], *, size: int, what: str, changelog: bool = False
    ) -> Iterator[tuple[list[Raw], bool]]:
        """The search pages of `query` from its first, by their tokens: (issues, more to come).
        With `changelog`, full pages decoded by shape (their text noted for the raw records)."""
        pager = TokenPager(what, source=self._settings.name)
        decode = self._decode if changelog else None
        while True:
            body = jql.search_body(query, fields, page_size=size, token=pager.token, changelog=changelog)
            issues, token, is_last = self._search_page(self.client.post(jql.SEARCH, body, decode=decode))
            more = pager.advance(entry_ids(issues), token, is_last=is_last)
            yield issues, more
            if not more:
                return

    def _decode(self, body: bytes) -> object:
        """A full search page, its text noted for the raw records, its cut embeds held (`pages`)."""
        return decode_search_page(body, self.spans, self.embeds)

    def fetch_histories(self, by_id: Mapping[str, Raw]) -> dict[str, list[Raw]]:
        """Every issue's complete histories (by id): Cloud completes the capped embeds in bulk."""
        return fetch_histories(self.client, by_id, self.spans, self.embeds)

    def fetch_projects(self) -> list[str]:
        """`/project/search`, page after page: every project the account can browse."""
        keys: list[str] = []
        pager = OffsetPager("the project list", source=self._settings.name)
        while True:
            doc = self.client.get(jql.PROJECTS, jql.project_params(pager.start))
            values = doc.get("values") if isinstance(doc, Mapping) else None
            if not isinstance(values, list):
                raise ProtocolError("/project/search must answer {values: [...]}", source=self._settings.name)
            found = [str(v["key"]) for v in values if isinstance(v, Mapping) and v.get("key")]
            keys += found
            if not pager.advance(
                found, len(values), total=doc.get("total"), is_last=doc.get("isLast") is True
            ):
                return keys

    def complete(self, batch: Batch) -> Batch:
        return batch

    def describe(self, me: object) -> tuple[str, str]:
        account = me.get("accountType") if isinstance(me, Mapping) else None
        version = ".".join(str(v) for v in self.client.version)
        return f"Jira Cloud {version}", f"accepted (accountType {account or 'unknown'})"

    def _search_page(self, doc: object) -> tuple[list[Raw], str | None, bool]:
        issues = doc.get("issues") if isinstance(doc, Mapping) else None
        if not isinstance(doc, Mapping) or not isinstance(issues, list):
            raise ProtocolError("/search/jql must answer {issues: [...]}", source=self._settings.name)
        token = doc.get("nextPageToken")  # absent (or null) on the last page
        found, junk = split_entries(issues, kind="jira_search_entry", where="/search/jql issues[]")
        self.junk += junk
        return found, (str(token) if token else None), doc.get("isLast") is True
