"""A deterministic organisation with injected dysfunctions, served as a test double of real trackers.

    org = generate_org(seed=7, issues=2000, anchor=date(2026, 11, 20), weeks=26)
    truth_of(org)                       # injected cells, control teams, expected sync totals
    with SandboxServer(org, dialect="jira_cloud") as server:
        server.url                      # "http://127.0.0.1:PORT"; login("jira_cloud") says how to log in

Three rooms and a hall. `org/` generates the dialect-neutral organisation and states its truth;
`jira/` serves it as Jira Cloud and Jira Data Center; `linear/` serves it as Linear (against
Linear's real schema, shipped with the package). The hall is what every dialect shares: `server`
(the HTTP harness with its test knobs), `wire` (a request, a response) and `credentials` (the fixed
logins, used alike by `orgpulse sandbox serve` and `orgpulse demo`).
"""

from __future__ import annotations

from orgpulse.sandbox.credentials import DIALECTS, SANDBOX_EMAIL, SANDBOX_TOKEN, Login, login
from orgpulse.sandbox.org.generate import generate_org
from orgpulse.sandbox.org.model import Org
from orgpulse.sandbox.org.truth import truth_of
from orgpulse.sandbox.server import SandboxServer

__all__ = [
    "DIALECTS",
    "SANDBOX_EMAIL",
    "SANDBOX_TOKEN",
    "Login",
    "Org",
    "SandboxServer",
    "generate_org",
    "login",
    "truth_of",
]
