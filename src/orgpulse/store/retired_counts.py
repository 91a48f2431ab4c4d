"""Counts, in SQL, the history entries that decide the category of the statuses a site no longer lists.

A retired status (`analysis.retired`) takes its category from every entry into it, whatever the
analysed window: the issues that passed through it years ago and have been closed since are the
ones a bounded read leaves out (`store.window`), and their votes count as much as recent ones. So a
bounded read counts them here, over the whole history as of the analysis: the distinct issues that
entered each such status, and the resolution items of the same entries by pair of values
(`analysis.retired.Entries`). The counts start from those few statuses, through the index on
status_changes (source, to_status) of migration 0016, not from every change.
"""

from __future__ import annotations

import pyarrow as pa

from orgpulse.store.arrow import ArrowReader

S = pa.string()
I64 = pa.int64()
ISSUES_SCHEMA = {"source": S, "status_id": S, "issues": I64}
ITEMS_SCHEMA = {"source": S, "status_id": S, "from_resolution": S, "to_resolution": S, "entries": I64}
CHUNK = 400  # statuses one query names (two parameters each)

# Over the CTE `wanted` (the statuses, as rows); CROSS JOIN fixes SQLite's order: from the statuses.
_WANTED = "WITH wanted (source, status_id) AS (VALUES {wanted}) "
_ISSUES = (
    _WANTED + "SELECT w.source, w.status_id, COUNT(DISTINCT c.issue_id) AS issues"
    " FROM wanted w CROSS JOIN status_changes c"
    " WHERE c.source = w.source AND c.to_status = w.status_id AND c.at <= {as_of}"
    " GROUP BY w.source, w.status_id ORDER BY w.source, w.status_id"
)
_ITEMS = (
    _WANTED + "SELECT w.source, w.status_id, r.from_resolution, r.to_resolution, COUNT(*) AS entries"
    " FROM wanted w CROSS JOIN status_changes c CROSS JOIN resolution_changes r"
    " WHERE c.source = w.source AND c.to_status = w.status_id AND c.at <= {as_of}"
    " AND r.source = c.source AND r.issue_id = c.issue_id AND r.history_id = c.history_id"
    " GROUP BY w.source, w.status_id, r.from_resolution, r.to_resolution"
    " ORDER BY w.source, w.status_id, r.from_resolution, r.to_resolution"
)


def count_retired_entries(
    read: ArrowReader, as_of: object, statuses: pa.Table, status_changes: pa.Table
) -> tuple[pa.Table, pa.Table]:
    """(source, status_id, issues) and (source, status_id, from_resolution, to_resolution, entries)
    of the statuses of unknown category: the catalogue's (`statuses`) and those `status_changes`
    name that it lacks; `as_of` is the reader's bound value of the analysis' time."""
    return count_entries(read, as_of, retired_statuses(statuses, status_changes))


def count_entries(
    read: ArrowReader, as_of: object, wanted: list[tuple[str, str]]
) -> tuple[pa.Table, pa.Table]:
    """`count_retired_entries` of the (source, status id) pairs `wanted` (`retired_statuses`)."""
    counted = []
    for body, schema in ((_ISSUES, ISSUES_SCHEMA), (_ITEMS, ITEMS_SCHEMA)):
        chunks = [
            _counted(read, as_of, wanted[start : start + CHUNK], body, schema)
            for start in range(0, len(wanted), CHUNK)
        ]
        counted.append(pa.concat_tables(chunks) if chunks else pa.schema(schema).empty_table())
    return counted[0], counted[1]


def retired_statuses(statuses: pa.Table, status_changes: pa.Table) -> list[tuple[str, str]]:
    """(source, status id) of the catalogue's statuses of unknown category and of those the changes
    name that it lacks, sorted (`analysis.retired.missing_statuses`, on the stored ids)."""
    listed = statuses.select(["source", "status_id", "category_known"]).to_pylist()
    unknown = {(r["source"], r["status_id"]) for r in listed if not r["category_known"]}
    named: set[tuple[str, str]] = set()
    for side in ("from_status", "to_status"):
        pairs = status_changes.group_by(["source", side]).aggregate([])
        named.update(zip(pairs.column("source").to_pylist(), pairs.column(side).to_pylist(), strict=True))
    missing = {pair for pair in named if pair[1] is not None} - {
        (r["source"], r["status_id"]) for r in listed
    }
    return sorted(unknown | missing)


def _counted(
    read: ArrowReader, as_of: object, wanted: list[tuple[str, str]], body: str, schema: dict[str, pa.DataType]
) -> pa.Table:
    """`body` for the statuses `wanted`: its {wanted} made their rows, each {as_of} bound."""
    rows = ", ".join(
        f"(CAST({read.param(2 * n + 1)} AS TEXT), CAST({read.param(2 * n + 2)} AS TEXT))"
        for n in range(len(wanted))
    )
    params: list[object] = [value for pair in wanted for value in pair]
    text = body.replace("{wanted}", rows)
    while "{as_of}" in text:
        params.append(as_of)
        text = text.replace("{as_of}", read.param(len(params)), 1)
    return read.table(text, schema, params)
