"""The sync progress line: its count is the issues seen, also once the source is done."""

from __future__ import annotations

import io

from rich.console import Console

from orgpulse.present import SyncBar


def test_a_finished_source_keeps_the_count_of_issues_it_saw() -> None:
    out = io.StringIO()
    with SyncBar(Console(file=out, width=100), enabled=True) as bar:
        bar.start("cloud")
        bar.advance("cloud", 1500)
        bar.advance("cloud", 2000)
        bar.finish("cloud", ok=True)
        bar.start("empty")
        bar.finish("empty", ok=False)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert "sync cloud: done" in lines[0]
    assert "2000 issues" in lines[0]
    assert "sync empty: FAILED" in lines[1]
    assert "0 issues" in lines[1]
