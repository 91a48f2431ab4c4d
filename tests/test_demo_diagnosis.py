"""The demo plants an intervention in the sandbox and shows its effect, with its control beside it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from orgpulse.cli import cli


@pytest.mark.slow
def test_the_demo_shows_the_planted_change_improved_and_its_control_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    args = ["demo", "--issues", "1000", "--seed", "7", "--dialect", "jira_cloud", "--anchor", "2026-11-20"]
    result = CliRunner().invoke(cli, [*args, "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # Rich wraps long lines at the terminal's width
    assert out.index("Weeks holding alerts") < out.index("Verdict, week of 9 Nov 2026")
    assert re.search(r"planted changes: \S+ improved as expected, \S+ no_clear_change as expected", out)
    # The whole demo fits one 50-line screen and ends with the verdict, the truth and the report.
    lines = result.stdout.splitlines()
    screen = lines + result.stderr.splitlines()
    assert len(screen) <= 50, "\n".join(screen)
    verdict = max(i for i, line in enumerate(lines) if line.startswith("Verdict, week of"))
    ends = " ".join(" ".join(lines[verdict:]).split())
    assert ends.index("Verdict, week of") < ends.index("Truth: ") < ends.index("Report: ")
    assert ends.endswith("— open it in a browser")
    config = folder / "config.toml"
    assert "[[interventions]]" in config.read_text(encoding="utf-8")
    listed = CliRunner().invoke(cli, ["--config", str(config), "interventions", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    planted, control = json.loads(listed.stdout)["interventions"]
    assert [e["outcome"] for e in planted["effects"]] == ["improved"]
    assert [e["outcome"] for e in control["effects"]] == ["no_clear_change"]
    assert planted["note"] == "approval decisions delegated to the team"
