"""Request documents for the Jira Data Center / Server REST API v2, as data: no I/O, no clock.

The JQL itself is the Cloud one (`jql.search_jql`: projects, the watermark as epoch milliseconds,
`ORDER BY created ASC, id ASC`). What differs on DC (JIRA-NOTES §2): `POST /search` pages with
`startAt`/`maxResults` and answers `total`; the server caps `maxResults` (an instance property)
and echoes the size it used; `expand=changelog` embeds the whole history, oldest first; there is
no `/search/jql`, no bulk changelog and no `/project/search` (`GET /project` lists every project).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import jql

SEARCH = "search"
PROJECTS = "project"
CENSUS_FIELDS = ("key",)
CENSUS_PAGE = 1000  # asked for; the server answers with what `jira.search.views.default.max` allows


def search_body(
    query: str, fields: Sequence[str], *, start_at: int, page_size: int, changelog: bool = True
) -> dict[str, Any]:
    """POST /rest/api/2/search body; with `changelog`, each issue embeds its whole history."""
    body: dict[str, Any] = {
        "jql": query,
        "startAt": start_at,
        "maxResults": page_size,
        "fields": list(fields),
    }
    if changelog:
        body["expand"] = ["changelog"]
    return body


def keys_jql(keys: Sequence[str]) -> str:
    """The issues with these keys (Epic Link values to resolve to ids)."""
    if not keys:
        raise ValueError("keys_jql needs at least one key")
    return f"key in ({', '.join(jql.quote(k) for k in keys)})"


def issue_path(id_or_key: str) -> str:
    return f"issue/{jql.quote_path(id_or_key)}"


def issue_history_params() -> dict[str, str]:
    """GET /issue/{id}: the whole changelog and no fields (an issue whose embed came short)."""
    return {"expand": "changelog", "fields": ""}
