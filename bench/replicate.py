"""Bulk copies of a loaded organisation inside its store: a million issues without a million renders.

    .venv/bin/python bench/replicate.py --store URL --copies 10

The direct loader (`direct_load.py`) renders and normalises each issue (~7 ms an issue: two hours
for a million). This multiplies an organisation it loaded, in SQL only (INSERT ... SELECT, one
statement per table and copy): copy k of every issue, change, history entry, link, person and
workflow gets new ids (`<id>-c<k>`), new people (`<id>-c<k>`) and new projects (`<KEY>X<k>`, keys
`<KEY>X<k>-<n>`), so the copies are teams of their own that never share a person or an issue. The
statuses are the site's, shared. Ten copies of the 100k-issue organisation are 1M issues, ~3.3M
history entries of their own... times ten: what a 1M-issue site's analysis reads.
"""

from __future__ import annotations

import argparse
import sys
import time

import sqlalchemy as sa

ID_COLUMNS = {
    "issue_id", "parent_id", "from_parent_id", "to_parent_id", "from_issue_id", "to_issue_id", "link_id",
}  # fmt: skip
PERSON_COLUMNS = {"person_id", "actor_id", "assignee_id", "from_person", "to_person"}
PROJECT_COLUMNS = {"project_key", "team_key", "from_team", "to_team"}
KEY_COLUMNS = {"key", "parent_key", "from_parent_key", "to_parent_key", "from_issue_key", "to_issue_key"}
TABLES = (
    "issues", "people", "links", "histories", "status_changes", "assignee_changes", "team_changes",
    "flag_changes", "parent_changes", "resolution_changes", "workflow_statuses", "team_memberships",
)  # fmt: skip


def copied(column: str, dialect: str) -> str:
    """The SQL expression of `column` in copy `n.k` (NULL stays NULL)."""
    name = f'x."{column}"'
    if column in ID_COLUMNS or column in PERSON_COLUMNS:
        return f"{name} || '-c' || n.k"
    if column in PROJECT_COLUMNS:
        return f"{name} || 'X' || n.k"
    if column in KEY_COLUMNS:
        dash = f"instr({name}, '-')" if dialect == "sqlite" else f"strpos({name}, '-')"
        return f"substr({name}, 1, {dash} - 1) || 'X' || n.k || substr({name}, {dash})"
    return name


def replicate(url: str, copies: int) -> None:
    """Add copies 1..copies-1 of what the store holds (copy 0 is the original), one statement a
    table: it reads the table as it was when the statement began."""
    engine = sa.create_engine(url)
    dialect = engine.dialect.name
    numbers = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, copies))
    for table in TABLES:
        started = time.perf_counter()
        names = [c["name"] for c in sa.inspect(engine).get_columns(table)]
        select = ", ".join(copied(c, dialect) for c in names)
        target = ", ".join(f'"{c}"' for c in names)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                f"INSERT INTO {table} ({target}) SELECT {select} FROM {table} x CROSS JOIN ({numbers}) n"
            )
        print(f"{table}: {copies} copies in {time.perf_counter() - started:.0f}s", flush=True)
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a store the direct loader filled")
    parser.add_argument("--copies", type=int, required=True, help="the organisation this many times in all")
    args = parser.parse_args()
    replicate(args.store, args.copies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
