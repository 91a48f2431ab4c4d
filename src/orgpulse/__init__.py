"""orgpulse: evidence of organisational symptoms in the history of Jira and Linear issues."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
