"""Transport to Jira Data Center / Server: the Cloud client's session, retry policy and error
mapping (`client.py`), on REST API v2, refusing a site whose serverInfo says it is Jira Cloud.

Authentication (JIRA-NOTES §2): a personal access token sent as `Authorization: Bearer` (the
`jira` library's `token_auth`, Jira 8.14+), or HTTP basic with the user name and a password or
token (`auth = "basic"`, `username_env`). DC's rate limiting (8.6+, admin-enabled) answers 429
with `Retry-After` and `X-RateLimit-*` headers, which the shared retry policy honours.
"""

from __future__ import annotations

from orgpulse.errors import ProtocolError
from orgpulse.redact import redact_url

from .client import JiraClient

DC_API = "/rest/api/2/"
DC_DEPLOYMENTS = ("Server", "DataCenter")


class JiraDataCenterClient(JiraClient):
    """A Jira Data Center / Server session that counts its requests; constructing it does no I/O."""

    api = DC_API
    rest_api_version = "2"
    credential_hint = "the user name and password or personal access token variables"

    def connect(self) -> None:
        """Open the session (the library asks serverInfo) and check this is Data Center or Server."""
        if self._jira is not None:
            return
        self._jira = self._retrying()(self._construct)
        if self.deployment_type not in DC_DEPLOYMENTS:
            found = self.deployment_type or "unknown"
            self.close()
            raise ProtocolError(
                f"{redact_url(self._settings.url)} is not Jira Data Center or Server "
                f'(serverInfo deploymentType: {found}); for Jira Cloud use kind = "jira_cloud"',
                source=self._settings.name,
            )
