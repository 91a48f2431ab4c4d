"""Serves the real recorded Jira payloads of ../shared/api/jira/samples/devlake on 127.0.0.1.

The payloads stay in ../shared (read from there, never copied). They were recorded from the agile
board endpoint, so they are reshaped into what the connectors call:

* Jira Cloud (REST v3): `POST /search/jql` (token paging, fields as asked, the embedded changelog
  capped at 40 entries newest-first as the real enhanced search does), `POST /changelog/bulkfetch`
  (the whole history, oldest first), `GET /status` (the site's real status list);
* Jira Data Center (REST v2): `POST /search` (startAt paging, `total`, the whole history embedded
  oldest first, as recorded).

Metadata the recordings do not hold is invented, kept minimal and named here:
`INVENTED_FIELDS` (the Sprint and Epic Link custom fields the Cloud payloads use),
`INVENTED_LINK_TYPES` (the Blocks type the Server payloads name), the project list (the projects
of the recorded issues), each project's workflow (the statuses its issues were in at recording),
the Data Center status list (those same current statuses, which is all the recording shows), and
serverInfo / myself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "api" / "jira" / "samples" / "devlake"
CLOUD_ISSUES = "cloud_agile_board_issues_expand_changelog.json"
SERVER_ISSUES = "server_agile_board_issues_with_issuelinks.json"
CLOUD_STATUSES = "cloud_statuses.json"
EMBED_CAP = 40

GH = "com.pyxis.greenhopper.jira:"
INVENTED_FIELDS = [
    {"id": "summary", "name": "Summary", "schema": {"type": "string", "system": "summary"}},
    {"id": "customfield_10020", "name": "Sprint", "schema": {"type": "array", "custom": GH + "gh-sprint"}},
    {"id": "customfield_10014", "name": "Epic Link", "schema": {"custom": GH + "gh-epic-link"}},
]
INVENTED_LINK_TYPES = [{"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}]


def load(name: str) -> list[dict[str, Any]]:
    """The `data` documents of one extracted sample file (one per recorded CSV row)."""
    rows = json.loads((SAMPLES / "extracted" / name).read_text(encoding="utf-8"))
    return [row["data"] for row in rows]


def oldest_first(histories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(histories, key=lambda h: (h["created"], int(h["id"])))


@dataclass
class Replay:
    """One recorded site, served in the `dialect` ("jira_cloud" or "jira_dc")."""

    dialect: str
    issues: list[dict[str, Any]]
    statuses: list[dict[str, Any]]
    log: list[tuple[str, str]] = field(default_factory=list)
    page_size: int = 10  # the server's cap, so that several pages are read

    @classmethod
    def cloud(cls) -> Replay:
        return cls("jira_cloud", load(CLOUD_ISSUES), load(CLOUD_STATUSES))

    @classmethod
    def server(cls) -> Replay:
        issues = load(SERVER_ISSUES)
        current = {i["fields"]["status"]["id"]: i["fields"]["status"] for i in issues}
        return cls("jira_dc", issues, list(current.values()))

    @property
    def projects(self) -> list[str]:
        return sorted({i["fields"]["project"]["key"] for i in self.issues})

    def handle(self, method: str, path: str, query: Mapping[str, list[str]], body: Any) -> tuple[int, Any]:
        self.log.append((method, path))
        api = "/rest/api/3/" if self.dialect == "jira_cloud" else "/rest/api/2/"
        if not path.startswith(api):
            return 404, {"errorMessages": ["not found"]}
        route = path[len(api) :]
        deployment = "Cloud" if self.dialect == "jira_cloud" else "Server"
        simple: dict[str, Any] = {
            "serverInfo": {"versionNumbers": [1001, 0, 0] if deployment == "Cloud" else [8, 20, 0],
                           "version": "replay", "deploymentType": deployment},
            "myself": {"accountId": "replay", "name": "replay", "key": "replay",
                       "displayName": "Replay", "accountType": "atlassian"},
            "field": INVENTED_FIELDS,
            "status": self.statuses,
            "issueLinkType": {"issueLinkTypes": INVENTED_LINK_TYPES},
            "project": [{"key": k, "id": str(n)} for n, k in enumerate(self.projects)],
            "project/search": {"startAt": 0, "total": len(self.projects), "isLast": True,
                               "values": [{"key": k} for k in self.projects]},
        }  # fmt: skip
        if route in simple and method == "GET":
            return 200, simple[route]
        if route.startswith("project/") and route.endswith("/statuses"):
            return self._workflow(route.split("/")[1])
        if route == "search/jql" and method == "POST" and self.dialect == "jira_cloud":
            return self._search_jql(body)
        if route == "changelog/bulkfetch" and method == "POST" and self.dialect == "jira_cloud":
            return self._bulk(body)
        if route == "search" and method == "POST" and self.dialect == "jira_dc":
            return self._search_dc(body)
        return 404, {"errorMessages": [f"the replay does not serve {method} {path}"]}

    def _workflow(self, project: str) -> tuple[int, Any]:
        used = {i["fields"]["status"]["id"]: i["fields"]["status"] for i in self._in([project])}
        if not used:
            return 404, {"errorMessages": [f"No project could be found with key '{project}'."]}
        statuses = [{"id": s["id"], "name": s["name"]} for s in used.values()]
        return 200, [{"id": "1", "name": "Story", "subtask": False, "statuses": statuses}]

    def _in(self, projects: list[str]) -> list[dict[str, Any]]:
        return [i for i in self.issues if i["fields"]["project"]["key"] in projects]

    def _wanted(self, jql: str) -> list[dict[str, Any]]:
        keys = [p for p in self.projects if p in jql]
        return sorted(self._in(keys), key=lambda i: (i["fields"]["created"], int(i["id"])))

    def _render(self, raw: dict[str, Any], body: Mapping[str, Any], *, cap: int | None) -> dict[str, Any]:
        wanted = set(body.get("fields") or ())
        fields = {k: v for k, v in raw["fields"].items() if k in wanted or "*all" in wanted}
        doc: dict[str, Any] = {"id": raw["id"], "key": raw["key"], "fields": fields}
        expand = body.get("expand")
        if "changelog" in (expand if isinstance(expand, list) else str(expand or "").split(",")):
            histories = oldest_first(raw["changelog"]["histories"])
            shown = list(reversed(histories))[:cap] if cap is not None else histories
            doc["changelog"] = {"startAt": 0, "maxResults": len(shown), "total": len(histories),
                                "histories": shown}  # fmt: skip
        return doc

    def _search_jql(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        found = self._wanted(str(body["jql"]))
        token = body.get("nextPageToken")
        start = int(str(token)[1:]) if token else 0
        size = min(int(body.get("maxResults", 50)), self.page_size)
        page = found[start : start + size]
        doc: dict[str, Any] = {
            "issues": [self._render(i, body, cap=EMBED_CAP) for i in page],
            "isLast": start + size >= len(found),
        }
        if start + size < len(found):
            doc["nextPageToken"] = f"t{start + size}"
        return 200, doc

    def _bulk(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        ids = [str(i) for i in body["issueIdsOrKeys"]]
        by_id = {i["id"]: i for i in self.issues}
        grouped = [
            {"issueId": i, "changeHistories": oldest_first(by_id[i]["changelog"]["histories"])}
            for i in ids
            if i in by_id
        ]
        return 200, {"issueChangeLogs": grouped}

    def _search_dc(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        found = self._wanted(str(body["jql"]))
        start = int(body.get("startAt", 0))
        size = min(int(body.get("maxResults", 50)), self.page_size)
        page = found[start : start + size]
        return 200, {
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "issues": [self._render(i, body, cap=None) for i in page],
        }


class ReplayServer:
    """A loopback HTTP server over a Replay; `url` is what a source's config would name."""

    def __init__(self, replay: Replay) -> None:
        handle = replay.handle

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                parts = urlsplit(self.path)
                status, doc = handle(self.command, parts.path, parse_qs(parts.query), body)
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> ReplayServer:
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
