"""The ground truth of a generated organisation: injected cells, control teams, expected totals.

`truth_of(org)` has exactly the shape of `orgpulse sandbox truth` (DESIGN.md):
    {"cells": [{"team", "week_start", "symptom", "issue_keys"}], "control_teams": [...],
     "totals": {"jira_cloud": {"issues", "status_changes", "assignee_changes", "links"},
                "jira_dc": {...the same four}, "linear": {...the same four}},
     "levers": [{"team", "week_start", "lever"}],
     "interventions": [{"date", "teams", "lever", "note", "metric", "expected"}],
     "samples": {dialect: [{"team", "week_start", "completed", "created", "in_progress",
                            "active_people", "touched"}]}}
`levers` are the cells' levers (DESIGN.md, "Diagnosis"): each must be `weak` in its team and week,
and no control team may have a weak lever. `interventions` are the planted change and its control
(intervene.py), with the outcome orgpulse must find on `metric` in their team.
`samples` state per team and complete UTC week up to the day after the anchor the issues completed,
created and in progress, the active people and the issues they touched over the trailing 4 weeks
(`samples.samples_of`: counted from the generator's own records, with
SYMPTOMS.md's rules for retired statuses and bulk cleanups), per dialect: on Linear epics are
projects and a team move is also a state change.
Totals are what a faithful connector must hold after a full sync: every served issue (epics
included, outside EXT issues excluded), every `status` and `assignee` changelog item, and every
link id still present (removed links excluded). The Data Center dialect serves the same
organisation with the same histories and links, so its totals equal Cloud's. Linear's differ
where the dialect forces it (`linear/history.linear_totals`): epics are projects, not issues;
changes within 3 minutes of creation are part of it; a team move changes the (per-team) state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from orgpulse.analysis.levers import LEVER_OF
from orgpulse.sandbox.linear.history import linear_totals
from orgpulse.sandbox.org.model import Org
from orgpulse.sandbox.org.samples import samples_of


def truth_of(org: Org) -> dict[str, Any]:
    cells = [
        {
            "team": cell.team,
            "week_start": org.calendar.week_mondays[cell.week].isoformat(),
            "symptom": cell.symptom,
            "issue_keys": sorted(i.key for i in cell.issues),
        }
        for cell in org.cells
    ]
    cells.sort(key=lambda c: (c["symptom"], c["team"], c["week_start"]))
    status_changes = assignee_changes = 0
    for issue in org.issues:
        for _, _, items in issue.events:
            for kind, _, _ in items:
                if kind == "status":
                    status_changes += 1
                elif kind == "assignee":
                    assignee_changes += 1
    totals = {
        "issues": len(org.issues),
        "status_changes": status_changes,
        "assignee_changes": assignee_changes,
        "links": sum(1 for link in org.links if link.removed < 0),
    }
    by_dialect = {"jira_cloud": totals, "jira_dc": dict(totals), "linear": linear_totals(org)}
    as_of = datetime.combine(org.anchor + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    as_of_ms = int(as_of.timestamp() * 1000)
    jira_samples = samples_of(org, as_of_ms)
    levers = sorted({(str(c["team"]), str(c["week_start"]), LEVER_OF[str(c["symptom"])]) for c in cells})
    return {
        "cells": cells,
        "control_teams": sorted(org.control_teams),
        "totals": by_dialect,
        "samples": {
            "jira_cloud": jira_samples,
            "jira_dc": jira_samples,
            "linear": samples_of(org, as_of_ms, linear=True),
        },
        "levers": [{"team": t, "week_start": w, "lever": lever} for t, w, lever in levers],
        "interventions": [i.truth() for i in org.interventions],
    }
