"""The Linear connector: pages of canonical records with complete histories, in few requests.

A run loads the workspace's metadata unless the cursor's copy is fresh (teams with their
memberships, workflow states, labels, users — disabled ones included), then pages `issues`
(archived ones included) of the chosen teams updated since the watermark, newest first. Each page
brings the first page of every issue's history, relations and inverse relations; list pages are
grouped into units of work so that one aliased follow-up request (`followups.py`) serves many
issues whose connections go on. Each unit is normalised and becomes one `Page` committed with its
cursor (`cursor.py`): a checkpoint while the run goes on, the moved watermark at its end.

Page sizes come from Linear's complexity formula (`complexity.py`): every query is priced before
it is sent and kept under `QUERY_BUDGET`, below the 10,000 points Linear refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any

from orgpulse.config import SourceSettings
from orgpulse.connector import Page, SourceCheck
from orgpulse.errors import AuthError, ProtocolError
from orgpulse.model import Batch, Quarantined

from ..kit.incremental import State, lagged, next_watermark
from ..kit.pagers import RelayPager
from ..kit.paging import split_entries
from ..kit.records import dedupe
from ..kit.units import unit_pages
from . import queries
from .client import LinearClient, QueryTooComplexError
from .complexity import estimate_complexity
from .cursor import LINEAR_CURSOR, Metadata, Run
from .followups import FollowUpPager, Payload
from .metadata import fetch_labels, fetch_metadata
from .normalise import normalise_issue

LOG = logging.getLogger(__name__)

QUERY_BUDGET = 9_000  # points per query: 10% below Linear's cap, for its own rounding
HISTORY_FIRST = 20  # history entries fetched with each issue: most issues have fewer
RELATIONS_FIRST = 4  # relations (and inverse relations) fetched with each issue
FOLLOW_UP_HISTORY_FIRST = 50  # history entries per follow-up part
FOLLOW_UP_RELATIONS_FIRST = 25
ISSUE_PAGE_MAX = 250  # Linear's folklore ceiling for `first` (LINEAR-NOTES §2.7)
UNIT_MAX_ISSUES = 1_000  # a unit of work closes at this many issues...
UNIT_MIN_PARTS = 40  # ...or once this many follow-up parts are pending (a request's worth)


class LinearConnector:
    """Fetches one Linear workspace (the `Connector` protocol); constructing it does no I/O."""

    def __init__(self, settings: SourceSettings, *, client: LinearClient | None = None) -> None:
        self._settings = settings
        self._client = client if client is not None else LinearClient(settings)
        self.missing_scopes: tuple[str, ...] = ()  # configured teams the account cannot see (last fetch)
        self._junk: list[Quarantined] = []  # non-object issue nodes, quarantined with the next page
        self._pager = FollowUpPager(
            self._client,
            history_first=FOLLOW_UP_HISTORY_FIRST,
            relations_first=FOLLOW_UP_RELATIONS_FIRST,
            budget=QUERY_BUDGET,
        )

    @property
    def requests(self) -> int:
        return self._client.requests

    def close(self) -> None:
        self._client.close()

    def fetch(self, cursor: Mapping[str, Any], *, full: bool, now: datetime) -> Iterator[Page]:
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        state = LINEAR_CURSOR.load(cursor)
        wanted = tuple(sorted(self._settings.teams))
        metadata, first = self._metadata(state, now, full, wanted)
        team_ids = self._team_ids(metadata, wanted)
        watermark = None if full else state.watermark
        run = None if full else Run.resume(state.checkpoint, wanted)
        if run is None:
            created = self._settings.since if watermark is None else None
            run = Run(run_started=now, since=watermark, created_since=created, teams=wanted)
        else:
            LOG.info("%s: resuming an interrupted run after %d issues", self._settings.name, run.seen)
        page_size = self.page_size()

        def commit(batch: Batch, last: bool) -> dict[str, Any]:
            """A checkpoint while the run goes on; the watermark moved to the run's start at its end."""
            if not last:
                return LINEAR_CURSOR.dump(state.watermark, metadata, run.checkpoint())
            moved = next_watermark(
                state.watermark, lagged(run.run_started, self._settings.overlap_minutes), full=full
            )
            return LINEAR_CURSOR.dump(moved, metadata, None)

        units = self._units(run, team_ids, page_size)
        yield from unit_pages(units, lambda issues: self._normalise(issues, metadata), commit,
                              first=first, junk=self._take_junk, seen=lambda: run.seen)  # fmt: skip
        LOG.info("%s: %d issues read, %d requests, %d points (%d estimated)", self._settings.name,
                 run.seen, self.requests, self._client.points, self._client.estimated_points)  # fmt: skip

    def check(self, *, now: datetime) -> SourceCheck:
        """What `orgpulse doctor` shows: the workspace, the credential, the teams, every workflow state."""
        data = self._client.query(queries.document(queries.VIEWER), {})
        viewer, organization = data.get("viewer"), data.get("organization")
        if not isinstance(viewer, Mapping) or not isinstance(organization, Mapping):
            raise ProtocolError("viewer and organization must answer objects", source=self._settings.name)
        metadata, batch = fetch_metadata(self._client, self._settings, now=now, wanted=(), users_since=None)
        visible = set(metadata.teams.values())
        wanted = sorted(self._settings.teams) or sorted(visible)
        role = "admin" if viewer.get("admin") is True else "member"
        workspace = f"{organization.get('name') or '?'} ({organization.get('urlKey') or '?'})"
        return SourceCheck(
            server=f"Linear workspace {workspace}",
            account=f"accepted ({role})",
            projects=tuple(k for k in wanted if k in visible),
            missing_projects=tuple(k for k in wanted if k not in visible),
            fields={},
            statuses=tuple(batch.statuses),
            blocking_link_types=("blocks (relation type)",),
            requests=self.requests,
        )

    def _take_junk(self) -> list[Quarantined]:
        junk, self._junk = self._junk, []
        return junk

    def page_size(self) -> int:
        """The largest issue page (at most `page_size`) whose query stays under the budget."""
        low, high = 1, max(1, min(self._settings.page_size, ISSUE_PAGE_MAX))
        while low < high:
            middle = (low + high + 1) // 2
            if self._issues_cost(middle) <= QUERY_BUDGET:
                low = middle
            else:
                high = middle - 1
        return low

    def _issues_cost(self, first: int) -> int:
        variables = queries.issues_variables(
            first=first, after=None, history_first=HISTORY_FIRST, relations_first=RELATIONS_FIRST
        )
        return estimate_complexity(queries.document(queries.ISSUES), variables)

    def _metadata(
        self, state: State[datetime, Metadata], now: datetime, full: bool, wanted: Sequence[str]
    ) -> tuple[Metadata, Batch]:
        cached = state.metadata
        if not full and cached is not None and cached.fresh(now, self._settings.metadata_ttl_hours, wanted):
            return cached, Batch()
        users_since = None if full or cached is None else cached.fetched_at
        return fetch_metadata(self._client, self._settings, now=now, wanted=wanted, users_since=users_since)

    def _team_ids(self, metadata: Metadata, wanted: Sequence[str]) -> list[str]:
        """The ids of the configured teams (none configured: no filter, every team)."""
        if not wanted:
            return []
        ids = [team_id for team_id, key in metadata.teams.items() if key in wanted]
        missing = sorted(set(wanted) - set(metadata.teams.values()))
        if not ids:
            raise AuthError(
                f"the account sees none of the teams {', '.join(wanted)}: check the team keys and its access",
                source=self._settings.name,
            )
        self.missing_scopes = tuple(missing)
        if missing:
            LOG.warning("%s: the account sees no team %s", self._settings.name, ", ".join(missing))
        return sorted(ids)

    def _units(
        self, run: Run, team_ids: Sequence[str], page_size: int
    ) -> Iterator[tuple[list[Payload], bool]]:
        """List pages grouped into units of work, their connections completed: (issues, is last)."""
        pending: list[Payload] = []
        parts = 0
        pager = RelayPager("the issues", source=self._settings.name, after=run.after)
        fresh = not run.resumed
        while True:
            issues, info = self._issues_page(run, team_ids, page_size)
            if fresh:
                # The watermark is taken on the tracker's clock (its first answer's Date), not a
                # host clock that may run ahead of it and skip the changes made in between.
                run.run_started = self._client.clock.safe_start(run.run_started)
                fresh = False
            more = pager.advance([str(i.get("id")) for i in issues], info)
            pending += issues
            parts += len(self._pager.pending(issues))
            run.seen += len(issues)
            run.after = pager.after if more else run.after
            if not more or len(pending) >= UNIT_MAX_ISSUES or parts >= UNIT_MIN_PARTS:
                self._pager.complete(pending)
                yield pending, not more
                pending, parts = [], 0
            if not more:
                return

    def _issues_page(
        self, run: Run, team_ids: Sequence[str], page_size: int
    ) -> tuple[list[Payload], Mapping[str, Any]]:
        size = page_size
        while True:
            variables = queries.issues_variables(
                first=size,
                after=run.after,
                team_ids=team_ids,
                updated_since=run.since,
                created_since=run.created_since,
                history_first=HISTORY_FIRST,
                relations_first=RELATIONS_FIRST,
            )
            try:
                data = self._client.query(queries.document(queries.ISSUES), variables)
            except QueryTooComplexError as exc:
                if size == 1:
                    raise
                size = max(1, min(size - 1, int(size * exc.maximum / max(exc.complexity, 1.0) * 0.9)))
                LOG.warning(
                    "%s: the issues page was too complex; asking %d issues", self._settings.name, size
                )
                continue
            except ProtocolError:
                if not run.resumed:
                    raise
                LOG.warning("%s: the checkpoint's page cursor was refused; restarting the run's pages",
                            self._settings.name)  # fmt: skip
                run.restart()
                continue
            run.resumed = False
            connection = data.get("issues")
            found = connection.get("nodes") if isinstance(connection, MutableMapping) else None
            info = connection.get("pageInfo") if isinstance(connection, MutableMapping) else None
            if not isinstance(found, list) or not isinstance(info, Mapping):
                raise ProtocolError("issues must answer {nodes: [...], pageInfo}", source=self._settings.name)
            objects, junk = split_entries(found, kind="linear_issue_node", where="issues.nodes[]")
            self._junk += junk
            return objects, info

    def _normalise(self, issues: Sequence[Payload], metadata: Metadata) -> Batch:
        missing = {
            str(label)
            for issue in issues
            for label in (issue.get("labelIds") or ())
            if str(label) not in metadata.labels
        }
        if missing:
            metadata.labels.update(fetch_labels(self._client, missing))
        batch = Batch()
        for raw in issues:
            batch.extend(
                normalise_issue(
                    raw,
                    team_keys=metadata.teams,
                    label_names=metadata.labels,
                    keep_raw=self._settings.keep_raw,
                )
            )
        incomplete = sorted(i for i, done in batch.history_complete.items() if not done)
        if incomplete:
            LOG.warning("%s: %d issues keep an incomplete history (%s...)", self._settings.name,
                        len(incomplete), ", ".join(incomplete[:5]))  # fmt: skip
        # One record per id: a person kept as a bot once any copy says so; of a relation (both
        # sides can sit in one unit) and of a state, the last copy read.
        batch.people = dedupe(
            batch.people, lambda p: p.person_id, lambda new, kept: new.is_bot and not kept.is_bot
        )
        batch.links = dedupe(batch.links, lambda link: link.link_id, lambda new, kept: True)
        batch.statuses = dedupe(batch.statuses, lambda s: s.status_id, lambda new, kept: True)
        return batch
