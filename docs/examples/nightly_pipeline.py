"""orgpulse's nightly pipeline as an orchestrator runs it: three tasks, each a plain function.

Written in the task style Airflow (TaskFlow) and Dagster (ops) share: a task is a function of
plain values, what it returns feeds the next one, and it fails by raising. The tasks use only
`orgpulse`'s public API (`orgpulse.__all__`). Wired in Airflow, for instance:

    from airflow.decorators import dag, task

    @dag(schedule="0 2 * * *", catchup=False)
    def orgpulse_nightly():
        synced = task(retries=3)(sync_task)("/etc/orgpulse/config.toml")
        analysed = task(retries=3)(analyze_task)("/etc/orgpulse/config.toml", synced)
        task(report_task)("/etc/orgpulse/config.toml", analysed, "/srv/orgpulse/report.html")

Failure policy, as the exit codes of the CLI have it: refused credentials fail the sync task for
good (`AuthError`: retrying cannot help -- map it to AirflowFailException or a Dagster `Failure`);
a lock held by another run (`LockHeldError`) or a server that kept failing fails it so that the
orchestrator retries later; some sources failing while others synced is not a failure: the
analysis runs on what is there and the sync task returns the names of the sources that failed.
Nothing here holds a connection between tasks: each opens the store from the config.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from orgpulse import (
    AuthError,
    SourceError,
    Store,
    exit_code,
    load_settings,
    run_analyze,
    run_sync,
    write_report,
)


def sync_task(config: str) -> dict[str, Any]:
    """Sync every source; returns the store's totals per source and the sources that failed."""
    settings = load_settings(Path(config))
    store = Store.open(settings.store.url)
    try:
        reports = run_sync(settings, store)
    finally:
        store.close()
    failed = {r.name: f"{type(r.error).__name__}: {r.error}" for r in reports if r.error is not None}
    code = exit_code(reports)
    if code == 3:
        raise AuthError(f"every source failed, credentials refused: {failed}")
    if code == 1:
        raise SourceError(f"every source failed: {failed}")
    return {"sources": {r.name: r.as_json() for r in reports}, "failed": sorted(failed)}


def analyze_task(config: str, synced: dict[str, Any], as_of: datetime | None = None) -> dict[str, Any]:
    """Analyse the store and append a trend run (under the store-wide lock run_analyze takes)."""
    settings = load_settings(Path(config))
    store = Store.open(settings.store.url)
    try:
        run = run_analyze(settings, store, as_of=as_of, trigger="schedule")
    finally:
        store.close()
    alerts = [f for f in run.result.findings if f.severity.value == "alert"]
    return {
        "run_id": run.run_id,
        "findings": len(run.result.findings),
        "alerts": sorted({(f.team, f.symptom) for f in alerts}),
        "partial": synced["failed"],  # sources whose latest data is missing from this run
    }


def report_task(config: str, analysed: dict[str, Any], path: str) -> str:
    """Write the HTML report of the run the analysis appended; returns where it is."""
    settings = load_settings(Path(config))
    store = Store.open(settings.store.url)
    try:
        summary = write_report(store, Path(path), run_id=analysed["run_id"])
    finally:
        store.close()
    return str(summary.path)


def nightly(config: str, report: str, as_of: datetime | None = None) -> str:
    """The three tasks in order, as the DAG above runs them (for cron or a quick check by hand)."""
    return report_task(config, analyze_task(config, sync_task(config), as_of=as_of), report)
