"""The Jira Cloud dialect: routes, authentication and the metadata endpoints.

Served under /rest/api/2 and /rest/api/3 (the `jira` library calls v2): serverInfo, myself,
search/jql, search/approximate-count, changelog/bulkfetch, issue/{idOrKey}[/changelog], status,
statuscategory, issueLinkType, field, project/search, project/{key}[/statuses]. The removed
/search answers 410 with Atlassian's own body. Every request needs HTTP Basic auth with
SANDBOX_EMAIL and SANDBOX_TOKEN (or that token as a bearer token).
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Callable
from datetime import timedelta
from random import Random

from orgpulse.sandbox.credentials import SANDBOX_EMAIL, SANDBOX_TOKEN
from orgpulse.sandbox.jira.fields import field_list
from orgpulse.sandbox.jira.render import JiraRenderer, Json
from orgpulse.sandbox.jira.search import PagedEndpoints, choose_fields
from orgpulse.sandbox.org import site as cat
from orgpulse.sandbox.org.model import Org
from orgpulse.sandbox.org.weeks import SITE_TZ_NAME, jira_datetime, local_ms
from orgpulse.sandbox.wire import BadRequest, Request, Response, error, json_response

REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
Handler = Callable[[Request, str, str], Response]
# What `myself` says of the sandbox's account on Cloud and Data Center alike, after who it is.
READER = {
    "displayName": "Sandbox Reader",
    "active": True,
    "timeZone": SITE_TZ_NAME,
    "locale": "en_US",
    "groups": {"size": 1, "items": []},
    "applicationRoles": {"size": 1, "items": []},
    "expand": "groups,applicationRoles",
}
Route = tuple[str, tuple[str, ...], Handler]  # a path pattern under /rest/api/<v>/, its methods, its handler


class JiraCloudApp:
    """Answers Jira Cloud REST requests about one organisation."""

    def __init__(self, org: Org, base: str, page_cap: int | None = None) -> None:
        self.org = org
        self.render = JiraRenderer(org, base)
        self.now_ms = local_ms(org.anchor + timedelta(days=1)) - 2 * 3_600_000  # 22:00 on the anchor day
        self.paged = PagedEndpoints(self.render, page_cap, self.now_ms)
        self.account_id = f"{Random(org.seed ^ 0xACC0).getrandbits(96):024x}"
        expected = base64.b64encode(f"{SANDBOX_EMAIL}:{SANDBOX_TOKEN}".encode()).decode()
        self._accepted = (f"Basic {expected}", f"Bearer {SANDBOX_TOKEN}")
        self._routes = self._routes_with(
            (r"search", ("GET", "POST"), self._removed_search),
            (r"search/jql", ("GET", "POST"), lambda r, v, _: self.paged.search(r, v)),
            (r"search/approximate-count", ("POST",), lambda r, v, _: self.paged.approximate_count(r)),
            (r"changelog/bulkfetch", ("POST",), lambda r, v, _: self.paged.bulk_changelog(r, v)),
            (r"issue/([^/]+)/changelog", ("GET",), lambda r, v, k: self.paged.issue_changelog(r, v, k)),
            (r"field", ("GET",), lambda r, v, _: json_response(field_list())),
            (r"project/search", ("GET",), self._project_search),
        )

    def _routes_with(self, *own: Route) -> list[tuple[re.Pattern[str], tuple[str, ...], Handler]]:
        """The API's paths this app answers: its `own`, then those Cloud and Data Center share."""
        shared: tuple[Route, ...] = (
            (r"serverInfo", ("GET",), self._server_info),
            (r"myself", ("GET",), self._myself),
            (r"issue/([^/]+)", ("GET",), self._issue),
            (r"status", ("GET",), lambda r, v, _: json_response(self._statuses(v))),
            (r"statuscategory", ("GET",), lambda r, v, _: json_response(self._categories(v))),
            (r"issueLinkType", ("GET",), self._link_types),
            (r"project/([^/]+)/statuses", ("GET",), self._project_statuses),
            (r"project/([^/]+)", ("GET",), self._project),
        )
        return [(re.compile(p), methods, handler) for p, methods, handler in (*own, *shared)]

    def authenticate(self, request: Request) -> Response | None:
        given = request.headers.get("authorization", "")
        if any(hmac.compare_digest(given, ok) for ok in self._accepted):
            return None
        return Response(
            401,
            b"Client must be authenticated to access this resource.",
            "text/html;charset=UTF-8",
            (
                ("WWW-Authenticate", 'Basic realm="protected-area"'),
                ("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
            ),
        )

    def handle(self, request: Request) -> Response:
        match = re.fullmatch(r"/rest/api/(2|3|latest)/(.+?)/?", request.path)
        if match is None:
            return error(404, f"null for uri: {self.render.base}{request.path}")
        version = "3" if match.group(1) == "latest" else match.group(1)
        for pattern, methods, handler in self._routes:
            found = pattern.fullmatch(match.group(2))
            if found is None:
                continue
            if request.method not in methods:
                return error(405, f"Method {request.method} is not allowed for {request.path}.")
            try:
                return handler(request, version, found.group(1) if found.groups() else "")
            except BadRequest as exc:
                return error(400, str(exc))
        return error(404, f"null for uri: {self.render.base}{request.path}")

    # -- handlers ---------------------------------------------------------------------------
    def _server_info(self, request: Request, version: str, _: str) -> Response:
        return json_response(
            {
                "baseUrl": self.render.base,
                "displayUrl": self.render.base,
                "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
                "buildNumber": 100292,
                "buildDate": "2026-01-12T08:31:07.000+0100",
                "serverTime": jira_datetime(self.now_ms),
                "scmInfo": "5f8c0b9a2d8e4c1f9d3b7a6e5c4d3b2a1f0e9d8c",
                "serverTitle": "orgpulse sandbox",
                "serverTimeZone": SITE_TZ_NAME,
                "defaultLocale": {"locale": "en_US"},
            }
        )

    def _myself(self, request: Request, version: str, _: str) -> Response:
        api = self.render.api(version)
        avatar = "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/SR-0.png"
        return json_response(
            {
                "self": f"{api}/user?accountId={self.account_id}",
                "accountId": self.account_id,
                "accountType": "atlassian",
                "emailAddress": SANDBOX_EMAIL,
                "avatarUrls": {f"{s}x{s}": f"{avatar}?size={s}&s={s}" for s in (48, 24, 16, 32)},
                **READER,
            }
        )

    def _removed_search(self, request: Request, version: str, _: str) -> Response:
        return error(410, REMOVED_SEARCH)

    def _issue(self, request: Request, version: str, id_or_key: str) -> Response:
        issue = self.org.find(id_or_key)
        if issue is None:
            return error(404, "Issue does not exist or you do not have permission to see it.")
        choice = choose_fields(request.params("fields"), tuple(self.render.field_getters), "*all")
        changelog = "changelog" in request.params("expand")
        return Response(200, self.paged.issue_json(issue, version, choice, changelog, cap=100).encode())

    def _statuses(self, version: str) -> list[Json]:
        return [self.render.status(s.status_id, version) for s in cat.STATUSES]

    def _categories(self, version: str) -> list[Json]:
        return [self.render.category(c, version) for c in cat.CATEGORIES]

    def _link_types(self, request: Request, version: str, _: str) -> Response:
        return json_response(
            {"issueLinkTypes": [self.render.link_type(t.type_id, version) for t in cat.LINK_TYPES]}
        )

    def _project_json(self, key: str, version: str) -> Json:
        project = self.render.project(key, version)
        project["expand"] = "description,lead,issueTypes,url,projectKeys,permissions,insight"
        project["style"] = "classic"
        project["isPrivate"] = False
        project["properties"] = {}
        return project

    def _project_search(self, request: Request, version: str, _: str) -> Response:
        keys = set(request.params("keys"))
        text = (request.param("query") or "").lower()
        teams = [
            t
            for t in sorted(self.org.teams, key=lambda t: t.key)
            if (not keys or t.key in keys) and (text in t.key.lower() or text in t.name.lower())
        ]
        start = int(request.param("startAt") or 0)
        size = max(1, min(int(request.param("maxResults") or 50), 100))
        page = teams[start : start + size]
        url = f"{self.render.api(version)}/project/search"
        body: Json = {"self": f"{url}?maxResults={size}&startAt={start}"}
        if start + size < len(teams):
            body["nextPage"] = f"{url}?maxResults={size}&startAt={start + size}"
        body.update(
            {"maxResults": size, "startAt": start, "total": len(teams), "isLast": start + size >= len(teams)}
        )
        body["values"] = [self._project_json(t.key, version) for t in page]
        return json_response(body)

    def _project(self, request: Request, version: str, key: str) -> Response:
        team = self._team(key)
        if team is None:
            return error(404, f"No project could be found with key '{key}'.")
        return json_response(self._project_json(team, version))

    def _team(self, key_or_id: str) -> str | None:
        for team in self.org.teams:
            if key_or_id.upper() == team.key or key_or_id == str(team.project_id):
                return team.key
        return None

    def _project_statuses(self, request: Request, version: str, key: str) -> Response:
        team_key = self._team(key)
        if team_key is None:
            return error(404, f"No project could be found with key '{key}'.")
        workflow = self.org.team_by_key[team_key].workflow
        statuses = [self.render.status(s, version) for s in workflow.status_ids()]
        return json_response(
            [
                {
                    "self": f"{self.render.api(version)}/issuetype/{t.type_id}",
                    "id": str(t.type_id),
                    "name": t.name,
                    "subtask": t.subtask,
                    "statuses": statuses,
                }
                for t in cat.ISSUE_TYPES
            ]
        )
