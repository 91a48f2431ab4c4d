"""Direct store loader: a generated organisation written into a store without HTTP, to bench analysis.

    .venv/bin/python bench/direct_load.py --issues 1000000 [--seed 7] [--weeks 26] [--history-years 0]
                                          [--store URL] [--workers 2]

Syncing a million issues through the sandbox would take an hour; this renders each issue as the
Jira Cloud sandbox would serve it (fields and its complete history, as Python objects: no JSON, no
sockets), normalises it with the Jira Cloud connector's own pure functions, and writes the batches
with the store's page writer. What lands in the store is what a full sync of the same organisation
stores (tests/test_golden_findings.py checks the findings agree), minus the sync's bookkeeping
(cursor, census, runs). `--workers` renders and normalises in that many processes; one writes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from random import Random
from typing import Any

from orgpulse.connectors.jira.connector import dedupe_links, dedupe_statuses
from orgpulse.connectors.jira.cursor import link_type_doc
from orgpulse.connectors.jira.jql import search_fields
from orgpulse.connectors.jira.normalise import dedupe_people, normalise_issue
from orgpulse.connectors.jira.normalise_links import LinkTypeBook
from orgpulse.connectors.jira.normalise_meta import FieldIds, find_custom_fields, normalise_statuses
from orgpulse.model import Batch, History, Status, WorkflowStatus
from orgpulse.sandbox import generate_org
from orgpulse.sandbox.jira.fields import field_list
from orgpulse.sandbox.jira.render import JiraRenderer
from orgpulse.sandbox.org import site as cat
from orgpulse.sandbox.org.history import FILLER_SALT, HISTORY_ID_BASE, Entry, _filler_times
from orgpulse.sandbox.org.model import Issue, Org
from orgpulse.store import Store
from orgpulse.store.batch import save_batch

SOURCE = "sandbox-cloud"  # the demo's Jira Cloud source name: demo_settings() analyses it
BASE = "http://127.0.0.1:1"
CHUNK = 2000
ANCHOR = date(2026, 11, 20)


class Site:
    """What a Jira Cloud sync learns from the site's metadata endpoints, read from the renderer."""

    def __init__(self, org: Org) -> None:
        self.render = JiraRenderer(org, BASE)
        self.fields: FieldIds = find_custom_fields(field_list())
        types = [self.render.link_type(t.type_id, "3") for t in cat.LINK_TYPES]
        self.book = LinkTypeBook.of(tuple(link_type_doc(t) for t in types))
        statuses, _ = normalise_statuses([self.render.status(s.status_id, "3") for s in cat.STATUSES])
        self.statuses: list[Status] = statuses
        self.status_ids = frozenset(s.status_id for s in statuses)
        self.wanted = tuple(search_fields(self.fields.ids()))
        self.workflows = [
            WorkflowStatus(team.key, str(status_id))
            for team in org.teams
            for status_id in sorted({str(s) for s in team.workflow.status_ids()})
        ]

    def batch(self, ordinals: Sequence[int]) -> Batch:
        """The issues at these ordinals, normalised as a sync page would hold them."""
        render, org = self.render, self.render.org
        batch = Batch()
        for ordinal in ordinals:
            issue = org.issues[ordinal]
            entries, filler = skeleton_history(issue, org.calendar.horizon_ms)
            histories = [render.history_dict(issue, e, "3", None) for e in entries]
            raw: dict[str, Any] = {
                "id": str(issue.issue_id),
                "key": issue.key,
                "fields": render.fields(issue, "3", self.wanted),
            }
            found = normalise_issue(
                raw,
                [h for h in histories if h is not None],
                fields=self.fields,
                links=self.book,
                known_statuses=self.status_ids,
            )
            issue_id = str(issue.issue_id)
            found.issues = [replace(i, history_total=issue.history_total) for i in found.issues]
            found.history_complete[issue_id] = True
            found.histories += [History(issue_id, str(h), _utc(at), None, 1) for h, at in filler]
            batch.extend(found)
        # The connector's own finishing of a unit of work (cloud.py), so both sides of a link agree.
        batch.people = dedupe_people(batch.people)
        batch.links = dedupe_links(batch.links)
        batch.statuses = dedupe_statuses(batch.statuses)
        return batch


def skeleton_history(issue: Issue, horizon_ms: int) -> tuple[list[Entry], list[tuple[int, int]]]:
    """The issue's meaningful history entries with the ids `full_history` gives them, and the
    (id, time) of its filler entries, without drawing the fillers' contents (the costly part).

    Only the fillers' times decide the ids: entries are numbered in (time, skeleton first) order.
    """
    times = _filler_times(issue, Random(issue.seed ^ FILLER_SALT), horizon_ms)
    base = HISTORY_ID_BASE + issue.ordinal * 1000
    events = sorted(issue.events, key=lambda e: e[0])
    entries = [
        Entry(base + k + bisect_left(times, at), at, actor, items)
        for k, (at, actor, items) in enumerate(events)
    ]
    filler = [(base + j + bisect_right([e[0] for e in events], at), at) for j, at in enumerate(times)]
    return entries, filler


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


_SITE: Site | None = None


def _worker_batch(ordinals: Sequence[int]) -> Batch:
    if _SITE is None:
        raise RuntimeError("the worker's site was not set before forking")
    return _SITE.batch(ordinals)


def batches(org: Org, workers: int) -> Iterator[Batch]:
    """The organisation's issues in normalised batches of CHUNK, in issue order."""
    global _SITE
    site = Site(org)
    first = Batch(statuses=site.statuses, workflow_statuses=site.workflows)
    chunks = [range(start, min(start + CHUNK, len(org.issues))) for start in range(0, len(org.issues), CHUNK)]
    yield first
    if workers <= 1:
        for chunk in chunks:
            yield site.batch(chunk)
        return
    _SITE = site  # inherited by the forked workers: the organisation is not pickled
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_worker_batch, chunks)


def load_org(org: Org, store: Store, *, workers: int = 1, now: datetime | None = None) -> int:
    """Write the organisation into `store` as the demo's Jira Cloud source; the issues written."""
    now = now or datetime.now(UTC)
    store.save_source(SOURCE, "jira_cloud", BASE)
    written = 0
    for batch in batches(org, workers):
        with store.engine.begin() as conn:
            save_batch(conn, SOURCE, batch, now)
        written += len(batch.issues)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--store", required=True, help="an empty store's URL")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    org = generate_org(seed=args.seed, issues=args.issues, anchor=ANCHOR, weeks=args.weeks)
    print(f"generated {len(org.issues)} issues in {time.perf_counter() - started:.1f}s", flush=True)
    store = Store.open(args.store)
    started = time.perf_counter()
    written = load_org(org, store, workers=args.workers)
    print(f"loaded {written} issues in {time.perf_counter() - started:.1f}s into {Path(args.store).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
