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
        issues = _pandas(read.issues())
        statuses = read.statuses()
        # The statuses of unknown category are those of the status changes read: counted from them
        # before the Arrow table goes (each table is held as Arrow or as pandas, not both).
        status_changes = read.changes("status_changes")
        retired = read.retired_entries(statuses, status_changes)
        changes = {"status_changes": _pandas(status_changes)}
        del status_changes
        changes.update(
            (name, _pandas(read.changes(name))) for name in q.CHANGE_SCHEMAS if name not in changes
        )
        return StoredTables(
            issues=issues,
            project_pairs=_pandas(read.project_pairs()),
            statuses=_pandas(statuses),
            people=_pandas(read.people()),
            changes=changes,
            links=_pandas(read.links()),
            workflows=_pandas(read.workflows()),
            memberships=_pandas(read.memberships()),
            retired_entries=(_pandas(retired[0]), _pandas(retired[1])),
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
