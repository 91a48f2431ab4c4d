"""The SQL that reads the analysis's rows, bounded by the analysed window when one is given.

An issue can touch the analysed time (from `since` on) unless it is dormant: finished (its current
status is of a known done or canceled category), not an epic, and not updated since `since` (an
update is stamped on every change, so nothing of it moves after `since`). What the detectors read
about a live issue reaches further: its blockers and blocked issues (links, by id or by key), its
parents (current, and any it had, up to a grandparent) — those are read too, whole, even dormant.
The first issue created is always read: it dates the start of the history, which bounds how far
back an intervention's before window may reach (`analysis.run.history_start`).
Every change of a read issue is read (a cycle time may begin years before the week it ends in).
The issues to read are worked out once per analysis, into a temporary table the reads join, and
only when at least `DORMANT_SHARE` of the issues were last updated before `since`: with fewer,
working them out costs more than reading the few dormant ones (the findings are the same).

Of the history entries, only those a bulk close looks back to are read: for each status change
that can close its issue (into a status not known to be open: of done or canceled category, of a
category not known, or missing from the catalogue, which the analysis may decide is done), its
issue's latest entry strictly before it (`analysis.cleanups`), found through the index on
(source, issue_id, at) that migration 0012 creates: a site's many filler entries stay in SQL.

Rows come in primary-key order. "MAX(issue_id || '')" finds the issue holding a key: a bare
MAX(issue_id) lets SQLite walk the primary key backwards (its min/max shortcut) instead of using
the index on (source, key). Indexes that serve these reads are created by migration 0011.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pyarrow as pa

from orgpulse.store.arrow import TIME, ArrowReader, Read
from orgpulse.store.retired_counts import count_entries

S = pa.string()
B = pa.bool_()
I64 = pa.int64()

_CHANGE_KEY = {"source": S, "issue_id": S, "history_id": S, "item_index": I64, "at": TIME}
CHANGE_SCHEMAS: dict[str, dict[str, pa.DataType]] = {
    "status_changes": {
        **_CHANGE_KEY,
        "actor_id": S,
        "from_status": S,
        "to_status": S,
        "previous_entry": TIME,
    },
    "assignee_changes": {**_CHANGE_KEY, "actor_id": S, "from_person": S, "to_person": S},
    "team_changes": {**_CHANGE_KEY, "from_team": S, "to_team": S},
    "flag_changes": {**_CHANGE_KEY, "flagged": B},
    "parent_changes": {**_CHANGE_KEY, "from_parent": S, "to_parent": S, "to_parent_key": S},
    "resolution_changes": {**_CHANGE_KEY, "actor_id": S, "from_resolution": S, "to_resolution": S},
}
ISSUE_SCHEMA = {
    "source": S, "issue_id": S, "key": S, "project_key": S, "type_name": S, "is_epic": B, "title": S,
    "labels": S, "parent_id": S, "created": TIME, "resolved": TIME, "resolution": S, "status_id": S,
    "history_complete": B, "components": S, "team_field": S, "deleted_at": TIME, "assignee_id": S,
}  # fmt: skip
_SIDE = {"resolved": S, "issue_key": S, "project_key": S, "labels": S, "components": S, "team_field": S}
LINK_SCHEMA = {
    "source": S, "link_id": S, "kind": S, "created_at": TIME, "removed_at": TIME,
    "from_done": B, "to_done": B,
    **{f"from_{name}": kind for name, kind in _SIDE.items()},
    **{f"to_{name}": kind for name, kind in _SIDE.items()},
}  # fmt: skip

# The live issues (see the module docstring), then everything they reference, into temporary tables,
# statement by statement. Parameters: as_of, since. SQLite and PostgreSQL both run them. The finished
# statuses are one list (a row-value IN, built once), not a subquery per issue: a site with three years
# of finished history scans ~560k issues here (0.50 -> 0.40 s).
_LIVE = """
INSERT INTO live_issues (source, issue_id, key, parent_id, parent_key)
SELECT i.source, i.issue_id, i.key, i.parent_id, i.parent_key FROM issues i
WHERE i.created <= {as_of} AND (NOT (
  i.updated < {since} AND NOT i.is_epic AND (i.source, i.status_id) IN (
    SELECT s.source, s.status_id FROM statuses s
    WHERE s.category IN ('done', 'canceled') AND s.category_known))
  OR i.created = (SELECT MIN(e.created) FROM issues e WHERE e.created <= {as_of}))
"""


# The issues a live issue references: its parents, current and former (by id, else by key), and the
# other side of its links as `links` resolves it (the temporary table `resolved_links`, worked out
# once); one statement per kind of reference, each from the references (few, distinct) to the issues
# they name (CROSS JOIN fixes that order: a newer SQLite scanned every issue and probed the references).
def _parent_references(by: str) -> tuple[str, ...]:
    """The parents live issues name by `by` (id or key): current, and those they had."""
    return (
        f"SELECT DISTINCT source, parent_{by} AS ref FROM live_issues",
        *(
            f"SELECT p.source, p.{side}_parent_{by} AS ref FROM parent_changes p"
            " JOIN live_issues l ON l.source = p.source AND l.issue_id = p.issue_id"
            for side in ("from", "to")
        ),
    )


_LINK_REFERENCES = tuple(
    f"SELECT r.source, r.{other}_resolved AS ref FROM resolved_links r"
    f" JOIN live_issues l ON l.source = r.source AND l.issue_id = r.{side}_resolved"
    for side, other in (("from", "to"), ("to", "from"))
)
_FIRST_HOP = tuple(
    f"INSERT INTO hop_issues (source, issue_id) SELECT i.source, i.issue_id FROM ({reference})"
    f" r CROSS JOIN issues i WHERE i.source = r.source AND i.{column} = r.ref ON CONFLICT DO NOTHING"
    for column, references in (
        ("issue_id", (*_parent_references("id"), *_LINK_REFERENCES)),
        ("key", _parent_references("key")),
    )
    for reference in references
)
# The live issues, those they reference and the parents of those (a live issue's parents are
# referenced already); the first two are each distinct, the parents may repeat them. CROSS JOIN
# fixes SQLite's join order (from the few referenced issues); without statistics on the temporary
# tables it scanned the issues for each of them.
_KEPT = (
    "INSERT INTO kept_issues (source, issue_id) SELECT source, issue_id FROM live_issues",
    "INSERT INTO kept_issues (source, issue_id) SELECT h.source, h.issue_id FROM hop_issues h"
    " WHERE NOT EXISTS (SELECT 1 FROM live_issues l WHERE l.source = h.source AND l.issue_id = h.issue_id)",
    *(
        "INSERT INTO kept_issues (source, issue_id) SELECT DISTINCT p.source, p.issue_id"
        " FROM hop_issues h CROSS JOIN issues i CROSS JOIN issues p"
        " WHERE NOT EXISTS (SELECT 1 FROM live_issues l"
        " WHERE l.source = h.source AND l.issue_id = h.issue_id)"
        " AND i.source = h.source AND i.issue_id = h.issue_id"
        f" AND p.source = i.source AND p.{column} = i.parent_{reference}"
        " AND NOT EXISTS (SELECT 1 FROM kept_issues k WHERE k.source = p.source AND k.issue_id = p.issue_id)"
        for column, reference in (("issue_id", "id"), ("key", "key"))
    ),
)
DORMANT_SHARE = 0.25
# Two counts, each a scan of a narrow index (on created, on updated) instead of the issues' rows; an
# issue last updated before `since` was created before it.
_DORMANT = (
    "SELECT (SELECT COUNT(*) FROM issues WHERE created <= {as_of}) AS issues,"
    " (SELECT COUNT(*) FROM issues WHERE updated < {since}) AS dormant"
)
_TEMPORARY = {
    "live_issues": "source TEXT, issue_id TEXT, key TEXT, parent_id TEXT, parent_key TEXT,"
    " PRIMARY KEY (source, issue_id)",
    "hop_issues": "source TEXT, issue_id TEXT, PRIMARY KEY (source, issue_id)",
    "kept_issues": "source TEXT, issue_id TEXT, PRIMARY KEY (source, issue_id)",
}
# Each link with its sides resolved to synced issues: by id, else by key (the largest id holding the
# key), among the issues created by as_of. `links` reads it, and so do the references of live issues.
_LINK_COLUMNS = (
    "source", "link_id", "kind", "created_at", "removed_at", "from_done", "to_done", "from_issue_key",
    "to_issue_key",
)  # fmt: skip
_RESOLVED_LINKS = (
    f"SELECT {', '.join(f'l.{c}' for c in _LINK_COLUMNS)}, "
    + ", ".join(
        f"COALESCE((SELECT i.issue_id FROM issues i WHERE i.source = l.source"
        f" AND i.issue_id = l.{side}_issue_id AND i.created <= {{as_of}}),"
        f" (SELECT MAX(i.issue_id || '') FROM issues i WHERE i.source = l.source"
        f" AND i.key = l.{side}_issue_key AND i.created <= {{as_of}})) AS {side}_resolved"
        for side in ("from", "to")
    )
    + " FROM links l"
)
# Its temporary table takes the links' own column types (SQLite and PostgreSQL both copy them).
_RESOLVED_TABLE = (
    f"CREATE TEMPORARY TABLE resolved_links AS SELECT {', '.join(_LINK_COLUMNS)},"
    " from_issue_id AS from_resolved, to_issue_id AS to_resolved FROM links WHERE 1 = 0"
)
# The open statuses as one list (a row-value IN: SQLite builds it once, with a Bloom filter), not a
# correlated subquery per status change (346k at 100k issues: 0.53 -> 0.47 s in the reader).
_PREVIOUS_ENTRY = (
    "CASE WHEN (c.source, c.to_status) IN (SELECT s.source, s.status_id FROM statuses s"
    " WHERE s.category_known AND s.category NOT IN ('done', 'canceled')) THEN NULL"
    " ELSE (SELECT MAX(h.at) FROM histories h WHERE h.source = c.source AND h.issue_id = c.issue_id"
    " AND h.at < c.at) END"
)


class Queries:
    """The reads of one analysis: as of `as_of`, bounded to what can touch `since` on (if given).

    Use as `with Queries(reader, ...) as read:`: the temporary table of the issues to read goes at
    the end.
    """

    def __init__(self, reader: ArrowReader, *, as_of: datetime, since: datetime | None) -> None:
        self._read = reader
        self._as_of = reader.time_param(as_of)
        self._since = reader.time_param(since) if since is not None else None
        self._kept = False
        self._bounded: bool | None = None if since is not None else False

    def __enter__(self) -> Queries:
        return self

    def __exit__(self, *_: object) -> None:
        if self._kept:
            self._read.rollback()
            for name in (*_TEMPORARY, "resolved_links"):
                self._read.execute(f"DROP TABLE IF EXISTS {name}")
            self._read.rollback()

    def _keep(self) -> None:
        """The issues to read, into the temporary table `kept_issues` (once), and the resolved links.

        On SQLite the issue tables are WITHOUT ROWID: a scan of one is in its key's order, so the
        reads joined from `kept_issues` come in primary-key order without a sort of their rows.
        """
        if self._kept:
            return
        clustered = " WITHOUT ROWID" if self._read.dialect == "sqlite" else ""
        for name, columns in _TEMPORARY.items():
            self._read.execute(f"DROP TABLE IF EXISTS {name}")
            self._read.execute(f"CREATE TEMPORARY TABLE {name} ({columns}){clustered}")
        self._read.execute("DROP TABLE IF EXISTS resolved_links")
        self._read.execute(_RESOLVED_TABLE)
        self._kept = True
        self._execute(_LIVE)
        self._execute(f"INSERT INTO resolved_links {_RESOLVED_LINKS}")
        for column in ("parent_id", "parent_key"):
            self._read.execute(f"CREATE INDEX ix_live_issues_{column} ON live_issues (source, {column})")
        for statement in _FIRST_HOP:
            self._execute(statement)
        for statement in _KEPT:
            self._execute(statement)

    def _worth_bounding(self) -> bool:
        """Whether enough issues may be dormant for the bound to pay (see the module docstring)."""
        if self._bounded is None:
            sql, params = self._bind(_DORMANT)
            counts = self._read.table(sql, {"issues": I64, "dormant": I64}, params)
            total, dormant = counts.column("issues")[0].as_py(), counts.column("dormant")[0].as_py()
            self._bounded = bool(total) and (dormant or 0) >= DORMANT_SHARE * total
        return self._bounded

    def _plan(
        self,
        body: str,
        schema: dict[str, pa.DataType],
        bound: str | None = None,
        rows: tuple[str, str] | None = None,
    ) -> Read:
        """The read of `body`, which may use {as_of}, and {kept} where `bound` (a condition on
        `kept_issues`) goes; with `rows` (a table and its alias, keyed by source and issue_id) {rows}
        names it, read through `kept_issues` when bounded: a join from the kept issues, so the rows of
        dormant issues are never visited (a condition on each row would scan them all); {key} is then
        the kept issue's key, which orders the rows as the kept issues come (the row's own, the same
        values, does not tell SQLite so: it would sort every row)."""
        bounded = bound is not None and self._worth_bounding()
        if bounded:
            self._keep()
        condition = bound if bounded and bound else ""
        if rows is not None:
            table, alias = rows
            key = f"{alias}.source, {alias}.issue_id"
            if bounded:
                # CROSS JOIN fixes SQLite's loop order: from the kept issues, then their rows by key.
                table = f"kept_issues k CROSS JOIN {table}"
                condition += f" AND {alias}.source = k.source AND {alias}.issue_id = k.issue_id"
                key = "k.source, k.issue_id"
            body = body.replace("{rows}", table).replace("{key}", key)
        text = body.replace("{kept}", condition)
        sql, params = self._bind(text)
        return Read(sql, schema, params)

    def tables(self, reads: list[Read]) -> Iterator[pa.Table]:
        """The tables of `reads` (this class' reads), in order, as `ArrowReader.tables` runs them."""
        return self._read.tables(reads)

    def _execute(self, text: str) -> None:
        self._read.execute(*self._bind(text))

    def _bind(self, text: str) -> tuple[str, list[object]]:
        """`text` with its {as_of} and {since} made the dialect's parameters, and their values."""
        values = {"as_of": self._as_of, "since": self._since}
        if self._read.dialect == "sqlite":
            # "?" binds by position: each occurrence needs its own value, in order of appearance.
            params = [values[name] for name in _occurrences(text, ("as_of", "since"))]
            return text.format(as_of="?", since="?"), params
        params = [values["as_of"]] + ([values["since"]] if "{since}" in text else [])
        return text.format(as_of="$1", since="$2"), params

    def issues(self) -> Read:
        columns = ", ".join(f"i.{c}" for c in ISSUE_SCHEMA)
        sql = f"SELECT {columns} FROM {{rows}} WHERE i.created <= {{as_of}} {{kept}} ORDER BY {{key}}"
        return self._plan(sql, ISSUE_SCHEMA, "", rows=("issues i", "i"))

    def project_pairs(self) -> Read:
        """Every (source, project key) stored: two sources sharing a key are told apart everywhere."""
        sql = "SELECT DISTINCT source, project_key FROM issues WHERE created <= {as_of} ORDER BY 1, 2"
        return self._plan(sql, {"source": S, "project_key": S})

    def changes(self, name: str) -> Read:
        schema = CHANGE_SCHEMAS[name]
        if name == "status_changes":
            columns = ", ".join(f"c.{c}" for c in schema if c != "previous_entry")
            columns += f", {_PREVIOUS_ENTRY} AS previous_entry"
        elif name == "parent_changes":
            columns = ", ".join(f"c.{c}" for c in _CHANGE_KEY) + (
                ", " + _parent_ref("from") + " AS from_parent, " + _parent_ref("to") + " AS to_parent"
                ", c.to_parent_key"
            )
        else:
            columns = ", ".join(f"c.{c}" for c in schema)
        sql = (
            f"SELECT {columns} FROM {{rows}} WHERE c.at <= {{as_of}} {{kept}}"
            " ORDER BY {key}, c.history_id, c.item_index"
        )
        return self._plan(sql, schema, "", rows=(f"{name} c", "c"))

    def links(self) -> Read:
        """Links touching a read issue; each side resolved to a synced issue by id, else by key (the
        largest id holding the key), with what names that issue's team. Bounded, the links come
        resolved already (the references of live issues needed them)."""
        sides = []
        joins = []
        for side, alias in (("from", "f"), ("to", "t")):
            sides.append(
                f"r.{side}_issue_key, r.{side}_resolved, {alias}.project_key AS {side}_project_key,"
                f" {alias}.labels AS {side}_labels, {alias}.components AS {side}_components,"
                f" {alias}.team_field AS {side}_team_field"
            )
            # A join on a plain column of the subquery: the primary key serves it.
            joins.append(
                f"LEFT JOIN issues {alias} ON {alias}.source = r.source"
                f" AND {alias}.issue_id = r.{side}_resolved"
            )
        bound = (
            f"AND ({_kept('r.source', 'r.from_resolved')[4:]} OR {_kept('r.source', 'r.to_resolved')[4:]})"
        )
        # Unbounded, the links are resolved in a materialised CTE: as a subquery SQLite flattened it
        # into the joins and ran each side's resolving subqueries twice (links 0.34 -> 0.19 s at 100k).
        bounded = self._worth_bounding()
        sql = (
            ("" if bounded else f"WITH r AS MATERIALIZED ({_RESOLVED_LINKS}) ")
            + "SELECT r.source, r.link_id, r.kind, r.created_at, r.removed_at, r.from_done, r.to_done, "
            + ", ".join(sides)
            + (" FROM resolved_links r " if bounded else " FROM r ")
            + " ".join(joins)
            + " WHERE 1 = 1 {kept} ORDER BY r.source, r.link_id"
        )
        return self._plan(sql, LINK_SCHEMA, bound)

    def retired_entries(self, wanted: list[tuple[str, str]]) -> tuple[pa.Table, pa.Table]:
        """The entries into the statuses of unknown category over the whole history, counted
        (`store.retired_counts`), for the (source, status id) pairs `wanted`: those of the statuses
        and status changes this read (`retired_counts.retired_statuses`). A bounded read holds only
        some of the changes, and counting in SQL from those few statuses costs less than counting the
        changes read in pandas when it holds them all."""
        return count_entries(self._read, self._as_of, wanted)

    def statuses(self) -> Read:
        schema = {"source": S, "status_id": S, "name": S, "category": S, "category_known": B}
        return self._plan("SELECT * FROM statuses ORDER BY source, status_id", schema)

    def people(self) -> Read:
        schema = {"source": S, "person_id": S, "display_name": S, "is_bot": B}
        return self._plan("SELECT * FROM people ORDER BY source, person_id", schema)

    def workflows(self) -> Read:
        schema = {"source": S, "project_key": S, "status_id": S}
        return self._plan("SELECT * FROM workflow_statuses ORDER BY source, project_key, status_id", schema)

    def memberships(self) -> Read:
        schema = {"source": S, "team_key": S, "person_id": S}
        sql = (
            "SELECT source, team_key, person_id FROM team_memberships"
            " WHERE (since IS NULL OR since <= {as_of}) AND (until IS NULL OR until > {as_of})"
            " ORDER BY source, team_key, person_id"
        )
        return self._plan(sql, schema)


def _kept(source: str, issue_id: str) -> str:
    # A row-value IN over the temporary table: its primary key serves it.
    return f"AND ({source}, {issue_id}) IN (SELECT k.source, k.issue_id FROM kept_issues k)"


def _parent_ref(side: str) -> str:
    """A parent change's side as an issue id: its id, else the synced issue holding its key."""
    return (
        f"COALESCE(c.{side}_parent_id, (SELECT MAX(i.issue_id || '') FROM issues i WHERE i.source = c.source"
        f" AND i.key = c.{side}_parent_key AND i.created <= {{as_of}}))"
    )


def _occurrences(text: str, names: tuple[str, ...]) -> list[str]:
    """The parameter names in `text` ("{name}"), in order of appearance."""
    found: list[tuple[int, str]] = []
    for name in names:
        start = 0
        token = "{" + name + "}"
        while (at := text.find(token, start)) >= 0:
            found.append((at, name))
            start = at + len(token)
    return [name for _, name in sorted(found)]
