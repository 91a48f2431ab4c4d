"""Which team an issue belonged to at a time, and how much of each source is mapped to teams.

SYMPTOMS.md: "An issue belongs to the team it was in at the time being measured". Team changes
give the team after each move; before the first move, the issue was in that move's from-team;
an issue never moved is in `issues.team`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis.catalogue import Catalogue
from orgpulse.analysis.timeline import change_order, first_of_runs
from orgpulse.analysis.weeks import NAT, WeekGrid, to_ns


class TeamLookup:
    """Vectorised "team of issue i at time t" (team codes; -1 when the issue had no team)."""

    def __init__(self, cat: Catalogue, team_changes: pd.DataFrame) -> None:
        self._default = cat.issues.team.copy()
        code = cat.issues.codes(team_changes["issue_uid"])
        at = to_ns(team_changes["at"])
        rows = change_order(team_changes, code, at)
        before = cat.teams.codes(team_changes["from_team"])[rows]
        firsts = first_of_runs(code[rows])
        self._default[code[rows][firsts]] = before[firsts]
        self._moved: np.ndarray = np.zeros(len(self._default), dtype=bool)
        self._moved[code[rows]] = True
        self._changes = pd.DataFrame(
            {
                "issue": code[rows],
                "t": at[rows],
                "team": cat.teams.codes(team_changes["to_team"])[rows],
            }
        ).sort_values("t", kind="stable")

    def cut_at_moves(
        self, issue: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Split intervals [start, end) of `issue` wherever that issue changed team inside them.

        An issue code of -1 (outside the synced projects) never moves.

        Returns (row, piece_start, piece_end); `row` indexes the input arrays. Within one piece
        the issue's team is constant.
        """
        rows = np.arange(len(issue))
        moved = rows[(issue >= 0) & self._moved[np.maximum(issue, 0)]] if len(issue) else rows
        cuts = pd.DataFrame({"row": moved, "issue": issue[moved]}).merge(self._changes, on="issue")
        inside = (cuts["t"].to_numpy() > start[cuts["row"].to_numpy()]) & (
            cuts["t"].to_numpy() < end[cuts["row"].to_numpy()]
        )
        cut_row, cut_t = cuts["row"].to_numpy()[inside], cuts["t"].to_numpy()[inside]
        row = np.concatenate([rows, cut_row])
        piece_start = np.concatenate([start, cut_t])
        order = np.lexsort((piece_start, row))
        row, piece_start = row[order], piece_start[order]
        last: np.ndarray = np.ones(len(row), dtype=bool)
        last[:-1] = row[1:] != row[:-1]
        piece_end = np.where(last, end[row], np.roll(piece_start, -1))
        keep = piece_end > piece_start
        return row[keep], piece_start[keep], piece_end[keep]

    def at(self, issue: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Team code of each issue at each time (NAT times get the team before any move)."""
        issue = np.asarray(issue, dtype=np.int64)
        team: np.ndarray = self._default[issue] if len(issue) else np.zeros(0, dtype=np.int64)
        moved = np.flatnonzero(self._moved[issue]) if len(issue) else np.zeros(0, dtype=np.int64)
        if len(moved) == 0:
            return team
        queries = pd.DataFrame(
            {"issue": issue[moved], "t": np.asarray(t, dtype=np.int64)[moved], "pos": moved}
        )
        queries = queries.sort_values("t", kind="stable")
        found = pd.merge_asof(queries, self._changes, on="t", by="issue", direction="backward")
        matched = found["team"].to_numpy(dtype=np.float64)
        pos = found["pos"].to_numpy()
        team[pos] = np.where(np.isnan(matched), team[pos], np.nan_to_num(matched, nan=-1)).astype(np.int64)
        return team


def mapped_share(cat: Catalogue, resolved_at: np.ndarray, grid: WeekGrid) -> pd.DataFrame:
    """Per (team, week): the share of the team's sources' issues alive in the week that map to a team.

    An issue is alive in a week when created before its end and not resolved before its start.
    Columns: team, week, team_mapped_share (scored weeks only).
    """
    frame = cat.issues.frame
    source_codes, source_names = pd.factorize(frame["source"])
    created = cat.issues.created
    first = np.clip(np.searchsorted(grid.bounds, created, side="right") - 1, 0, None)
    last = np.where(
        resolved_at == NAT, grid.count - 1, np.searchsorted(grid.bounds, resolved_at, side="right") - 1
    )
    last = np.minimum(last, grid.count - 1)
    alive = (first < grid.count) & (last >= 0) & (last >= first)
    shape = (len(source_names), grid.count + 1)
    totals, mapped = np.zeros(shape), np.zeros(shape)
    weights = frame["team_mapped"].to_numpy(dtype=float)
    for counts, weight in ((totals, np.ones(len(frame))), (mapped, weights)):
        np.add.at(counts, (source_codes[alive], first[alive]), weight[alive])
        np.add.at(counts, (source_codes[alive], last[alive] + 1), -weight[alive])
    totals, mapped = totals.cumsum(axis=1)[:, :-1], mapped.cumsum(axis=1)[:, :-1]
    sources = cat.teams.sources
    src = pd.Index(source_names).get_indexer(sources["source"])
    # Per team and scored week, its sources' counts added (whole numbers: exact in any order), for
    # every week at once.
    teams, team_of = np.unique(sources["team"].to_numpy(), return_inverse=True)
    weeks = np.array(list(grid.scored), dtype=np.int64)
    per_team = np.zeros((2, len(teams), len(weeks)))
    for counted, counts in zip(per_team, (totals, mapped), strict=True):
        np.add.at(counted, team_of.reshape(-1), counts[src][:, weeks])
    total, mapped_count = (counted.T.reshape(-1) for counted in per_team)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, mapped_count / np.where(total > 0, total, 1.0), np.nan)
    return pd.DataFrame(
        {"team": np.tile(teams, len(weeks)), "week": np.repeat(weeks, len(teams)), "team_mapped_share": share}
    )
