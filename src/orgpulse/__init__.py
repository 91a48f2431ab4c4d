"""orgpulse: evidence of organisational symptoms in the history of Jira and Linear issues.

The API an orchestrator calls (Airflow, Dagster, cron; see README, "Calling orgpulse from code"):

    settings = load_settings(Path("config.toml"))    # ConfigError lists every problem
    store = Store.open(settings.store.url)            # migrates on open
    reports = run_sync(settings, store)               # one lock per source; failures in the reports
    exit_code(reports)                                # the CLI's exit code for them (0, 1, 3, 4)
    run = run_analyze(settings, store)                # takes the store-wide lock while it saves
    write_report(store, Path("report.html"))

Every name below is imported on first use, so `import orgpulse` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from orgpulse.errors import (
    AnalysisError,
    AuthError,
    ConfigError,
    IncompleteSyncError,
    LockHeldError,
    OrgpulseError,
    ProtocolError,
    RateLimitedError,
    SchemaDriftError,
    SourceError,
    StoreError,
    TransientError,
)

if TYPE_CHECKING:
    from orgpulse.analyze import AnalysisRun, run_analyze
    from orgpulse.config import Settings, load_settings
    from orgpulse.doctor import run_doctor
    from orgpulse.effects import run_interventions
    from orgpulse.explain import run_explain
    from orgpulse.report import write_report
    from orgpulse.schedule import run_schedule, run_tick
    from orgpulse.status import run_status
    from orgpulse.store import Store
    from orgpulse.sync import SourceReport, exit_code, run_sync

__version__ = "0.1.0"

# name -> the module that defines it, imported when the name is first read.
_LAZY = {
    "AnalysisRun": "orgpulse.analyze",
    "run_analyze": "orgpulse.analyze",
    "Settings": "orgpulse.config",
    "load_settings": "orgpulse.config",
    "run_doctor": "orgpulse.doctor",
    "run_interventions": "orgpulse.effects",
    "run_explain": "orgpulse.explain",
    "write_report": "orgpulse.report",
    "run_schedule": "orgpulse.schedule",
    "run_tick": "orgpulse.schedule",
    "run_status": "orgpulse.status",
    "Store": "orgpulse.store",
    "SourceReport": "orgpulse.sync",
    "exit_code": "orgpulse.sync",
    "run_sync": "orgpulse.sync",
}

__all__ = [
    "AnalysisError",
    "AnalysisRun",
    "AuthError",
    "ConfigError",
    "IncompleteSyncError",
    "LockHeldError",
    "OrgpulseError",
    "ProtocolError",
    "RateLimitedError",
    "SchemaDriftError",
    "Settings",
    "SourceError",
    "SourceReport",
    "Store",
    "StoreError",
    "TransientError",
    "__version__",
    "exit_code",
    "load_settings",
    "run_analyze",
    "run_doctor",
    "run_explain",
    "run_interventions",
    "run_schedule",
    "run_status",
    "run_sync",
    "run_tick",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'orgpulse' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
