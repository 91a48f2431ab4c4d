"""A deterministic organisation with injected dysfunctions, served as a test double of real trackers.

    org = generate_org(seed=7, issues=2000, anchor=date(2026, 11, 20), weeks=26)
    truth_of(org)                       # injected cells, control teams, expected sync totals
    with SandboxServer(org, dialect="jira_cloud") as server:
        server.url                      # "http://127.0.0.1:PORT", credentials SANDBOX_EMAIL/TOKEN

Modules: `generate` builds the org (deterministic from its arguments) with `people`, `plan`,
`paths`, `links` and `inject` (one injector per symptom, registered in `INJECTORS`, written in
`inject`, `inject_flow` and `inject_team`, their cells chosen apart by `cells`, built histories
read and edited through `edits`); `org` holds it compactly and `history` derives filler histories
lazily; `truth` states what was injected. `server` is the HTTP harness with its knobs;
`jira_cloud`, `jira_search`, `jira_render`, `jira_items`,
`jira_fields` and `jql` are the Jira Cloud dialect; `jira_dc` and `jira_dc_render` the Jira Data
Center one (the same organisation, DC-shaped; `jira_dc.SANDBOX_USERNAME` for basic auth);
`catalog`, `weeks`, `words` and `wire` are shared vocabulary. Organisations too thin for an
injector (fewer than about 4 completions per team-week) may carry fewer than two cells of that
symptom.
"""

from __future__ import annotations

from orgpulse.sandbox.credentials import SANDBOX_EMAIL, SANDBOX_TOKEN
from orgpulse.sandbox.generate import generate_org
from orgpulse.sandbox.org import Org
from orgpulse.sandbox.server import SandboxServer
from orgpulse.sandbox.truth import truth_of

__all__ = ["SANDBOX_EMAIL", "SANDBOX_TOKEN", "Org", "SandboxServer", "generate_org", "truth_of"]
