"""Decides the category of statuses the site no longer lists (SYMPTOMS.md, under that title).

A status is *retired* when its category is not known: missing from `/status` (the connector keeps
the name the history recorded, category todo, `category_known` False), of Jira category
`undefined`, of a Linear state type orgpulse does not know, or referenced by a change and absent
from the catalogue altogether. Its category is decided, in this order:

1. from the resolution: a history entry that moves an issue into it and, in the same entry, sets
   the resolution from empty to a value votes done (canceled when that resolution matches the
   canceled patterns); one that clears the resolution votes not done. More set votes than clear
   votes make it done (canceled when most set resolutions are cancellations); more clear votes make
   it not done (todo); a tie decides nothing;
2. from name patterns on the recorded name (`retired_done_patterns`, `retired_canceled_patterns`;
   the longest match wins, a tie goes to canceled);
3. otherwise it stays unknown and counts as todo.

Its role stays unknown for confidence (roles.role_of gives `role_known` False to a status whose
category is not known) unless an override or a role pattern names it.

`decide_retired` returns one row per retired status (the frame crosses into `orgpulse doctor`):
    status_uid, source, status_id, name, category (decided), category_source ("resolution" |
    "name pattern" | "unknown"), reason (one readable sentence), issues (distinct issues that
    entered it), set_votes, clear_votes, in_catalogue (bool)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orgpulse.analysis.patterns import longest_match, matches_any, normalise_name
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.model import Category, Role

RETIRED_COLUMNS = (
    "status_uid",
    "source",
    "status_id",
    "name",
    "category",
    "category_source",
    "reason",
    "issues",
    "set_votes",
    "clear_votes",
    "in_catalogue",
)


def missing_statuses(statuses: pd.DataFrame, status_changes: pd.DataFrame) -> pd.DataFrame:
    """Statuses changes refer to that the catalogue lacks, as catalogue rows of unknown category."""
    referenced = pd.concat([status_changes["from_status_uid"], status_changes["to_status_uid"]]).dropna()
    known = statuses["status_uid"].dropna().astype(str).unique()
    absent = sorted(set(referenced.astype(str).unique()) - set(known))
    rows = []
    for uid in absent:
        source, _, status_id = uid.partition(":")
        rows.append(
            {
                "status_uid": uid,
                "source": source,
                "status_id": status_id,
                "name": status_id,
                "category": Category.TODO.value,
                "category_known": False,
            }
        )
    return pd.DataFrame(rows, columns=list(statuses.columns))


@dataclass(frozen=True)
class Entries:
    """The history entries into retired statuses, counted: what decides their category.

    `issues`: status uid -> the distinct issues that entered it. `items`: one row per status uid and
    pair of resolutions (from, to) a resolution item of the same entry carried, with `entries`, how
    many entries into the status carried it (`ITEM_COLUMNS`).
    """

    issues: pd.Series
    items: pd.DataFrame


ITEM_COLUMNS = ("status_uid", "from_resolution", "to_resolution", "entries")


def count_entries(status_changes: pd.DataFrame, resolution_changes: pd.DataFrame, uids: set[str]) -> Entries:
    """`Entries` of the statuses `uids` from frames that hold the whole history of their issues (the
    store counts them in SQL instead: `store.window.Queries.retired_entries`)."""
    entering = status_changes.loc[
        status_changes["to_status_uid"].isin(uids), ["issue_uid", "history_id", "to_status_uid"]
    ]
    issues = entering.groupby("to_status_uid")["issue_uid"].nunique()
    if entering.empty or resolution_changes.empty:
        return Entries(issues, pd.DataFrame({c: pd.Series(dtype=object) for c in ITEM_COLUMNS}))
    resolutions = resolution_changes[["issue_uid", "history_id", "from_resolution", "to_resolution"]]
    same = entering.merge(resolutions, on=["issue_uid", "history_id"])
    items = (
        same.groupby(["to_status_uid", "from_resolution", "to_resolution"], dropna=False)
        .size()
        .rename("entries")
        .reset_index()
        .rename(columns={"to_status_uid": "status_uid"})
    )
    return Entries(issues, items[list(ITEM_COLUMNS)])


def retired_uids(statuses: pd.DataFrame) -> set[str]:
    """The uids of the statuses of unknown category in `statuses` (frames.STATUS_COLUMNS)."""
    known = statuses["category_known"].to_numpy(dtype=object)
    retired = statuses.loc[~np.where(pd.isna(known), False, known).astype(bool)]
    return set(retired["status_uid"].astype(str))


def decide_retired(statuses: pd.DataFrame, entries: Entries, settings: AnalysisSettings) -> pd.DataFrame:
    """The decided category of every status of unknown category in `statuses` (frames.STATUS_COLUMNS),
    from the entries into them (`count_entries`)."""
    uids = retired_uids(statuses)
    if not uids:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RETIRED_COLUMNS})
    votes = _votes(entries.items, settings)
    rows = []
    for status in statuses.loc[statuses["status_uid"].astype(str).isin(uids)].itertuples(index=False):
        uid = str(status.status_uid)
        cast = votes.get(uid, (0, 0, 0))
        category, source, reason = _decide(str(status.name), cast, settings)
        rows.append(
            {
                "status_uid": uid,
                "source": status.source,
                "status_id": status.status_id,
                "name": status.name,
                "category": category.value,
                "category_source": source,
                "reason": reason,
                "issues": int(entries.issues.get(uid, 0)),
                "set_votes": cast[0],
                "clear_votes": cast[2],
                "in_catalogue": True,
            }
        )
    return pd.DataFrame(rows, columns=list(RETIRED_COLUMNS))


def _votes(items: pd.DataFrame, settings: AnalysisSettings) -> dict[str, tuple[int, int, int]]:
    """status uid -> (set votes, of which cancellations, clear votes), from same-entry resolution items."""
    if items.empty:
        return {}
    before = items["from_resolution"].map(_filled)
    after = items["to_resolution"].map(_filled)
    canceled = items["to_resolution"].map(
        lambda v: _filled(v) and matches_any(normalise_name(str(v)), settings.canceled_patterns)
    )
    entries = items["entries"].astype(int)
    frame = pd.DataFrame(
        {
            "status": items["status_uid"].astype(str),
            "set": (~before & after).astype(int) * entries,
            "set_canceled": (~before & after & canceled).astype(int) * entries,
            "clear": (before & ~after).astype(int) * entries,
        }
    )
    summed = frame.groupby("status")[["set", "set_canceled", "clear"]].sum()
    return {
        str(uid): (int(r.set), int(r.set_canceled), int(r.clear))
        for uid, r in zip(summed.index, summed.itertuples(index=False), strict=True)
    }


def _decide(name: str, votes: tuple[int, int, int], settings: AnalysisSettings) -> tuple[Category, str, str]:
    sets, canceled, clears = votes
    if sets > clears:
        if canceled * 2 > sets:
            return Category.CANCELED, "resolution", f"{sets} entries into it set a cancellation resolution"
        return Category.DONE, "resolution", f"{sets} entries into it set the resolution ({clears} cleared it)"
    if clears > sets:
        return Category.TODO, "resolution", f"{clears} entries into it cleared the resolution ({sets} set it)"
    patterns = [(p, Role.NONE) for p in settings.retired_done_patterns] + [
        (p, Role.APPROVAL) for p in settings.retired_canceled_patterns
    ]
    # Role.APPROVAL only ranks the canceled patterns first on equal length (patterns.ROLE_TIE_ORDER).
    found = longest_match(normalise_name(name), patterns)
    if found is not None:
        category = Category.CANCELED if found[0] is Role.APPROVAL else Category.DONE
        return category, "name pattern", f"its recorded name {name!r} matches {found[1]!r}"
    if sets or clears:
        return Category.TODO, "unknown", "as many entries set the resolution as cleared it; counted as todo"
    return Category.TODO, "unknown", "no resolution set with it and no name pattern; counted as todo"


def _filled(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""
