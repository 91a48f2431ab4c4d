"""The sandbox's fixed credentials, and how each dialect's client logs in with them.

None of these is a secret: a made-up e-mail, user name, token and Linear keys, the same in every
sandbox. `login(dialect)` is what `orgpulse sandbox serve` prints and what `orgpulse demo` puts in
the sources it syncs, so the two never disagree on how a dialect authenticates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SANDBOX_EMAIL = "sandbox@orgpulse.invalid"
SANDBOX_TOKEN = "sandbox-token-not-a-secret"
SANDBOX_USERNAME = "sandbox-reader"  # Jira Data Center's basic auth: this user, SANDBOX_TOKEN as password
SANDBOX_LINEAR_KEY = "lin_api_sandbox0orgpulse0not0a0secret0000000"
SANDBOX_LINEAR_OAUTH = "lin_oauth_sandbox0orgpulse0not0a0secret000000"

DIALECTS = ("jira_cloud", "jira_dc", "linear")


@dataclass(frozen=True)
class Login:
    """How a source of one dialect reaches the sandbox: `auth` and `user` as a config's source says them."""

    auth: Literal["basic", "bearer"]
    token: str
    user: str | None = None
    path: str = ""  # appended to the server's URL (Linear's API lives at /graphql)

    def describe(self) -> str:
        """One line for a person wiring a config by hand."""
        if self.auth == "basic":
            return f"email={self.user} token={self.token}"
        if self.path:
            return f"api_key={self.token}"
        return f"token={self.token} (bearer) user={SANDBOX_USERNAME} password={SANDBOX_TOKEN}"


LOGINS = {
    "jira_cloud": Login(auth="basic", user=SANDBOX_EMAIL, token=SANDBOX_TOKEN),
    "jira_dc": Login(auth="bearer", token=SANDBOX_TOKEN),
    "linear": Login(auth="bearer", token=SANDBOX_LINEAR_KEY, path="/graphql"),
}


def login(dialect: str) -> Login:
    """The login a client of `dialect` uses; ValueError naming the known dialects otherwise."""
    try:
        return LOGINS[dialect]
    except KeyError:
        raise ValueError(f"unknown sandbox dialect {dialect!r}; known: {', '.join(DIALECTS)}") from None
