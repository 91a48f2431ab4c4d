"""The stored and shown evidence texts (`evidence_array`): the bytes orjson gives each finding's
items, whatever the blocks, the order of the findings and the sources they come from."""

from __future__ import annotations

from datetime import date

import numpy as np
import orjson
import pyarrow as pa
from sqlalchemy.dialects import postgresql, sqlite

from orgpulse.analysis.evidence_set import Coded, Const, Evidence, merged, of_columns, ordered_by
from orgpulse.analysis.result import Finding, Severity, evidence_array
from orgpulse.store import schema as t
from orgpulse.store.inserts import arrow_column


def _evidence(seed: int) -> Evidence:
    """Items of three blocks (columns, coded keys, dicts) over 3 teams x 4 weeks, merged and ordered."""
    rng = np.random.default_rng(seed)
    size = 60
    team, week = rng.integers(0, 3, size), rng.integers(0, 4, size)
    keys = np.array(["A-1", 'B"2', "C-\u00e93", "D-4"], dtype=object)
    columns = of_columns(
        team,
        week,
        {
            "kind": Const("issue"),
            "key": Coded(rng.integers(0, 4, size), keys),
            "hours": np.where(rng.random(size) < 0.2, np.nan, rng.random(size) * 100),
            "open": rng.random(size) < 0.5,
            "status": np.array(["todo", None, "done"], dtype=object)[rng.integers(0, 3, size)],
        },
    )
    dicts = {(k % 3, k % 4): [{"kind": "team_pair", "hours": float(k), "with": ["x", "y"]}] for k in range(9)}
    return ordered_by(merged(columns, dicts), "hours")


def _finding(source: Evidence | None, team: int, week: int) -> Finding:
    return Finding(
        team=f"T{team}",
        week_start=date(2026, 1, 5 + 7 * week),
        symptom="x",
        severity=Severity.OK,
        score=None,
        direction=None,
        confidence=1.0,
        sample_size=0,
        metrics={},
        source=source,
        row=(team, week),
    )


def _expected(findings: list[Finding], limit: int | None) -> list[str]:
    return [orjson.dumps(f.shown_evidence(limit)).decode() for f in findings]


def test_texts_are_orjsons_bytes_for_findings_in_runs_and_apart() -> None:
    first, second = _evidence(1), _evidence(2)
    cells = [(team, week) for team in range(3) for week in range(4)]
    in_runs = [_finding(first, *c) for c in cells] + [_finding(None, 0, 0)]
    in_runs += [_finding(second, *c) for c in cells]
    apart = [_finding(source, *c) for c in cells for source in (first, None, second)]
    for findings in (in_runs, apart):
        for limit in (None, 2):
            texts = evidence_array(findings, limit)
            assert texts.to_pylist() == _expected(findings, limit)
    # A run per source: the texts are the sources' own arrays, one chunk each, never copied.
    assert isinstance(evidence_array(in_runs), pa.ChunkedArray)
    assert evidence_array(in_runs).num_chunks == 3


def test_a_slice_across_chunks_is_written_as_its_values() -> None:
    text = pa.large_string()
    chunked = pa.chunked_array([pa.array(["[1]", "[2]"], text), pa.array(["[3]"], text)], text)
    column = t.symptom_trends.c.evidence
    for dialect in (sqlite.dialect(), postgresql.dialect()):  # type: ignore[no-untyped-call]
        assert arrow_column(column, chunked[1:3], dialect, pa.large_string()).to_pylist() == ["[2]", "[3]"]
        assert arrow_column(column, chunked[0:1], dialect, pa.large_string()).to_pylist() == ["[1]"]
