"""JQL and request documents for the Jira Cloud REST API v3, as data: no I/O, no clock.

Rules from shared/api/JIRA-NOTES.md: `/search/jql` needs a bounded JQL and an explicit field list
(it returns ids only by default); times go out as epoch milliseconds (a formatted date would be
read in the calling user's time zone); `ORDER BY created ASC, id ASC` keeps pages stable while
issues are updated; `expand` is a comma-separated string; the bulk changelog takes at most 1000
issues and 10000 results a page, and is never filtered by `fieldIds` (the filter drops `Link`
items, so the count could never match `changelog.total`).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

SEARCH = "search/jql"
BULK_CHANGELOG = "changelog/bulkfetch"
FIELDS = "field"
STATUSES = "status"
LINK_TYPES = "issueLinkType"
PROJECTS = "project/search"

BULK_MAX_IDS = 1000
BULK_MAX_RESULTS = 10000
CHANGELOG_PAGE = 100  # the per-issue changelog's page size (its maximum)
PROJECT_PAGE = 100  # project/search caps maxResults at 100
CENSUS_PAGE = 5000  # search/jql returns up to 5000 issues a page when only id/key are asked for
# An incremental run lists its window by `updated` alone, asking the spec's largest page; the
# server grants what it will (fewer where many fields are asked), and the listing follows its tokens.
LISTING_PAGE = 5000
LISTING_FIELDS = ("updated",)
ORDER = " ORDER BY created ASC, id ASC"

# Only what the normaliser reads; the site's custom fields (Sprint, Flagged...) are added by id.
ISSUE_FIELDS = (
    "summary",
    "issuetype",
    "status",
    "assignee",
    "labels",
    "priority",
    "parent",
    "project",
    "created",
    "updated",
    "resolution",
    "resolutiondate",
    "issuelinks",
    "components",
)

_BARE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED = frozenset({"and", "or", "not", "in", "is", "was", "empty", "null", "order", "by", "asc", "desc"})


def issue_path(issue_id: str) -> str:
    return f"issue/{issue_id}/changelog"


def project_statuses_path(project_key: str) -> str:
    """The statuses of every issue type's workflow in one project (needs only Browse projects)."""
    return f"project/{quote_path(project_key)}/statuses"


def quote_path(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def quote(value: str) -> str:
    """A JQL value: bare when it is a plain word, else double-quoted with escapes."""
    if _BARE.match(value) and value.lower() not in _RESERVED:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def search_jql(
    projects: Sequence[str], *, updated_from_ms: int | None = None, created_from: date | None = None
) -> str:
    """The bounded JQL of one sync: the projects, the watermark, the first-sync bound, a stable order."""
    if not projects:
        raise ValueError(
            "a Jira search needs at least one project (the enhanced search refuses unbounded JQL)"
        )
    clauses = [f"project in ({', '.join(quote(p) for p in projects)})"]
    if updated_from_ms is not None:
        clauses.append(f"updated >= {int(updated_from_ms)}")
    if created_from is not None:
        clauses.append(f'created >= "{created_from.isoformat()}"')
    return " AND ".join(clauses) + ORDER


def narrowed_jql(query: str, issue_ids: Sequence[str]) -> str:
    """`query` (a `search_jql`) restricted to these issue ids, in the same order: the listed issues
    that changed, read whole within the run's own scope."""
    if not query.endswith(ORDER) or not issue_ids:
        raise ValueError("narrowed_jql takes a search_jql query and at least one issue id")
    ids = ", ".join(str(int(i)) for i in issue_ids)
    return f"{query[: -len(ORDER)]} AND id in ({ids}){ORDER}"


def search_fields(custom_ids: Iterable[str]) -> list[str]:
    return [*ISSUE_FIELDS, *(i for i in custom_ids if i not in ISSUE_FIELDS)]


def search_body(
    jql: str, fields: Sequence[str], *, page_size: int, token: str | None, changelog: bool = True
) -> dict[str, Any]:
    """POST /rest/api/3/search/jql body, with the embedded (capped, newest-first) changelog unless
    `changelog` is false (the census: only id/key pages reach 5000 issues)."""
    body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size}
    if changelog:
        body["expand"] = "changelog"
    if token:
        body["nextPageToken"] = token
    return body


def bulk_changelog_body(issue_ids: Sequence[str], token: str | None) -> dict[str, Any]:
    """POST /rest/api/3/changelog/bulkfetch body: unfiltered, the largest page."""
    if not 1 <= len(issue_ids) <= BULK_MAX_IDS:
        raise ValueError(f"the bulk changelog takes 1 to {BULK_MAX_IDS} issues, not {len(issue_ids)}")
    body: dict[str, Any] = {"issueIdsOrKeys": list(issue_ids), "maxResults": BULK_MAX_RESULTS}
    if token:
        body["nextPageToken"] = token
    return body


def changelog_params(start_at: int) -> dict[str, int]:
    return {"startAt": start_at, "maxResults": CHANGELOG_PAGE}


def project_params(start_at: int) -> dict[str, int | str]:
    return {"startAt": start_at, "maxResults": PROJECT_PAGE, "orderBy": "key"}
