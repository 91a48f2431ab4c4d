"""The Jira Data Center dialect: the same organisation as the Cloud dialect, as DC 9 serves it.

Served under /rest/api/2 and /rest/api/latest (DC has no v3): serverInfo (deploymentType
"DataCenter"), myself, GET|POST search (offset-paged: `startAt`, `maxResults`, `total`; at most
100 issues a page with fields or changelog, 1000 with only `key`; `page_cap` lowers both;
`expand=changelog` embeds the whole history, oldest first), issue/{idOrKey}, field, status,
statuscategory, issueLinkType, project, project/{key}[/statuses]. What only Cloud has —
search/jql, approximate-count, changelog/bulkfetch, issue/{id}/changelog, project/search —
answers 404, as on a real DC. Rendering is `render_dc.DcRenderer`.

Authentication: a personal access token as `Authorization: Bearer SANDBOX_TOKEN`, or HTTP basic
with SANDBOX_USERNAME and SANDBOX_TOKEN as the password; 401 otherwise. When the server's
`rate_limit_every` knob refuses a request, it sends DC's headers (`DC_RATE_LIMIT_HEADERS`).
"""

from __future__ import annotations

import base64
import hmac
import re
from datetime import timedelta

from orgpulse.sandbox.credentials import SANDBOX_TOKEN, SANDBOX_USERNAME
from orgpulse.sandbox.jira.cloud import READER, JiraCloudApp
from orgpulse.sandbox.jira.jql import JqlError
from orgpulse.sandbox.jira.render import ISSUE_EXPAND, Json, compact
from orgpulse.sandbox.jira.render_dc import EMAIL_DOMAIN, DcRenderer, dc_field_list
from orgpulse.sandbox.jira.search import FieldChoice, PagedEndpoints, _as_list, _positive_int, choose_fields
from orgpulse.sandbox.org.model import Issue, Org
from orgpulse.sandbox.org.weeks import jira_datetime, local_ms
from orgpulse.sandbox.wire import BadRequest, Request, Response, error, json_response, raw_json

FIELDS_CAP = 100  # an instance's jira.search.views.default.max set low, as large sites do
ID_ONLY_CAP = 1000
DC_VERSION = (9, 12, 15)
# DC 8.6+ rate limiting answers 429 with these (JIRA-NOTES §2, "Adjusting your code for rate limiting").
DC_RATE_LIMIT_HEADERS: tuple[tuple[str, str], ...] = (
    ("Retry-After", "1"),
    ("X-RateLimit-Limit", "20"),
    ("X-RateLimit-Remaining", "0"),
    ("X-RateLimit-Interval-Seconds", "1"),
    ("X-RateLimit-FillRate", "10"),
)


class JiraDataCenterApp(JiraCloudApp):
    """Answers Jira Data Center REST v2 requests about one organisation."""

    def __init__(self, org: Org, base: str, page_cap: int | None = None) -> None:
        self.org = org
        self.render: DcRenderer = DcRenderer(org, base)
        self.now_ms = local_ms(org.anchor + timedelta(days=1)) - 2 * 3_600_000  # 22:00 on the anchor day
        self.page_cap = page_cap
        self.paged = PagedEndpoints(self.render, page_cap, self.now_ms)  # its JQL result cache
        basic = base64.b64encode(f"{SANDBOX_USERNAME}:{SANDBOX_TOKEN}".encode()).decode()
        self._accepted = (f"Basic {basic}", f"Bearer {SANDBOX_TOKEN}")
        self._routes = self._routes_with(
            (r"search", ("GET", "POST"), self._search),
            (r"field", ("GET",), lambda r, v, _: json_response(dc_field_list())),
            (r"project", ("GET",), self._projects),
        )

    def authenticate(self, request: Request) -> Response | None:
        given = request.headers.get("authorization", "")
        if any(hmac.compare_digest(given, ok) for ok in self._accepted):
            return None
        headers = [("WWW-Authenticate", f'OAuth realm="{self.render.base}"')]
        if given:
            headers.append(("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"))
        body = error(401, "You are not authenticated. Authentication required to perform this operation.")
        return Response(401, body.body, body.content_type, tuple(headers))

    def handle(self, request: Request) -> Response:
        if re.match(r"/rest/api/latest/", request.path):
            request = Request(
                request.method, "/rest/api/2/" + request.path[len("/rest/api/latest/") :],
                request.query, request.headers, request.body,
            )  # fmt: skip
        if not request.path.startswith("/rest/api/2/"):
            return error(404, f"null for uri: {self.render.base}{request.path}")
        return super().handle(request)

    # -- handlers ---------------------------------------------------------------------------
    def _server_info(self, request: Request, version: str, _: str) -> Response:
        return json_response(
            {
                "baseUrl": self.render.base,
                "version": ".".join(map(str, DC_VERSION)),
                "versionNumbers": list(DC_VERSION),
                "deploymentType": "DataCenter",
                "buildNumber": 9120015,
                "buildDate": "2024-10-08T00:00:00.000+0000",
                "databaseBuildNumber": 9120015,
                "serverTime": jira_datetime(self.now_ms),
                "scmInfo": "0c8a3e2b9f4d7e1a6b5c4d3e2f1a0b9c8d7e6f5a",
                "serverTitle": "orgpulse sandbox",
            }
        )

    def _myself(self, request: Request, version: str, _: str) -> Response:
        avatar = f"{self.render.base}/secure/useravatar?avatarId=10122"
        return json_response(
            {
                "self": f"{self.render.api(version)}/user?username={SANDBOX_USERNAME}",
                "key": "JIRAUSER10000",
                "name": SANDBOX_USERNAME,
                "emailAddress": f"{SANDBOX_USERNAME}@{EMAIL_DOMAIN}",
                "avatarUrls": {"48x48": avatar, "24x24": avatar, "16x16": avatar, "32x32": avatar},
                **READER,
            }
        )

    def _cap(self, cap: int) -> int:
        return min(cap, self.page_cap) if self.page_cap else cap

    def _search(self, request: Request, version: str, _: str) -> Response:
        if request.method == "POST":
            body = request.json()
            if not isinstance(body, dict):
                raise BadRequest("The request body must be a JSON object.")
            jql, start = str(body.get("jql") or ""), body.get("startAt", 0)
            wanted = body.get("maxResults", 50)
            fields, expand = _as_list(body.get("fields")), _as_list(body.get("expand"))
        else:
            jql, start = request.param("jql") or "", request.param("startAt") or 0
            wanted = request.param("maxResults") or 50
            fields, expand = request.params("fields"), request.params("expand")
        try:
            # DC accepts an empty JQL: every issue, newest created first.
            issues = self.paged._query(jql) if jql.strip() else sorted(
                self.org.issues, key=lambda i: (i.created, i.issue_id), reverse=True
            )  # fmt: skip
        except JqlError as exc:
            return error(400, str(exc))
        choice = choose_fields(fields, tuple(self.render.field_getters), "*navigable")
        changelog = "changelog" in expand
        offset = _positive_int(start, "startAt", allow_zero=True)
        size = min(_positive_int(wanted, "maxResults", allow_zero=True),
                   self._cap(ID_ONLY_CAP if choice.id_only and not changelog else FIELDS_CAP))  # fmt: skip
        page = issues[offset : offset + size]
        parts = ",".join(self.issue_json(i, version, choice, changelog) for i in page)
        text = f'{{"expand":"schema,names","startAt":{offset},"maxResults":{size},"total":{len(issues)},'
        text += f'"issues":[{parts}]'
        if "names" in expand:
            text += ',"names":' + compact({n: n for n in choice.names})
        return raw_json(text + "}")

    def issue_json(self, issue: Issue, version: str, choice: FieldChoice, changelog: bool) -> str:
        """One issue as DC writes it; `changelog` embeds the whole history, oldest first."""
        text = (
            f'{{"expand":"{ISSUE_EXPAND}","id":"{issue.issue_id}",'
            f'"self":"{self.render.api(version)}/issue/{issue.issue_id}","key":"{issue.key}"'
        )
        if choice.names:
            text += ',"fields":' + compact(self.render.fields(issue, version, choice.names))
        if changelog:
            histories = self.render.history_strings(issue, version)
            text += (
                f',"changelog":{{"startAt":0,"maxResults":{len(histories)},"total":{len(histories)},'
                f'"histories":[{",".join(histories)}]}}'
            )
        return text + "}"

    def _issue(self, request: Request, version: str, id_or_key: str) -> Response:
        issue = self.org.find(id_or_key)
        if issue is None:
            return error(404, "Issue Does Not Exist")
        asked = request.params("fields")
        served = tuple(self.render.field_getters)
        # `fields=` (present, empty) asks for no field at all.
        choice = FieldChoice((), True) if "fields" in request.query and not asked else choose_fields(
            asked, served, "*all"
        )  # fmt: skip
        changelog = "changelog" in request.params("expand")
        return Response(200, self.issue_json(issue, version, choice, changelog).encode())

    def _project_json(self, key: str, version: str) -> Json:
        project = self.render.project(key, version)
        project = {"expand": "description,lead,url,projectKeys", **project}
        project["projectTypeKey"] = "software"
        project["archived"] = False
        return project

    def _projects(self, request: Request, version: str, _: str) -> Response:
        teams = sorted(self.org.teams, key=lambda t: t.key)
        return json_response([self._project_json(t.key, version) for t in teams])
