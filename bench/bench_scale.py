"""Benchmark: the whole `orgpulse analyze` process over a big store, in the shapes issue 13 names.

    .venv/bin/python bench/bench_scale.py --issues 100000 [--split 1] [--weeks 26] [--older-years 0]
                                          [--copies 1] [--store sqlite|postgresql] [--seed 7]

Builds the store once (kept under bench/out/, or a PostgreSQL database named after the shape) with
the direct loader (bench/direct_load.py: no HTTP), then runs `orgpulse analyze --format json` as a
child process and prints its wall time, CPU time (user + sys, its own and its SQLite reader's) and
peak RSS (of the largest process: on SQLite the reader process, store/arrow_child.py, peaks apart,
about 175 MiB at 100k issues).

* `--split N` spreads each team's issues over N projects (each one a team): 100k issues with 40
  teams and `--split 11` is the ~430 teams × 18 weeks shape (`--weeks 18`).
* `--older-years Y` puts Y years of finished history in front of the organisation: copies of its
  done and canceled issues, with their changes, shifted back by whole half-years under new ids, so
  the window bound can be checked (analysing the last weeks should cost about the same).
* `--copies N` repeats the organisation N times in the store (bench/replicate.py: new ids, people
  and projects for each copy, in SQL): `--issues 100000 --copies 10` is the 1M-issue site.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from direct_load import SOURCE, batches
from orgpulse.sandbox import SANDBOX_EMAIL, SANDBOX_TOKEN, generate_org
from orgpulse.store import Store
from orgpulse.store import schema as t
from orgpulse.store.batch import save_batch
from replicate import replicate

ANCHOR = date(2026, 11, 20)
OUT = Path(__file__).resolve().parent / "out"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HALF_YEAR_DAYS = 182


def split_projects(url: str, split: int) -> None:
    """Each issue in project `<KEY><n>`, n = its id modulo `split`: one team becomes `split` teams."""
    engine = sa.create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    number = "CAST(issue_id AS INTEGER)" if sqlite else "CAST(issue_id AS BIGINT)"
    modulo = "%" if sqlite else "%%"  # psycopg reads a lone % as a placeholder
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE issues SET project_key = project_key || ({number} {modulo} {split})")
        conn.exec_driver_sql(
            f"WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < {split - 1})"
            " INSERT INTO workflow_statuses (source, project_key, status_id)"
            " SELECT w.source, w.project_key || n.k, w.status_id FROM workflow_statuses w, n"
        )
        conn.exec_driver_sql(
            "DELETE FROM workflow_statuses WHERE project_key NOT IN (SELECT DISTINCT project_key FROM issues)"
        )


def build(url: str, issues: int, seed: int, split: int, workers: int) -> None:
    started = time.perf_counter()
    org = generate_org(seed=seed, issues=issues, anchor=ANCHOR, weeks=26)
    print(
        f"generated {len(org.issues)} issues, {len(org.teams)} teams in {time.perf_counter() - started:.0f}s"
    )
    store = Store.open(url)
    store.save_source(SOURCE, "jira_cloud", "http://127.0.0.1:1")
    now = datetime.now(UTC)
    started = time.perf_counter()
    for batch in batches(org, workers):
        with store.engine.begin() as conn:
            save_batch(conn, SOURCE, batch, now)
    print(f"loaded in {time.perf_counter() - started:.0f}s", flush=True)


def add_older_history(url: str, years: int) -> None:
    """Copies of the finished issues and their changes, shifted back by 1..2*years half-years."""
    engine = sa.create_engine(url)
    pg = engine.dialect.name == "postgresql"

    def shifted(column: str, days: int) -> str:
        if pg:
            return f"{column} - interval '{days} days'"
        return f"strftime('%Y-%m-%d %H:%M:%f', {column}, '-{days} days') || '000'"

    issue_columns = [c.name for c in t.issues.columns]
    times = {"created", "updated", "resolved", "fetched_at", "deleted_at"}
    started = time.perf_counter()
    with engine.begin() as conn:
        done = (
            "EXISTS (SELECT 1 FROM statuses s WHERE s.source = i.source AND s.status_id = i.status_id"
            " AND s.category IN ('done', 'canceled'))"
        )
        for copy in range(1, 2 * years + 1):
            days = copy * HALF_YEAR_DAYS
            suffix = f"'-o{copy}'"
            select = []
            for c in issue_columns:
                if c in times:
                    select.append(shifted(f"i.{c}", days))
                elif c in ("issue_id", "key"):
                    select.append(f"i.{c} || {suffix}")
                elif c in ("parent_id", "parent_key"):
                    select.append("NULL")
                else:
                    select.append(f"i.{c}")
            conn.exec_driver_sql(
                f"INSERT INTO issues ({', '.join(issue_columns)}) SELECT {', '.join(select)}"
                f" FROM issues i WHERE i.issue_id NOT LIKE '%-o%' AND {done}"
            )
            for name, table in t.CHANGE_TABLES.items():
                columns = [c.name for c in table.columns]
                picked = [
                    shifted(f"c.{c}", days)
                    if c == "at"
                    else f"c.{c} || {suffix}"
                    if c == "issue_id"
                    else f"c.{c}"
                    for c in columns
                ]
                conn.exec_driver_sql(
                    f"INSERT INTO {name} ({', '.join(columns)}) SELECT {', '.join(picked)} FROM {name} c"
                    f" JOIN issues i ON i.source = c.source AND i.issue_id = c.issue_id"
                    f" WHERE c.issue_id NOT LIKE '%-o%' AND {done}"
                )
    print(f"older history: {2 * years} shifted copies in {time.perf_counter() - started:.0f}s", flush=True)


def store_url(args: argparse.Namespace) -> str:
    name = f"scale-{args.issues}-{args.seed}-s{args.split}-o{args.older_years}"
    name += f"-c{args.copies}" if args.copies > 1 else ""
    if args.store == "sqlite":
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'orgpulse.db'}"
    database = name.replace("-", "_")
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"


def loaded(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(sa.text("SELECT count(*) FROM issues")).scalar_one())
    except sa.exc.SQLAlchemyError:
        return False


def measure(url: str, weeks: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.write_text(
            f'[store]\nurl = "{url}"\n\n[[sources]]\nname = "{SOURCE}"\nkind = "jira_cloud"\n'
            'url = "http://127.0.0.1:1"\nemail_env = "BENCH_EMAIL"\ntoken_env = "BENCH_TOKEN"\n\n'
            '[analysis]\ntimezone = "UTC"\n'
        )
        env = {**os.environ, "BENCH_EMAIL": SANDBOX_EMAIL, "BENCH_TOKEN": SANDBOX_TOKEN}
        command = [
            str(Path(sys.executable).parent / "orgpulse"), "--config", str(config), "analyze",
            "--format", "json", "--weeks", str(weeks), "--as-of", "2026-11-21",
        ]  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"analyze failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    findings = len(json.loads(done.stdout)["findings"])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        f"orgpulse analyze --weeks {weeks}: {wall:.1f}s wall, {cpu:.1f}s CPU, "
        f"peak RSS {after.ru_maxrss / 1024:.0f} MiB, {findings} findings; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--split", type=int, default=1)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--older-years", type=int, default=0)
    parser.add_argument("--copies", type=int, default=1, help="the organisation repeated this many times")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="processes rendering and normalising")
    args = parser.parse_args()
    url = store_url(args)
    if not loaded(url):
        base = OUT / f"scale-{args.issues}-{args.seed}-s1-o0" / "orgpulse.db"
        target = Path(url.removeprefix("sqlite:///"))
        if args.store == "sqlite" and base.exists() and target != base:
            shutil.copyfile(base, target)  # a variant of the base store: derived, not loaded again
            print(f"copied {base}", flush=True)
        else:
            build(url, args.issues, args.seed, args.split, args.workers)
        if args.split > 1:
            split_projects(url, args.split)
        if args.older_years:
            add_older_history(url, args.older_years)
        if args.copies > 1:
            replicate(url, args.copies)
        if args.store == "sqlite":
            # The build's WAL (gigabytes at 1M issues) into the database file now: otherwise the first
            # measured analysis pays for it, its commit checkpointing the whole build.
            with sa.create_engine(url).connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    measure(url, args.weeks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
