"""`detect`: runs every registered detector over the frames and returns the findings, their cost,
the diagnosis built on them and the flow behind them.

Pure: no I/O and no clock reads; `as_of` is passed in. Reports the last `weeks` complete ISO weeks
in the settings' time zone ending at or before `as_of`; the 4 weeks before them are scored too,
only to give each reported row its direction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis.assemble import NO_COST_KEY, to_findings
from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.cleanups import cleanup_notes
from orgpulse.analysis.cost import cost_explain
from orgpulse.analysis.derived import BULK, CATALOGUE, SPECS, TEAMS
from orgpulse.analysis.detectors import registered_detectors, workflow
from orgpulse.analysis.detectors.base import Detected, Detector
from orgpulse.analysis.detectors.grading import FINISH_NEEDS, finish
from orgpulse.analysis.detectors.meetings.detect import SPAN as MEETING_SPAN
from orgpulse.analysis.detectors.symptom import Symptom
from orgpulse.analysis.flow import FLOW_NEEDS, cycle_points, flow_rows
from orgpulse.analysis.forked import can_fork, in_fork
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.inputs import Context, Inputs, Key, build_inputs
from orgpulse.analysis.interventions import MetricValues, evaluate, weeks_needed
from orgpulse.analysis.levers import diagnose as diagnose_levers
from orgpulse.analysis.result import AnalysisResult, DependencyRow, Diagnosis, Finding, Intervention
from orgpulse.analysis.scoring import directions
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.analysis.weeks import HOUR_NS, TRAILING, WeekGrid, build_week_grid, timestamp_ns
from orgpulse.errors import AnalysisError

log = logging.getLogger(__name__)

DETECTORS = registered_detectors()
# From this many issues the detectors run on two cores (`analysis.forked`): below it a fork and the
# findings' trip back cost more than half the detectors.
SPLIT_ISSUES = 20_000


def detect(
    frames: Frames,
    settings: AnalysisSettings,
    *,
    as_of: datetime,
    weeks: int | None = None,
    detectors: tuple[Detector, ...] = DETECTORS,
    interventions: Sequence[Intervention] = (),
    diagnose: bool = True,
) -> AnalysisResult:
    """Findings for every team with issues × reported week × detector, the blocking matrix, the
    diagnosis, the flow, and the effects of `interventions`.

    An intervention whose before window starts earlier than the scored weeks extends them
    backwards (those weeks are computed, never reported). `diagnose` off gives the symptoms alone
    (no cost, flow, levers or interventions), for benchmarks.
    """
    count = settings.weeks if weeks is None else weeks
    if count < 1:
        raise AnalysisError(f"weeks must be at least 1, not {count}")
    check_frames(frames)
    started = time.perf_counter()
    grid = analysis_grid(settings, as_of, count, interventions, history_start(frames, settings.timezone))
    context = Context(
        frames=frames, settings=settings, as_of=timestamp_ns(as_of), grid=grid, diagnose=diagnose
    )
    wanted: list[Key[Any]] = [key for detector in detectors for key in detector.needs]
    wanted += list(FLOW_NEEDS) if diagnose else []
    kept = [BULK, TEAMS, *FINISH_NEEDS, *(FLOW_NEEDS if diagnose else ())]  # read after the detectors too
    wanted += [BULK, TEAMS, *FINISH_NEEDS]
    inputs = build_inputs(context, wanted, SPECS)
    # Only inputs read the change tables of `Frames.for_detectors`: they go now, unless the caller
    # still holds `frames` (`orgpulse.analyze` hands them over).
    inputs.context = replace(context, frames=frames.for_detectors())
    del frames, context
    cat = inputs[CATALOGUE]
    # A big organisation's detectors run on two cores: every other one in a forked copy of this
    # process (the first, third...: with pickling their findings back, about the others' time).
    split = cat.issues.frame.shape[0] >= SPLIT_ISSUES and len(detectors) > 1 and can_fork()
    own, other = (detectors[1::2], detectors[0::2]) if split else (detectors, ())
    collect = bool(interventions)
    pending = None
    if split:
        try:
            pending = in_fork(partial(run_detectors, other, inputs, grid, kept, collect))
        except OSError as exc:  # fork refused: every detector here, as on one core
            log.info("detectors run in one process: %s", exc)
            split, own = False, detectors
    try:
        ran = run_detectors(own, inputs, grid, kept, collect)
        # The flow reads inputs alone: made while the copy finishes (its half takes longer, pickled).
        flow = flow_rows(inputs.restricted(FLOW_NEEDS)) if diagnose else []
        points = cycle_points(inputs.restricted(FLOW_NEEDS)) if diagnose else []
        ran_other = pending.result() if pending is not None else []
    except BaseException:
        if pending is not None:
            pending.cancel()
        raise
    in_order = [*ran, *ran_other]
    if split:  # back in the detectors' order
        in_order[0::2], in_order[1::2] = ran_other, ran
    findings: list[Finding] = []
    dependencies: list[DependencyRow] = []
    values = MetricValues()
    for found, depends, collected in in_order:
        findings.extend(found)
        dependencies.extend(depends)
        values.thresholded.update(collected.thresholded)
        values.weekly.update(collected.weekly)
        values.per_issue.update(collected.per_issue)
    findings = with_cleanups(findings, inputs, grid)
    findings.sort(key=lambda f: (f.symptom, f.team, f.week_start))
    dependencies.sort(key=lambda d: (d.week_start, d.blocked_team, d.blocking_team))
    effects = evaluate(
        interventions,
        values,
        [str(label) for label in cat.teams.labels[cat.teams.reported]],
        list(grid.starts[grid.first_scored :]),
    )
    log.info(
        "analysed %d weeks (%s) in %.2f s: %d findings, %d dependency rows",
        count,
        settings.timezone,
        time.perf_counter() - started,
        len(findings),
        len(dependencies),
    )
    return AnalysisResult(
        findings=findings,
        dependencies=dependencies,
        timezone=settings.timezone,
        weeks=[grid.starts[w] for w in grid.reported],
        diagnosis=diagnose_levers(findings) if diagnose else Diagnosis(None, None, [], []),
        flow=flow,
        cycle_points=points,
        interventions=effects,
    )


Ran = tuple[list[Finding], list[DependencyRow], MetricValues]


def run_detectors(
    detectors: Sequence[Detector], inputs: Inputs, grid: WeekGrid, kept: Sequence[Key[Any]], collect: bool
) -> list[Ran]:
    """Per detector, in order: its findings, its dependency rows of reported weeks and (`collect`)
    its values for the interventions. An input is released after the last of `detectors` to read it."""
    done_with = last_reads(detectors, kept)
    reported = {grid.starts[w] for w in grid.reported}
    out: list[Ran] = []
    for index, detector in enumerate(detectors):
        values = MetricValues()
        output = detector.detect(inputs.restricted(detector.needs))
        rows = finish(detector, output, inputs)
        table = rows.table
        table = table.assign(direction=directions(table[["team", "week", "score"]]).to_numpy())
        table = table.loc[table["week"] >= grid.first_reported]
        if collect:
            collect_values(values, detector.symptom, output, rows.table, inputs[CATALOGUE], grid)
        cost = None
        if output.cost is not None:
            counted = detector.cost_counted
            cost = cost_explain(inputs[CATALOGUE], output.cost, counted, grid.first_reported)
            cost[NO_COST_KEY] = {"counted": counted, "hours": 0.0, "issue_count": 0, "issues": []}
        found = to_findings(replace(rows, table=table), inputs[CATALOGUE], grid, cost)
        out.append((found, [d for d in output.dependencies if d.week_start in reported], values))
        inputs.release(done_with[index])
        del output, rows, table  # the detector's own tables, not kept through the next one
    return out


def last_reads(detectors: Sequence[Detector], kept: Sequence[Key[Any]]) -> list[list[Key[Any]]]:
    """Per detector, the inputs it is the last to read (none of `kept`): released after it, so a big
    organisation's activity or assignment tables do not outlive their readers."""
    out = []
    for index, detector in enumerate(detectors):
        later = {key for other in detectors[index + 1 :] for key in other.needs}
        out.append([key for key in detector.needs if key not in later and key not in kept])
    return out


def analysis_grid(
    settings: AnalysisSettings,
    as_of: datetime,
    count: int,
    interventions: Sequence[Intervention] = (),
    started: date | None = None,
) -> WeekGrid:
    """The weeks `detect` computes: `count` reported weeks, extended backwards when an
    intervention's before window starts earlier than the scored weeks (never before the week the
    history `started`)."""
    grid = build_week_grid(as_of, settings.timezone, count)
    extra = weeks_needed(interventions, grid.starts[grid.first_scored], started)
    if extra:
        grid = build_week_grid(as_of, settings.timezone, count + extra)
        grid = replace(grid, first_reported=grid.count - count)
    return grid


def read_since(
    settings: AnalysisSettings,
    *,
    as_of: datetime,
    weeks: int | None = None,
    interventions: Sequence[Intervention] = (),
) -> datetime:
    """The earliest time `detect` looks at for these weeks (and interventions): the store need not
    read issues that finished before it (`load_frames(since=...)`).

    The grid's first scored week, less the longest trailing window a definition reads before it
    (SYMPTOMS.md: 4 weeks, the meeting slot's 6, the unused-status window of `unused_weeks`), less
    one week so a zone's offset never matters.
    """
    count = settings.weeks if weeks is None else weeks
    grid = analysis_grid(settings, as_of, max(count, 1), interventions)
    lookback = max(TRAILING, MEETING_SPAN, settings.thresholds(workflow.SYMPTOM).unused_weeks) + 1
    first = int(grid.bounds[grid.first_scored]) - lookback * 7 * 24 * HOUR_NS
    return datetime.fromtimestamp(first // 1_000_000_000, UTC)


def with_cleanups(findings: list[Finding], inputs: Inputs, grid: WeekGrid) -> list[Finding]:
    """Each finding with the bulk cleanups that touched its team in its trailing weeks, under
    `explain["cleanups"]` (apart from the evidence, SYMPTOMS.md "Bulk cleanups")."""
    bulk, cat = inputs[BULK], inputs[CATALOGUE]
    if bulk.empty:
        return findings
    at = bulk["at"].to_numpy()
    notes = cleanup_notes(cat, bulk, inputs[TEAMS].at(bulk["issue"].to_numpy(), at), grid.week_of(at))
    team_code = {str(label): code for code, label in enumerate(cat.teams.labels)}
    week_index = {start: index for index, start in enumerate(grid.starts)}
    out = []
    for f in findings:
        found = notes.get((team_code.get(f.team, -1), week_index.get(f.week_start, -1)))
        out.append(replace(f, explain={**f.explain, "cleanups": found}) if found else f)
    return out


def collect_values(
    values: MetricValues,
    symptom: Symptom[Any],
    output: Detected,
    table: pd.DataFrame,
    cat: Catalogue,
    grid: WeekGrid,
) -> None:
    """Keep a detector's thresholded metric for every scored week, for the interventions' tests."""
    metrics = (symptom.levels.metric,)
    values.thresholded[symptom.name] = metrics
    labels, starts = cat.teams.labels, np.array(grid.starts, dtype=object)
    values.weekly[symptom.name] = pd.DataFrame(
        {
            "team": labels[table["team"].to_numpy(dtype=np.int64)],
            "week": starts[table["week"].to_numpy(dtype=np.int64)],
            **{m: table[m].to_numpy(dtype=float) for m in metrics},
        }
    )
    for metric, frame in output.per_issue.items():
        week, team = frame["week"].to_numpy(dtype=np.int64), frame["team"].to_numpy(dtype=np.int64)
        keep = (week >= grid.first_scored) & (week < grid.count) & (team >= 0)
        values.per_issue[metric] = pd.DataFrame(
            {
                "team": labels[team[keep]],
                "week": starts[week[keep]],
                "value": frame["value"].to_numpy(float)[keep],
            }
        )


def history_start(frames: Frames, timezone: str) -> date | None:
    """The local date of the first issue's creation (None without issues)."""
    created = pd.to_datetime(frames.issues["created"], utc=True)
    first = created.min()
    return None if pd.isna(first) else first.tz_convert(timezone).date()


def check_frames(frames: Frames) -> None:
    """Raise AnalysisError naming every contract column a frame lacks."""
    missing = frames.missing_columns()
    if missing:
        raise AnalysisError(f"the frames lack columns: {', '.join(missing)}")
