"""The Jira connector: pages of canonical records with complete histories, for Cloud and Data Center.

One connector, two strategies, differing only where the deployments' APIs do (JIRA-NOTES §2):
the client (REST v3 or v2), the search's paging (`CloudSearch`: token paging grouped into units
of work for the bulk changelog, in `cloud.py`; `DataCenterSearch`: offset paging with whole
histories embedded, in `datacenter.py`), how truncated histories are completed, how projects
are listed, and what `orgpulse doctor` says of the server.

What they share lives here: a run opens the session, loads the site's metadata unless the
cursor's copy is fresh (fields, statuses, link types, workflows, and the project keys when none
are configured), pages the search from the watermark or the checkpoint, normalises each unit
and yields it as one `Page` committed with its cursor (`cursor.py`): a checkpoint while the run
goes on, the moved watermark at its end, with the census when it is due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from orgpulse.config import SourceSettings
from orgpulse.connector import Page, SourceCheck
from orgpulse.errors import AuthError, ProtocolError, SchemaDriftError
from orgpulse.model import Batch, Census, Link, LinkKind, Quarantined, Status, WorkflowStatus

from ..kit.http import HTTPStatusError
from ..kit.incremental import lagged_ms, next_watermark
from ..kit.records import Raw, dedupe
from ..kit.units import unit_pages
from . import jql
from .client import JiraClient
from .cursor import JIRA_CURSOR, Metadata, Paging, Run, link_type_doc
from .normalise import dedupe_people, normalise_issue
from .normalise_dc import BotRules
from .normalise_links import LinkTypeBook
from .normalise_meta import find_custom_fields, normalise_statuses, parse_jira_datetime, to_epoch_ms
from .pages import Spans

LOG = logging.getLogger(__name__)

# The store's settled `updated` of some issues (by id): what an incremental run need not read again.
KnownUpdates = Callable[[Sequence[str]], Mapping[str, datetime]]


class SearchStrategy(Protocol):
    """What differs between Jira Cloud and Jira Data Center / Server, behind one connector."""

    paging: Paging
    junk: list[Quarantined]  # non-object search entries, quarantined with the next page
    spans: Spans | None  # the history entries' JSON text, for raw records (pages decoded by shape)

    @property
    def client(self) -> JiraClient:
        """The deployment's transport (REST v3 on Cloud, v2 on DC)."""

    def begin(self) -> None:
        """Forget what the previous run learnt (a new run starts)."""

    def forget_unit(self) -> None:
        """Forget what was kept for the unit just normalised (its entries' text in `spans`)."""

    def search(
        self,
        run: Run,
        fields: Sequence[str],
        restart: Callable[[], str],
        known: KnownUpdates | None = None,
    ) -> Iterator[tuple[list[Raw], bool]]:
        """The run's issues in units of work: (issues, is the run's last unit).

        `restart` gives the JQL a run starts again with when its checkpoint is refused; `known`
        (an incremental run's reader of the store's settled `updated`) lets a strategy leave
        unchanged issues unread.
        """

    def census(self, projects: Sequence[str]) -> dict[str, str]:
        """Every issue id and key the projects hold now."""

    def fetch_histories(self, by_id: Mapping[str, Raw]) -> dict[str, list[Raw]]:
        """Every issue's complete histories (by id)."""

    def fetch_projects(self) -> list[str]:
        """Every project key the account can browse."""

    def complete(self, batch: Batch) -> Batch:
        """A normalised unit finished with what the deployment needs (DC: epics named by key)."""

    def describe(self, me: object) -> tuple[str, str]:
        """The server and the account, as `orgpulse doctor` shows them."""


class JiraConnector:
    """Fetches one Jira site (the `Connector` protocol) through its strategy; no I/O on construction."""

    def __init__(self, settings: SourceSettings, strategy: SearchStrategy) -> None:
        self._settings = settings
        self.strategy = strategy
        self._client = strategy.client
        self.missing_scopes: tuple[str, ...] = ()  # configured projects not found (last fetch)
        # The store's settled `updated` of some issues (the runner sets it): an incremental run
        # does not read again what the overlap window re-lists unchanged.
        self.known_updates: KnownUpdates | None = None

    @property
    def requests(self) -> int:
        count: int = self._client.requests
        return count

    def close(self) -> None:
        self._client.close()

    def fetch(self, cursor: Mapping[str, Any], *, full: bool, now: datetime) -> Iterator[Page]:
        state = JIRA_CURSOR.load(cursor)
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        self._client.connect()
        self.strategy.begin()
        metadata, first = self._metadata(state.metadata, now)
        projects = self._projects_to_sync(metadata)
        watermark = None if full else state.watermark
        paging = self.strategy.paging
        run = (None if full else Run.resume(state.checkpoint, projects, paging)) or Run(
            self._jql(projects, watermark), paging
        )
        if run.resumed:
            LOG.info("%s: resuming an interrupted run after %d issues", self._settings.name, run.seen)
        book = LinkTypeBook.of(metadata.link_types, self._settings.blocking_link_types)
        # A run from the very beginning (no watermark, no checkpoint, no `since`) sees every issue:
        # its ids are the census, for free. Otherwise the census lists ids on its own period.
        whole = watermark is None and not run.resumed and self._settings.since is None
        seen_keys: dict[str, str] = {}

        def commit(batch: Batch, last: bool) -> dict[str, Any]:
            """A checkpoint while the run goes on; at its end the moved watermark, and the census when due."""
            if whole:
                seen_keys.update((i.issue_id, i.key) for i in batch.issues)
                seen_keys.update((q.native_id, "") for q in batch.quarantined if q.kind == "jira_issue")
            if not last:
                return JIRA_CURSOR.dump(state.watermark, metadata, run.checkpoint(projects), state.census_at)
            moved = next_watermark(
                state.watermark, lagged_ms(run.max_updated_ms, self._settings.overlap_minutes), full=full
            )
            census_at = state.census_at
            if whole or state.census_due(now, self._settings.census_days):
                keys = seen_keys if whole else self.strategy.census(projects)
                batch.census = Census(tuple(projects), dict(keys))
                census_at = now
            return JIRA_CURSOR.dump(moved, metadata, None, census_at)

        fields = jql.search_fields(metadata.fields.ids())
        settled = self.known_updates if watermark is not None else None
        units = self.strategy.search(run, fields, lambda: self._jql(projects, watermark), settled)
        yield from unit_pages(units, lambda issues: self._normalise(issues, metadata, book, settled), commit,
                              first=first, junk=self._take_junk, seen=lambda: run.seen)  # fmt: skip
        LOG.info("%s: %d issues read, %d requests", self._settings.name, run.seen, self.requests)

    def check(self, *, now: datetime) -> SourceCheck:
        """What `orgpulse doctor` shows: the server, the account, projects, custom fields, statuses."""
        self._client.connect()
        server, account = self.strategy.describe(self._client.get("myself"))
        metadata, first = self._metadata(None, now)
        visible = (
            set(metadata.projects or ())
            if not self._settings.projects
            else set(self.strategy.fetch_projects())
        )
        wanted = list(self._settings.projects) or sorted(visible)
        book = LinkTypeBook.of(metadata.link_types, self._settings.blocking_link_types)
        blocking = tuple(sorted(i.name for i in book.types.values() if i.kind == LinkKind.BLOCKS))
        return SourceCheck(
            server=server,
            account=account,
            projects=tuple(p for p in wanted if p in visible),
            missing_projects=tuple(p for p in wanted if p not in visible),
            fields={
                "Sprint": metadata.fields.sprint,
                "Flagged": metadata.fields.flagged,
                "Epic Link": metadata.fields.epic_link,
                "Team": metadata.fields.team,
            },
            statuses=tuple(first.statuses),
            blocking_link_types=blocking,
            requests=self.requests,
        )

    def _take_junk(self) -> list[Quarantined]:
        junk, self.strategy.junk = self.strategy.junk, []
        return junk

    def _projects_to_sync(self, metadata: Metadata) -> list[str]:
        """The configured projects the account can see, else every one it can browse.

        A configured project that does not exist or is not visible is left out and named in
        `missing_scopes` (the runner reports it; the others sync). None visible is an auth problem.
        """
        configured = list(self._settings.projects)
        visible = list(metadata.projects or ())
        projects = (
            [p for p in configured if p in visible]
            if configured and metadata.projects is not None
            else (configured or visible)
        )
        self.missing_scopes = tuple(p for p in configured if p not in projects)
        if not projects:
            wanted = f"the projects {', '.join(configured)}" if configured else "any Jira project"
            raise AuthError(
                f"the account cannot see {wanted}: check the keys, or grant it Browse projects",
                source=self._settings.name,
            )
        return projects

    def _jql(self, projects: Sequence[str], watermark: int | None) -> str:
        since = self._settings.since if watermark is None else None
        query: str = jql.search_jql(projects, updated_from_ms=watermark, created_from=since)
        return query

    def _normalise(
        self,
        issues: Sequence[Raw],
        metadata: Metadata,
        book: LinkTypeBook,
        settled: KnownUpdates | None = None,
    ) -> Batch:
        """One unit: complete the truncated histories, normalise, and count what stays incomplete.

        With `settled` (an incremental run), issues whose `updated` equals the store's are left
        out: the overlap window lists them again, but nothing of theirs changed.
        """
        by_id = {str(i.get("id")): i for i in issues}
        if settled is not None and by_id:
            by_id = changed_only(by_id, settled(list(by_id)))
        histories = self.strategy.fetch_histories(by_id)
        batch = Batch()
        bots = BotRules.of(self._settings.bot_accounts, self._settings.bot_patterns)
        try:
            for issue_id, raw in by_id.items():
                batch.extend(
                    normalise_issue(
                        raw,
                        histories[issue_id],
                        fields=metadata.fields,
                        links=book,
                        known_statuses=metadata.status_ids,
                        keep_raw=self._settings.keep_raw,
                        bots=bots,
                        spans=self.strategy.spans,
                    )
                )
        finally:
            self.strategy.forget_unit()
        incomplete = sorted(i for i, done in batch.history_complete.items() if not done)
        if incomplete:
            LOG.warning("%s: %d issues keep an incomplete history (%s...)", self._settings.name,
                        len(incomplete), ", ".join(incomplete[:5]))  # fmt: skip
        batch.people = dedupe_people(batch.people)
        batch.links = dedupe_links(batch.links)
        batch.statuses = dedupe_statuses(batch.statuses)
        return self.strategy.complete(batch)

    def _metadata(self, cached: Metadata | None, now: datetime) -> tuple[Metadata, Batch]:
        """The cursor's metadata while fresh, else a new fetch whose statuses go to the first page."""
        need_projects = not self._settings.projects
        if cached is not None and cached.fresh(
            now, self._settings.metadata_ttl_hours, need_projects=need_projects
        ):
            return cached, Batch()
        field_doc = self._client.get(jql.FIELDS)
        status_doc = self._client.get(jql.STATUSES)
        type_doc = self._client.get(jql.LINK_TYPES)
        types = type_doc.get("issueLinkTypes") if isinstance(type_doc, Mapping) else None
        if not isinstance(field_doc, list) or not isinstance(status_doc, list) or not isinstance(types, list):
            raise ProtocolError(
                "/field and /status must answer arrays, /issueLinkType {issueLinkTypes: [...]}",
                source=self._settings.name,
            )
        statuses, quarantined = normalise_statuses(status_doc)
        metadata = Metadata(
            fetched_at=now,
            fields=find_custom_fields(f for f in field_doc if isinstance(f, Mapping)),
            link_types=tuple(link_type_doc(t) for t in types if isinstance(t, Mapping)),
            status_ids=frozenset(s.status_id for s in statuses),
            projects=tuple(self.strategy.fetch_projects()) if need_projects else None,
        )
        wanted = list(self._settings.projects) or list(metadata.projects or ())
        workflows, gone = self._fetch_workflows(wanted)
        if self._settings.projects:
            # Configured projects: the cached list holds those that exist and are visible.
            metadata = replace(metadata, projects=tuple(p for p in wanted if p not in gone))
        LOG.info("%s: metadata: %d statuses, %d link types, custom fields %s", self._settings.name,
                 len(statuses), len(metadata.link_types), metadata.fields.to_json())  # fmt: skip
        return metadata, Batch(statuses=statuses, quarantined=quarantined, workflow_statuses=workflows)

    def _fetch_workflows(self, projects: Sequence[str]) -> tuple[list[WorkflowStatus], set[str]]:
        """The statuses each project's workflows define (used or not), for the workflow-size metrics,
        and the projects that do not exist or are not visible (404)."""
        found: list[WorkflowStatus] = []
        gone: set[str] = set()
        for key in projects:
            try:
                doc = self._client.get(jql.project_statuses_path(key))
            except HTTPStatusError as exc:
                if exc.status != 404:
                    raise
                LOG.warning("%s: project %s does not exist or is not visible", self._settings.name, key)
                gone.add(key)
                continue
            if not isinstance(doc, list):
                raise ProtocolError(
                    f"/project/{key}/statuses must answer an array", source=self._settings.name
                )
            ids = {
                str(status["id"])
                for issue_type in doc
                if isinstance(issue_type, Mapping)
                for status in issue_type.get("statuses") or ()
                if isinstance(status, Mapping) and status.get("id") is not None
            }
            found += [WorkflowStatus(key, status_id) for status_id in sorted(ids)]
        return found, gone


def entry_ids(issues: Sequence[Raw]) -> list[str]:
    """What tells one search entry from another, for the page guard: its id, else its whole text."""
    return [str(i.get("id")) if i.get("id") is not None else repr(sorted(i.items())) for i in issues]


def changed_only(by_id: Mapping[str, Raw], stored: Mapping[str, datetime]) -> dict[str, Raw]:
    """The issues whose `updated` differs from the stored one (or is unreadable, or not stored)."""
    changed: dict[str, Raw] = {}
    for issue_id, raw in by_id.items():
        known = stored.get(issue_id)
        doc = raw.get("fields")
        try:
            same = known is not None and known == parse_jira_datetime(
                doc.get("updated") if isinstance(doc, Mapping) else None
            )
        except SchemaDriftError:
            same = False  # the normaliser quarantines it
        if not same:
            changed[issue_id] = raw
    return changed


def max_updated(current: int | None, issues: Sequence[Raw]) -> int | None:
    """The largest `updated` (epoch ms) among `current` and the issues' (unreadable ones skipped)."""
    for raw in issues:
        doc = raw.get("fields")
        try:
            updated = to_epoch_ms(
                parse_jira_datetime(doc.get("updated") if isinstance(doc, Mapping) else None)
            )
        except SchemaDriftError:
            continue  # the normaliser quarantines the issue
        current = updated if current is None else max(current, updated)
    return current


def dedupe_links(links: Sequence[Link]) -> list[Link]:
    """One Link per id (both ends of a link can sit in one unit), with the earliest known creation."""
    return dedupe(links, lambda link: link.link_id, _created_earlier)


def dedupe_statuses(statuses: Sequence[Status]) -> list[Status]:
    """One Status per id, preferring one whose category is known."""
    return dedupe(
        statuses, lambda s: s.status_id, lambda new, kept: new.category_known and not kept.category_known
    )


def _created_earlier(new: Link, kept: Link) -> bool:
    return new.created_at is not None and (kept.created_at is None or new.created_at < kept.created_at)
