"""meeting_driven_process: coordination replaces collaboration (SYMPTOMS.md).

Per team T and week W:
* coordination_share: coordination artefacts (type, labels or title matching the coordination
  patterns, on word boundaries after normalisation) among the issues created in W (team at creation).
* meeting_wait_share: over issues completed in W (team at completion), time in meeting statuses
  before completion / lead time, summed over the sample.
* decision_batching: human exits from approval and meeting statuses in W-5..W (team at exit; bots
  and unknown actors never count), placed on the weekly cycle in the analysis time zone. A slot is
  a 2-hour window starting on a 15-minute grid, wrapping from Sunday into Monday; the slot holding
  the most exits gives the share. Ties go to the window holding the latest exit, then to the one
  starting latest at or before that exit (the same exits, named by a tighter window).
* median_wait_for_slot_hours: the visits the slot ended, how long each sat in its status.
* sample_size: those exits; below min_sample the row is insufficient_data. Only decision batching
  is thresholded; the other metrics are reported, never decisive.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from orgpulse.analysis import evidence
from orgpulse.analysis.assemble import row_grid
from orgpulse.analysis.catalogue import Catalogue, latest_rows
from orgpulse.analysis.cost import role_cost
from orgpulse.analysis.derived import CATALOGUE, COMPLETED, CREATED, INTERVALS, TEAMS
from orgpulse.analysis.detectors.base import Detected, Detector, Sample
from orgpulse.analysis.detectors.meetings import SYMPTOM
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.inputs import Inputs
from orgpulse.analysis.samples import WEEK_MINUTES, local_clock, scored, time_before, window_spread
from orgpulse.analysis.teams import TeamLookup
from orgpulse.analysis.timeline import pack
from orgpulse.analysis.weeks import HOUR_NS, WeekGrid
from orgpulse.model import Role

SPAN = 6  # W-5..W
GRID_MINUTES = 15
SLOT_BINS = 8  # 2 hours of 15-minute steps
BINS = WEEK_MINUTES // GRID_MINUTES
CHUNK = 2048  # (team, week) rows placed on the weekly cycle at a time
_KEYS = ["team", "week"]
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Combining marks left by NFKD (the accents normalise_name strips).
_COMBINING = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"


def normalised_text(values: pd.Series) -> pd.Series:
    """`patterns.normalise_name` over a column, vectorised (object dtype: Python's Unicode regex)."""
    text = pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object)
    text = text.where(text.notna(), "").map(str).str.casefold().str.normalize("NFKD")
    text = text.str.replace(_COMBINING, "", regex=True).str.replace(r"[\W_]+", " ", regex=True)
    return text.str.strip()


def coordination_artefacts(cat: Catalogue, frames: Frames, patterns: tuple[str, ...]) -> np.ndarray:
    """True for each catalogue issue whose type, one of its labels, or title matches a pattern."""
    found: np.ndarray = np.zeros(len(cat.issues.frame), dtype=bool)
    if not patterns:
        return found
    raw = latest_rows(frames.issues, "issue_uid").set_index("issue_uid")
    fields = raw.reindex(cat.issues.frame["uid"].astype(object)).reset_index(drop=True)
    alternatives = "|".join(re.escape(p) for p in sorted(patterns, key=len, reverse=True))
    regex = f"(?:^| )(?:{alternatives})(?: |$)"
    for column in ("type_name", "title"):
        found |= _matches(fields[column], regex)
    labels = pd.Series(fields["labels"].to_numpy(dtype=object), dtype=object).dropna().map(str).str.split(",")
    each = labels.explode()
    hit = _matches(each, regex)
    found[each.index.to_numpy()[hit]] = True
    return found


def _matches(values: pd.Series, regex: str) -> np.ndarray:
    """Whether each value, normalised, contains `regex`: worked out once per distinct value."""
    codes, distinct = pd.factorize(
        pd.Series(values.to_numpy(dtype=object), dtype=object), use_na_sentinel=True
    )
    hits = (
        normalised_text(pd.Series(distinct, dtype=object))
        .str.contains(regex, regex=True)
        .to_numpy(dtype=bool)
    )
    missing = bool(normalised_text(pd.Series([None], dtype=object)).str.contains(regex, regex=True).iloc[0])
    result: np.ndarray = np.append(hits, missing)[codes]
    return result


def decision_exits(
    cat: Catalogue, intervals: pd.DataFrame, teams: TeamLookup, grid: WeekGrid, timezone: str
) -> pd.DataFrame:
    """Exits from approval and meeting statuses, spread over the windows W-5..W that hold them.

    Columns: issue, status, team (at exit), week (the window's week), at, bin (15-minute step of
    the local week), hours (the visit's length), bot (made by a bot or an unknown actor).
    """
    role = cat.statuses.has_role(Role.APPROVAL, Role.MEETING)[intervals["status"].to_numpy()]
    epic = cat.issues.frame["is_epic"].to_numpy(dtype=bool)[intervals["issue"].to_numpy()]
    ended = intervals.loc[role & ~epic & ~intervals["open"].to_numpy()]
    end = ended["end"].to_numpy()
    week, minutes = local_clock(end, grid, timezone)
    team = teams.at(ended["issue"].to_numpy(), end)
    known = np.flatnonzero(team >= 0)
    rows, window = window_spread(week[known], grid, SPAN)
    picked = known[rows]
    return pd.DataFrame(
        {
            "issue": ended["issue"].to_numpy()[picked],
            "status": ended["status"].to_numpy()[picked],
            "team": team[picked],
            "week": window,
            "at": end[picked],
            "bin": (minutes[picked] // GRID_MINUTES).astype(np.int64) % BINS,
            "hours": (end[picked] - ended["start"].to_numpy()[picked]) / HOUR_NS,
            "bot": ended["exit_bot"].to_numpy()[picked],
        }
    )


def slot_starts(row: np.ndarray, bins: np.ndarray, at: np.ndarray, rows: int) -> tuple[np.ndarray, ...]:
    """For exits of rows 0..rows-1 (row sorted ascending): each row's slot start, exits in it, exits."""
    lowest = np.iinfo(np.int64).min
    counts = np.bincount(row * BINS + bins, minlength=rows * BINS).astype(np.int32).reshape(rows, BINS)
    latest: np.ndarray = np.full((rows, BINS), lowest, dtype=np.int64)
    np.maximum.at(latest, (row, bins), at)
    windows, window_latest = _slot_sums(counts), _slot_maxima(latest)
    best = windows.max(axis=1)
    tied = np.where(windows == best[:, None], window_latest, lowest)
    newest = tied.max(axis=1)
    newest_bin = np.argmax(latest == newest[:, None], axis=1)
    lag = (newest_bin.astype(np.int16)[:, None] - np.arange(BINS, dtype=np.int16)[None, :]) % BINS
    start = np.argmin(np.where(tied == newest[:, None], lag, BINS), axis=1)
    return start, best, counts.sum(axis=1)


def _wrapped(per_bin: np.ndarray) -> np.ndarray:
    """Each row's bins followed by its first SLOT_BINS - 1 again: a slot may wrap into Monday."""
    wrapped: np.ndarray = np.concatenate([per_bin, per_bin[:, : SLOT_BINS - 1]], axis=1)
    return wrapped


def _slot_sums(counts: np.ndarray) -> np.ndarray:
    """Per row and start bin, the sum of the SLOT_BINS bins from it (a running sum's differences)."""
    running: np.ndarray = np.zeros((len(counts), BINS + SLOT_BINS), dtype=np.int32)
    np.cumsum(_wrapped(counts), axis=1, out=running[:, 1:])
    sums: np.ndarray = running[:, SLOT_BINS:] - running[:, :BINS]
    return sums


def _slot_maxima(latest: np.ndarray) -> np.ndarray:
    """Per row and start bin, the largest of the SLOT_BINS bins from it: each pass doubles (at
    most) the bins a column covers, so SLOT_BINS = 8 takes three passes, not seven."""
    covered, cover = _wrapped(latest), 1
    while cover < SLOT_BINS:
        step = min(cover, SLOT_BINS - cover)
        covered = np.maximum(covered[:, :-step], covered[:, step:])
        cover += step
    return covered


def busiest_slots(exits: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Per (team, week): the slot's first bin, exits in it and in all; and an in-slot flag per exit.

    Rows are handled `CHUNK` at a time, so memory stays bounded however many teams there are.
    """
    row_key = pack(exits["team"].to_numpy(), exits["week"].to_numpy())
    row, keys = pd.factorize(row_key, sort=True)
    order = np.argsort(row, kind="stable")
    bins, at = exits["bin"].to_numpy()[order], exits["at"].to_numpy()[order]
    sorted_row = row[order]
    bounds: np.ndarray = np.asarray(np.searchsorted(sorted_row, np.arange(0, len(keys) + CHUNK, CHUNK)))
    parts = []
    for n, low in enumerate(range(0, len(keys), CHUNK)):
        a, b = int(bounds[n]), int(bounds[n + 1])
        parts.append(slot_starts(sorted_row[a:b] - low, bins[a:b], at[a:b], min(CHUNK, len(keys) - low)))
    start, best, total = (
        (np.concatenate([p[i] for p in parts]) for i in range(3))
        if parts
        else (np.zeros(0, dtype=np.int64) for _ in range(3))
    )
    first = np.unique(row, return_index=True)[1]
    slots = pd.DataFrame(
        {
            "team": exits["team"].to_numpy()[first],
            "week": exits["week"].to_numpy()[first],
            "slot_start": start,
            "slot_exits": best,
            "exits": total,
        }
    )
    in_slot = (exits["bin"].to_numpy() - start[row]) % BINS < SLOT_BINS
    return slots, in_slot


def slot_label(start_bin: int) -> str:
    """ "Tuesday 10:00–12:00" (the end day is named when the window crosses midnight)."""
    begin = int(start_bin) * GRID_MINUTES
    end = (begin + SLOT_BINS * GRID_MINUTES) % WEEK_MINUTES
    day, minute = divmod(begin, 1440)
    end_day, end_minute = divmod(end, 1440)
    tail = f"{end_minute // 60:02d}:{end_minute % 60:02d}"
    if end_day != day:
        tail = f"{_DAYS[end_day]} {tail}"
    return f"{_DAYS[day]} {minute // 60:02d}:{minute % 60:02d}–{tail}"


def detect_meetings(inputs: Inputs) -> Detected:
    ctx = inputs.context
    grid, th, zone = ctx.grid, ctx.settings.thresholds(SYMPTOM), ctx.settings.timezone
    cat, intervals = inputs[CATALOGUE], inputs[INTERVALS]
    created = scored(inputs[CREATED], grid)
    artefact = coordination_artefacts(cat, ctx.frames, th.coordination_patterns)
    created["artefact"] = artefact[created["issue"].to_numpy()]
    completed = scored(inputs[COMPLETED], grid)
    issue = completed["issue"].to_numpy()
    meeting = cat.statuses.has_role(Role.MEETING)
    completed["meeting_hours"] = (
        time_before(intervals, meeting, issue, cat.issues.created[issue], completed["completed"].to_numpy())
        / HOUR_NS
    )
    completed["lead_hours"] = completed["lead"].to_numpy() / HOUR_NS
    spread = decision_exits(cat, intervals, inputs[TEAMS], grid, zone)
    exits = spread.loc[~spread["bot"].to_numpy()].reset_index(drop=True)
    slots, in_slot = busiest_slots(exits)
    exits["in_slot"] = in_slot
    released = exits.loc[in_slot]

    sums = completed.groupby(_KEYS)[["meeting_hours", "lead_hours"]].sum()
    parts = [
        created.groupby(_KEYS)["artefact"].mean().rename("coordination_share"),
        (sums["meeting_hours"] / sums["lead_hours"].where(sums["lead_hours"] > 0)).rename(
            "meeting_wait_share"
        ),
        slots.set_index(_KEYS),
        released.groupby(_KEYS)["hours"].median().rename("median_wait_for_slot_hours"),
        spread.loc[spread["bot"].to_numpy()].groupby(_KEYS).size().rename("bot_exits"),
    ]
    table = row_grid(cat, grid).merge(pd.concat(parts, axis=1), left_on=_KEYS, right_index=True, how="left")
    table["sample_size"] = table["exits"].fillna(0).astype(np.int64)
    table["bot_exits"] = table["bot_exits"].fillna(0).astype(np.int64)
    table["decision_batching"] = table["slot_exits"] / table["exits"].where(table["exits"] > 0)
    sample = pd.concat([exits[["team", "week", "issue"]], completed[["team", "week", "issue"]]])
    return Detected(
        table=table,
        evidence=_evidence(cat, zone, table, exits, completed, created),
        explain=_explain(cat, grid, zone, table, exits, created),
        common_explain={"coordination_patterns": list(th.coordination_patterns)},
        sample=Sample(sample, span=SPAN, completed=completed),
        cost=role_cost(cat, intervals, inputs[TEAMS], grid, meeting) if ctx.diagnose else None,
    )


def _evidence(
    cat: Catalogue,
    zone: str,
    table: pd.DataFrame,
    exits: pd.DataFrame,
    completed: pd.DataFrame,
    created: pd.DataFrame,
) -> evidence.Evidence:
    names = cat.statuses.names
    batched = table.loc[table["sample_size"] > 0]
    batched = batched.assign(
        label=[slot_label(s) for s in batched["slot_start"].tolist()],
        zone=zone,
        slot_exits=batched["slot_exits"].astype(np.int64),
        exits=batched["exits"].astype(np.int64),
    )
    slots = evidence.group_records(
        batched,
        {"kind": "=slot", "slot": "label", "timezone": "zone", "exits": "slot_exits", "of": "exits"},
    )
    released = exits.loc[exits["in_slot"].to_numpy()]
    per_status = (
        released.assign(name=names[released["status"].to_numpy()])
        .groupby([*_KEYS, "name"], as_index=False)
        .agg(exits=("issue", "size"), hours=("hours", "sum"))
        .sort_values([*_KEYS, "exits", "name"], ascending=[True, True, False, True])
    )
    statuses = evidence.group_records(
        per_status, {"kind": "=status", "status": "name", "exits_in_slot": "exits", "hours": "hours"}
    )
    named = released.assign(name=names[released["status"].to_numpy()])
    visits = evidence.by_hours(
        evidence.issue_records(cat, named, "released_in_slot", status="name", hours="hours")
    )
    waited = completed.loc[completed["meeting_hours"] > 0]
    done = evidence.by_hours(
        evidence.issue_records(cat, waited, "completed_issue", hours="meeting_hours", lead_hours="lead_hours")
    )
    artefacts = created.loc[created["artefact"].to_numpy()]
    coordination = {
        k: [{"kind": "coordination_issue", "issue": key} for key in v]
        for k, v in evidence.key_lists(artefacts, cat).items()
    }
    return evidence.merge_items(slots, statuses, visits, done, coordination)


def _explain(
    cat: Catalogue,
    grid: WeekGrid,
    zone: str,
    table: pd.DataFrame,
    exits: pd.DataFrame,
    created: pd.DataFrame,
) -> evidence.Items:
    def entry(team: int, week: int, start: int, in_slot: int, total: int, bots: int) -> dict[str, Any]:
        return {
            "batching_window": evidence.window(grid, week, SPAN),
            "slot": {
                "slot": slot_label(int(start)),
                "timezone": zone,
                "exits": int(in_slot),
                "of": int(total),
            }
            if total
            else None,
            "bot_exits_excluded": int(bots),
        }

    samples = {"decision_exits": exits, "coordination_artefacts": created.loc[created["artefact"].to_numpy()]}
    columns = ["slot_start", "slot_exits", "sample_size", "bot_exits"]
    return evidence.explain_samples(cat, grid, table, samples, entry, columns)


DETECTOR = Detector(
    symptom=SYMPTOM,
    needs=(CATALOGUE, INTERVALS, TEAMS, COMPLETED, CREATED),
    detect=detect_meetings,
    sample="human exits from approval and meeting statuses in W-5..W",
    cost_counted="hours in meeting statuses",
)
