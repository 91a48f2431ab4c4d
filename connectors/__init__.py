"""Connectors: one package per ticketing system; the only code that touches the network.

Installed as `orgpulse.connectors`. `make_connector` picks the connector for a source's kind.
"""

from __future__ import annotations

from orgpulse.config import SourceSettings
from orgpulse.connector import Connector
from orgpulse.errors import ConfigError


def make_connector(settings: SourceSettings) -> Connector:
    """The connector for one configured source (constructing it does no I/O)."""
    if settings.kind == "jira_cloud":
        from .jira.cloud import jira_cloud_connector

        connector: Connector = jira_cloud_connector(settings)
        return connector
    if settings.kind == "jira_dc":
        from .jira.datacenter import jira_dc_connector

        dc_connector: Connector = jira_dc_connector(settings)
        return dc_connector
    if settings.kind == "linear":
        from .linear.connector import LinearConnector

        linear: Connector = LinearConnector(settings)
        return linear
    raise ConfigError([f"sources.{settings.name}.kind: the {settings.kind} connector is not available yet"])
