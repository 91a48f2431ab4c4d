"""The DataFrames the analysis reads: their columns are the contract between store and detectors.

`orgpulse.store.frames.load_frames` builds them (the store reads the tables, `analysis.shaping`
applies the team, roster and parent policy); detectors only read them. Every uid is
"<source>:<native id>", so frames of several sources concatenate without collisions. Datetime
columns are `datetime64[ns, UTC]`; a missing time is NaT, a missing id is None/NaN.

issues
    issue_uid, source, issue_id, key, project_key, team (the team label shown in outputs:
    the project or team key, or `source/key` when two sources share a key, or a mapped name),
    type_name, is_epic (bool), title, labels (str, labels joined by ","), parent_uid,
    parent_is_epic (bool), created, resolution (str or None), resolved (the `resolutiondate`,
    NaT when none), status_uid (current),
    history_complete (bool), team_mapped (bool), deleted (bool), assignee_uid (the current assignee,
    or None: with no assignee change in the history it has been the assignee since creation)
statuses
    status_uid, source, status_id, name, category ("todo" | "in_progress" | "done" | "canceled"),
    category_known (bool)
status_changes
    issue_uid, history_id, item_index, at, from_status_uid, to_status_uid, actor_uid,
    actor_is_bot (bool; True also when the actor is unknown)
assignee_changes
    issue_uid, history_id, item_index, at, from_person_uid, to_person_uid, actor_uid
team_changes
    issue_uid, history_id, item_index, at, from_team, to_team (team labels)
flag_changes
    issue_uid, history_id, item_index, at, flagged (bool)
links
    link_uid, kind ("blocks" | "relates" | "duplicates"), from_uid (blocker for "blocks"; None
    when outside the synced projects), from_key, from_team (label; the project key of the key
    when outside), to_uid, to_key, to_team, created_at (NaT when unknown), removed_at (NaT when
    still there), outside_done (bool: the far side is outside and its status is done)
people
    person_uid, source, pseudonym (stable, salted per store: what every output shows),
    display_name (only ever shown with `[privacy] reveal = true`), is_bot (bool)
memberships
    team, person_uid (a declared roster; empty when none is declared)
parent_changes
    issue_uid, history_id, item_index, at, from_parent_uid, to_parent_uid (None when cleared or
    outside the synced projects), to_parent_key
resolution_changes
    issue_uid, history_id, item_index, at, from_resolution, to_resolution (names; None when empty),
    actor_uid
histories
    issue_uid, at: stored history entries (Jira changelog history, Linear history node), so a bulk
    close can tell when an issue was last touched; the store reads only those it looks back to
    (each status change's issue's latest entry before it), any superset gives the same findings
workflows
    team, status_uid: the statuses each team's workflows define (whether used or not)
retired_entries (not a frame: `analysis.retired.Entries`, or None)
    the entries into the statuses of unknown category counted over the whole history (the store
    counts them: a bounded read's changes hold only the issues it kept); None: count them from the
    changes above, which are then the whole history
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from orgpulse.analysis.retired import Entries

ISSUE_COLUMNS = (
    "issue_uid",
    "source",
    "issue_id",
    "key",
    "project_key",
    "team",
    "type_name",
    "is_epic",
    "title",
    "labels",
    "parent_uid",
    "parent_is_epic",
    "created",
    "resolution",
    "resolved",
    "status_uid",
    "history_complete",
    "team_mapped",
    "deleted",
    "assignee_uid",
)
STATUS_COLUMNS = ("status_uid", "source", "status_id", "name", "category", "category_known")
STATUS_CHANGE_COLUMNS = (
    "issue_uid",
    "history_id",
    "item_index",
    "at",
    "from_status_uid",
    "to_status_uid",
    "actor_uid",
    "actor_is_bot",
)
ASSIGNEE_CHANGE_COLUMNS = (
    "issue_uid",
    "history_id",
    "item_index",
    "at",
    "from_person_uid",
    "to_person_uid",
    "actor_uid",
)
TEAM_CHANGE_COLUMNS = ("issue_uid", "history_id", "item_index", "at", "from_team", "to_team")
FLAG_CHANGE_COLUMNS = ("issue_uid", "history_id", "item_index", "at", "flagged")
LINK_COLUMNS = (
    "link_uid",
    "kind",
    "from_uid",
    "from_key",
    "from_team",
    "to_uid",
    "to_key",
    "to_team",
    "created_at",
    "removed_at",
    "outside_done",
)
PEOPLE_COLUMNS = ("person_uid", "source", "pseudonym", "display_name", "is_bot")
MEMBERSHIP_COLUMNS = ("team", "person_uid")
PARENT_CHANGE_COLUMNS = (
    "issue_uid",
    "history_id",
    "item_index",
    "at",
    "from_parent_uid",
    "to_parent_uid",
    "to_parent_key",
)
RESOLUTION_CHANGE_COLUMNS = (
    "issue_uid",
    "history_id",
    "item_index",
    "at",
    "from_resolution",
    "to_resolution",
    "actor_uid",
)
WORKFLOW_COLUMNS = ("team", "status_uid")
HISTORY_COLUMNS = ("issue_uid", "at")


@dataclass(frozen=True)
class Frames:
    """Everything the detectors may read, as of one analysis; each field names its columns."""

    issues: pd.DataFrame = field(metadata={"columns": ISSUE_COLUMNS})
    statuses: pd.DataFrame = field(metadata={"columns": STATUS_COLUMNS})
    status_changes: pd.DataFrame = field(metadata={"columns": STATUS_CHANGE_COLUMNS})
    assignee_changes: pd.DataFrame = field(metadata={"columns": ASSIGNEE_CHANGE_COLUMNS})
    team_changes: pd.DataFrame = field(metadata={"columns": TEAM_CHANGE_COLUMNS})
    flag_changes: pd.DataFrame = field(metadata={"columns": FLAG_CHANGE_COLUMNS})
    links: pd.DataFrame = field(metadata={"columns": LINK_COLUMNS})
    people: pd.DataFrame = field(metadata={"columns": PEOPLE_COLUMNS})
    memberships: pd.DataFrame = field(metadata={"columns": MEMBERSHIP_COLUMNS})
    parent_changes: pd.DataFrame = field(
        default_factory=lambda: empty(PARENT_CHANGE_COLUMNS), metadata={"columns": PARENT_CHANGE_COLUMNS}
    )
    workflows: pd.DataFrame = field(
        default_factory=lambda: empty(WORKFLOW_COLUMNS), metadata={"columns": WORKFLOW_COLUMNS}
    )
    resolution_changes: pd.DataFrame = field(
        default_factory=lambda: empty(RESOLUTION_CHANGE_COLUMNS),
        metadata={"columns": RESOLUTION_CHANGE_COLUMNS},
    )
    histories: pd.DataFrame = field(
        default_factory=lambda: empty(HISTORY_COLUMNS), metadata={"columns": HISTORY_COLUMNS}
    )
    # The entries into retired statuses over the whole history, counted by the store (a bounded
    # read's changes hold only the issues it kept); None: the changes above are the whole history.
    retired_entries: Entries | None = None

    @classmethod
    def cut(cls, **frames: Any) -> Frames:
        """Frames from `frames` (by field name), each cut to its contract's columns, in their order
        (`retired_entries`, not a frame, as it is)."""
        columns = {f.name: list(f.metadata["columns"]) for f in fields(cls) if "columns" in f.metadata}
        return cls(
            **{name: frame[columns[name]] if name in columns else frame for name, frame in frames.items()}
        )

    def missing_columns(self) -> list[str]:
        """Every contract column a frame lacks, as "frame.column"."""
        return [
            f"{f.name}.{column}"
            for f in fields(self)
            for column in f.metadata.get("columns", ())
            if column not in getattr(self, f.name).columns
        ]

    def for_detectors(self) -> Frames:
        """These frames without the tables only inputs read (`INPUT_ONLY`: status, assignee, parent
        and resolution changes, histories), each left empty with its columns and dtypes, so their
        memory goes once the inputs are built (about a gigabyte at a million issues)."""
        return replace(self, **{name: _emptied(getattr(self, name)) for name in INPUT_ONLY})


# The frames no detector reads: only inputs (`analysis.derived`) are built from them.
INPUT_ONLY = ("status_changes", "assignee_changes", "parent_changes", "resolution_changes", "histories")


def _emptied(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame`'s columns, dtypes and no row, sharing no array with it (a slice would keep them alive)."""
    return pd.DataFrame({name: pd.Series([], dtype=frame[name].dtype) for name in frame.columns})


def empty(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty frame with the given columns (for sources that lack a kind of record)."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
