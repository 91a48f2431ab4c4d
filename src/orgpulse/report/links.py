"""Where an issue key lives in its tracker, so the report's evidence is one click from the issue.

Jira (Cloud and Data Center) issues open at `<site>/browse/KEY`, the site being the source's URL;
Linear issues at the URL Linear gave the issue (kept at normalisation). A key held by several
sources (three sandboxes sharing project keys, or a Jira Cloud migration beside its Data Center)
is resolved by the team the evidence belongs to (`source/KEY` names the source); a key that stays
ambiguous, or that no synced source holds (a blocker outside the synced projects), gets no link
rather than a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orgpulse.store import Store
from orgpulse.store.reports import issue_places


@dataclass(frozen=True)
class IssueLinks:
    """Key -> {source name: URL, or None when that source's issue has none}, for the keys shown."""

    by_key: Mapping[str, Mapping[str, str | None]]

    def url(self, key: str, team: str | None = None) -> str | None:
        """The tracker URL of `key` seen from `team` (None when unknown or ambiguous)."""
        places = self.by_key.get(key)
        if not places:
            return None
        source = team.split("/", 1)[0] if team and "/" in team else None
        if source is not None and source in places:
            return places[source]
        return next(iter(places.values())) if len(places) == 1 else None


def load_issue_links(store: Store, keys: Iterable[str]) -> IssueLinks:
    """The tracker URL of every key in `keys` that a synced source holds."""
    found: dict[str, dict[str, str | None]] = {}
    for key, source, issue_url, kind, site in issue_places(store, keys):
        found.setdefault(key, {})[source] = issue_url_of(kind, site, key, issue_url)
    return IssueLinks(found)


def issue_url_of(kind: str, site: str, key: str, issue_url: str | None) -> str | None:
    """Jira: `<site>/browse/KEY`; Linear: the issue's own URL (None when the sync did not keep one)."""
    if kind in ("jira_cloud", "jira_dc"):
        return f"{site.rstrip('/')}/browse/{key}" if site.startswith(("http://", "https://")) else None
    if issue_url and issue_url.startswith(("http://", "https://")):
        return issue_url
    return None
