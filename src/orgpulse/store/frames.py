"""Reads the stored history as it is stored, for `orgpulse.analysis.shaping` to make the frames.

One Arrow read per kind of record (`store.arrow`, ADBC), in primary-key order so every store gives
the detectors the same rows in the same order. The tables come back as stored: native ids, project
and team keys; team naming, rosters and parents are the analysis' policy (`analysis.shaping`).

With `since` (the start of the earliest week the analysis reads, `analysis.weeks.window_start`),
only the issues that can touch the analysed weeks are read (`store.window`): a site's older,
finished history costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from orgpulse.analysis.frames import Frames
from orgpulse.analysis.shaping import shape_frames
from orgpulse.store import window as q
from orgpulse.store.arrow import arrow_reader
from orgpulse.store.core import Store
from orgpulse.store.retired_counts import retired_statuses
from orgpulse.teams import TeamRule


@dataclass(frozen=True)
class StoredTables:
    """The stored records the analysis reads, one table per kind (columns: `store.window`'s reads)."""

    issues: pd.DataFrame
    project_pairs: pd.DataFrame  # every (source, project_key) the store holds
    statuses: pd.DataFrame
    people: pd.DataFrame
    changes: Mapping[str, pd.DataFrame]  # by change table name; status changes with `previous_entry`
    links: pd.DataFrame
    workflows: pd.DataFrame
    memberships: pd.DataFrame
    # The entries into statuses of unknown category over the whole history, counted
    # (`store.window.Queries.retired_entries`: issues, resolution items).
    retired_entries: tuple[pd.DataFrame, pd.DataFrame] | None = None


def read_tables(store: Store, *, as_of: datetime, since: datetime | None = None) -> StoredTables:
    """The stored records with every change after `as_of` left out; with `since`, only the issues
    that can touch the time from `since` on (all of them when None)."""
    with arrow_reader(store.engine) as reader, q.Queries(reader, as_of=as_of, since=since) as read:
        others = [name for name in q.CHANGE_SCHEMAS if name != "status_changes"]
        reads = [read.issues(), read.statuses(), read.changes("status_changes")]
        reads += [read.changes(name) for name in others]
        reads += [read.project_pairs(), read.people(), read.links(), read.workflows(), read.memberships()]
        # One batch: the reader runs each query while the answer before it is made a frame here.
        tables = read.tables(reads)
        issues = _pandas(next(tables))
        statuses = next(tables)
        # The statuses of unknown category are those of the status changes read: found before the
        # Arrow table goes (each table is held as Arrow or as pandas, not both), counted once the
        # batch is in.
        status_changes = next(tables)
        retired = retired_statuses(statuses, status_changes)
        changes = {"status_changes": _pandas(status_changes)}
        del status_changes
        changes.update((name, _pandas(next(tables))) for name in others)
        pairs, people, links, workflows, memberships = (_pandas(next(tables)) for _ in range(5))
        counted = read.retired_entries(retired)
        return StoredTables(
            issues=issues,
            project_pairs=pairs,
            statuses=_pandas(statuses),
            people=people,
            changes=changes,
            links=links,
            workflows=workflows,
            memberships=memberships,
            retired_entries=(_pandas(counted[0]), _pandas(counted[1])),
        )


def load_frames(
    store: Store,
    *,
    as_of: datetime,
    since: datetime | None = None,
    rosters: Mapping[str, tuple[str, ...]] | None = None,
    team_rules: Mapping[str, TeamRule] | None = None,
) -> Frames:
    """Everything the detectors read: the stored tables (`read_tables`) shaped by the analysis'
    policy (`analysis.shaping.shape_frames`), people pseudonymised with this store's salt."""
    stored = read_tables(store, as_of=as_of, since=since)
    return shape_frames(stored, pseudonym=store.pseudonym, rosters=rosters, team_rules=team_rules)


_STR = pd.StringDtype(storage="pyarrow", na_value=np.nan)  # pandas' default "str" dtype


def _pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas: strings as pandas strings, times as datetime64[ns, UTC], nullable booleans
    (a link's `done` flags) as objects."""
    return table.to_pandas(types_mapper={pa.string(): _STR}.get)
