"""The analyze use case: stored history -> symptoms per team and week -> appended trend rows."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import orjson

from orgpulse import collector
from orgpulse.analysis.result import AnalysisResult, Checked, Finding, evidence_texts
from orgpulse.analysis.run import detect, read_since
from orgpulse.analysis.scoring import LOW_CONFIDENCE
from orgpulse.config import Settings
from orgpulse.config import analysis_settings as analysis_settings  # the use cases' name for it
from orgpulse.store import Store
from orgpulse.store.frames import load_frames
from orgpulse.store.locks import Lease
from orgpulse.store.runs import finish_run, start_run
from orgpulse.teams import TeamRule

log = logging.getLogger(__name__)

EVIDENCE_SHOWN = 20


@dataclass(frozen=True)
class AnalysisRun:
    run_id: str | None  # None when the run was not saved (--no-save)
    generated_at: datetime
    result: AnalysisResult


def team_rules(settings: Settings) -> dict[str, TeamRule]:
    return {s.name: s.team_rule for s in settings.sources}


def run_analyze(
    settings: Settings,
    store: Store,
    *,
    as_of: datetime | None = None,
    weeks: int | None = None,
    save: bool = True,
    trigger: str = "manual",
    prepare: Callable[[AnalysisRun], object] | None = None,
) -> AnalysisRun:
    """Analyse the stored history as of `as_of` (default now) and append a trend run unless `save` is off.

    Saving takes the store-wide lock for the whole run; LockHeldError, naming its holder, when
    another process holds it. `save=False` reads only and takes no lock. `prepare` is given the run
    once it is analysed, before it is committed: the caller makes its output while the store
    writes the rows (a big organisation's take a second); when it fails, the run is not saved.
    """
    with collector.paused():
        if not save:
            return _analyze(
                settings, store, as_of=as_of, weeks=weeks, save=False, trigger=trigger, prepare=prepare
            )
        with Lease(store, "store"):
            return _analyze(
                settings, store, as_of=as_of, weeks=weeks, save=True, trigger=trigger, prepare=prepare
            )


def _analyze(
    settings: Settings,
    store: Store,
    *,
    as_of: datetime | None,
    weeks: int | None,
    save: bool,
    trigger: str,
    prepare: Callable[[AnalysisRun], object] | None,
) -> AnalysisRun:
    now = datetime.now(UTC)
    as_of = as_of or now
    analysis = analysis_settings(settings)
    weeks = weeks or analysis.weeks
    since = read_since(analysis, as_of=as_of, weeks=weeks, interventions=settings.interventions)
    if not save:
        # The frames handed over, as below: detect lets their change tables go once its inputs are built.
        rules = team_rules(settings)
        result = detect(
            load_frames(store, as_of=as_of, since=since, rosters=settings.rosters, team_rules=rules),
            analysis,
            as_of=as_of,
            weeks=weeks,
            interventions=settings.interventions,
        )
        run = AnalysisRun(run_id=None, generated_at=now, result=result)
        if prepare is not None:
            prepare(run)
        return run
    run_id = str(uuid.uuid4())
    store.start_run(
        run_id,
        trigger=trigger,
        as_of=as_of,
        weeks=weeks,
        timezone=analysis.timezone,
        fingerprint=analysis.fingerprint(),
        now=now,
    )
    journal = start_run(store, kind="analyze", source=None, trigger=trigger, now=now)
    store.prepare_save()
    try:
        # The frames are handed over (no name holds them here): detect lets their change tables go
        # once its inputs are built.
        result = detect(
            load_frames(
                store, as_of=as_of, since=since, rosters=settings.rosters, team_rules=team_rules(settings)
            ),
            analysis,
            as_of=as_of,
            weeks=weeks,
            interventions=settings.interventions,
        )
        run = AnalysisRun(run_id=run_id, generated_at=now, result=result)
        store.save_result(
            run_id,
            result,
            now=datetime.now(UTC),
            meanwhile=None if prepare is None else partial(prepare, run),
        )
    except BaseException as exc:
        # A run that did not finish is never read as a result: marked aborted, its rows not committed.
        store.abort_run(run_id, now=datetime.now(UTC))
        finish_run(
            store,
            journal,
            outcome="failed" if isinstance(exc, Exception) else "aborted",
            now=datetime.now(UTC),
            error=exc,
        )
        raise
    finish_run(store, journal, outcome="ok", now=datetime.now(UTC))
    if settings.store.retention_days:
        pruned = store.prune_runs(before=now - timedelta(days=settings.store.retention_days))
        if pruned:
            log.info("analyze: pruned %d runs older than %d days", pruned, settings.store.retention_days)
    log.info("analyze: %d findings over %d weeks, run %s", len(result.findings), weeks, run_id)
    return run


def finding_json(f: Finding, evidence: Any = None) -> dict[str, Any]:
    """One finding in the shape of DESIGN.md's `analyze --format json`: its 20 most significant
    pieces of evidence (or `evidence`, those made already), and whether its confidence is low."""
    shown = f.to_json(evidence_limit=EVIDENCE_SHOWN, evidence=evidence)
    shown["low_confidence"] = f.confidence < LOW_CONFIDENCE
    return shown


def run_json(run: AnalysisRun, *, fragments: bool = False) -> dict[str, Any]:
    """`analyze --format json`'s document. With `fragments`, each finding's shown evidence is its
    JSON text (an orjson.Fragment made column by column, `evidence_texts`: orjson writes the same
    bytes as for the items, `json` cannot write it), never a dict per item."""
    findings = run.result.findings
    if fragments:
        texts = evidence_texts(findings, EVIDENCE_SHOWN)
        shown = Checked(finding_json(f, orjson.Fragment(t)) for f, t in zip(findings, texts, strict=True))
    else:
        shown = Checked(finding_json(f) for f in findings)
    return {
        "run_id": run.run_id,
        "generated_at": run.generated_at.isoformat(),
        "timezone": run.result.timezone,
        "findings": shown,
        "diagnosis": run.result.diagnosis.to_json(),
        "flow": [row.to_json() for row in run.result.flow],
        "interventions": [found.to_json() for found in run.result.interventions],
    }
