"""Jira Cloud's paged issue and history endpoints: enhanced search, bulk changelog, issue changelog.

    GET|POST /rest/api/{2,3}/search/jql      token-paged issues; fields default to `id` only; at most
                                              5000 per page with id/key and up to FEW_FIELDS other
                                              fields, 100 with more or an expanded changelog; an
                                              embedded changelog holds the newest 40 histories
    POST     /rest/api/{2,3}/changelog/bulkfetch   token-paged histories, oldest first, issues by id
    GET      /rest/api/{2,3}/issue/{idOrKey}/changelog   startAt-paged, oldest first, <= 100

The search's page size depends on what a page asks for, as the Jira Cloud platform spec says of
`maxResults` on `/rest/api/3/search/jql`: "To manage page size, API may return fewer items per page
where a large number of fields or properties are requested. The greatest number of items returned
per page is achieved when requesting id or key only. It returns max 5000 issues." Atlassian
documents no per-field figure ("the default and maximum sizes of paged data are not considered
part of the API and may change without notice", KB "Changing maxResults parameter for Jira Cloud
REST API"; its change notice for the old `GET /search` grew pages "based on the fields requested",
id/key first). The double reads the spec's sentence as written: a page of id/key and a few small
fields (an incremental run's `updated` listing) is served up to the 5000, a page of many fields or
with the changelog expanded (the sync's full pages) up to 100. A client must take the size it is
given and follow `nextPageToken`; `page_cap` lowers every size, to play a stricter server.

Page tokens are opaque, bound to the query that issued them, and refused (400) when forged or
reused on another query. `nextPageToken` is absent on the last page, as on the real service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from orgpulse.sandbox.jira.fields import field_name
from orgpulse.sandbox.jira.jql import JqlError, parse_jql, run_query
from orgpulse.sandbox.jira.render import ISSUE_EXPAND, JiraRenderer, compact
from orgpulse.sandbox.org.model import Issue
from orgpulse.sandbox.wire import BadRequest, Request, Response, error, json_response, raw_json

EMBEDDED_HISTORIES = 40
ID_ONLY_CAP = 5000  # the spec's maximum: id/key, and up to FEW_FIELDS other fields
FIELDS_CAP = 100  # many fields, or the changelog expanded
FEW_FIELDS = 2
BAD_TOKEN = "The provided next page token is invalid or expired."


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """Which fields an issue carries: `names` in served order, plus whether `key` was asked for."""

    names: tuple[str, ...]
    key: bool

    @property
    def id_only(self) -> bool:
        return not self.names

    @property
    def few(self) -> bool:
        """A light page (id/key and at most FEW_FIELDS fields): the spec's largest pages."""
        return len(self.names) <= FEW_FIELDS


def choose_fields(requested: Sequence[str], served: Sequence[str], default: str) -> FieldChoice:
    """Jira's `fields` semantics: `*all`, `*navigable`, `-name` exclusions, explicit names, `id`."""
    wanted = list(requested) or [default]
    everything = any(w in ("*all", "*navigable") for w in wanted)
    excluded = {w[1:] for w in wanted if w.startswith("-")}
    named = {w for w in wanted if not w.startswith(("-", "*"))}
    names = tuple(n for n in served if (everything or n in named) and n not in excluded)
    return FieldChoice(names, everything or bool(named & {"key", "issuekey"}))


class Tokens:
    """Opaque, signed page tokens: kind, query fingerprint and position."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()[:16]

    def issue(self, kind: str, fingerprint: str, *position: int) -> str:
        payload = ".".join([kind, fingerprint, *map(str, position)])
        return base64.urlsafe_b64encode(f"{payload}.{self._mac(payload)}".encode()).decode().rstrip("=")

    def read(self, token: str, kind: str, fingerprint: str, size: int) -> tuple[int, ...]:
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            payload, mac = text.rsplit(".", 1)
            parts = payload.split(".")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(BAD_TOKEN) from exc
        if not hmac.compare_digest(mac, self._mac(payload)) or parts[:2] != [kind, fingerprint]:
            raise BadRequest(BAD_TOKEN)
        position = tuple(int(p) for p in parts[2:])
        if len(position) != size:
            raise BadRequest(BAD_TOKEN)
        return position


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


class PagedEndpoints:
    def __init__(self, render: JiraRenderer, page_cap: int | None, now_ms: int) -> None:
        self.render = render
        self.page_cap = page_cap
        self.now_ms = now_ms
        self.tokens = Tokens(f"sandbox-{render.org.seed}".encode())
        self._results: OrderedDict[str, list[Issue]] = OrderedDict()
        self._lock = threading.Lock()

    def _cap(self, cap: int) -> int:
        return min(cap, self.page_cap) if self.page_cap else cap

    def _query(self, jql: str) -> list[Issue]:
        key = " ".join(jql.split())
        with self._lock:
            hit = self._results.get(key)
        if hit is not None:
            return hit
        result = run_query(parse_jql(jql), self.render.org, self.now_ms)
        with self._lock:
            self._results[key] = result
            if len(self._results) > 32:
                self._results.popitem(last=False)
        return result

    # -- /search/jql ------------------------------------------------------------------------
    def search(self, request: Request, version: str) -> Response:
        if request.method == "POST":
            body = request.json()
            if not isinstance(body, dict):
                raise BadRequest("The request body must be a JSON object.")
            jql = str(body.get("jql") or "")
            token = body.get("nextPageToken")
            max_results = body.get("maxResults", 50)
            fields = _as_list(body.get("fields"))
            expand = _as_list(body.get("expand"))
        else:
            jql = request.param("jql") or ""
            token = request.param("nextPageToken")
            max_results = request.param("maxResults") or 50
            fields, expand = request.params("fields"), request.params("expand")
        if not jql.strip():
            return error(
                400,
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
            )
        try:
            issues = self._query(jql)
        except JqlError as exc:
            return error(400, str(exc))
        choice = choose_fields(fields, tuple(self.render.field_getters), "id")
        with_changelog = "changelog" in expand
        size = _positive_int(max_results, "maxResults")
        # Light pages reach 5000; an expanded changelog is a heavy page like one of many fields.
        size = min(size, self._cap(ID_ONLY_CAP if choice.few and not with_changelog else FIELDS_CAP))
        query_print = fingerprint(" ".join(jql.split()))
        start = self.tokens.read(str(token), "search", query_print, 1)[0] if token else 0
        page = issues[start : start + size]
        parts = [self.issue_json(i, version, choice, with_changelog) for i in page]
        more = start + size < len(issues)
        text = '{"issues":[' + ",".join(parts) + "]"
        if more:
            text += f',"nextPageToken":"{self.tokens.issue("search", query_print, start + size)}"'
        if "names" in expand:
            text += ',"names":' + compact({n: field_name(n) for n in choice.names})
        return raw_json(text + f',"isLast":{"false" if more else "true"}}}')

    def issue_json(
        self, issue: Issue, version: str, choice: FieldChoice, changelog: bool, cap: int = 40
    ) -> str:
        if choice.id_only and not changelog:
            return (
                f'{{"id":"{issue.issue_id}","key":"{issue.key}"}}'
                if choice.key
                else f'{{"id":"{issue.issue_id}"}}'
            )
        head = (
            f'{{"expand":"{ISSUE_EXPAND}","id":"{issue.issue_id}",'
            f'"self":"{self.render.api(version)}/issue/{issue.issue_id}","key":"{issue.key}"'
        )
        text = head + ',"fields":' + compact(self.render.fields(issue, version, choice.names))
        if changelog:
            histories = self.render.history_strings(issue, version)
            newest = histories[::-1][:cap]
            text += (
                f',"changelog":{{"startAt":0,"maxResults":{len(newest)},"total":{len(histories)},'
                f'"histories":[{",".join(newest)}]}}'
            )
        return text + "}"

    def approximate_count(self, request: Request) -> Response:
        body = request.json()
        jql = str(body.get("jql") or "") if isinstance(body, dict) else ""
        if not jql.strip():
            return error(
                400,
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
            )
        try:
            return json_response({"count": len(self._query(jql))})
        except JqlError as exc:
            return error(400, str(exc))

    # -- /changelog/bulkfetch ---------------------------------------------------------------
    def bulk_changelog(self, request: Request, version: str) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        wanted = body.get("issueIdsOrKeys")
        if not isinstance(wanted, list) or not 1 <= len(wanted) <= 1000:
            return error(400, "issueIdsOrKeys must contain between 1 and 1000 issue IDs or keys.")
        field_ids = body.get("fieldIds") or []
        if not isinstance(field_ids, list) or len(field_ids) > 10:
            return error(400, "fieldIds must contain at most 10 field IDs.")
        size = min(_positive_int(body.get("maxResults", 1000), "maxResults"), self._cap(10000))
        issues = sorted(
            {i.issue_id: i for w in wanted if (i := self.render.org.find(str(w)))}.values(),
            key=lambda i: i.issue_id,
        )
        query_print = fingerprint([i.issue_id for i in issues], sorted(map(str, field_ids)))
        token = body.get("nextPageToken")
        position, offset = self.tokens.read(str(token), "bulk", query_print, 2) if token else (0, 0)
        chunks: list[str] = []
        taken = 0
        while position < len(issues) and taken < size:
            issue = issues[position]
            histories = self._histories(issue, version, {str(f) for f in field_ids} if field_ids else None)
            part = histories[offset : offset + size - taken]
            if part:
                chunks.append(f'{{"issueId":"{issue.issue_id}","changeHistories":[{",".join(part)}]}}')
            taken += len(part)
            offset += len(part)
            if offset >= len(histories):
                position, offset = position + 1, 0
        text = '{"issueChangeLogs":[' + ",".join(chunks) + "]"
        if position < len(issues):
            text += f',"nextPageToken":"{self.tokens.issue("bulk", query_print, position, offset)}"'
        return raw_json(text + "}")

    def _histories(self, issue: Issue, version: str, field_ids: set[str] | None) -> list[str]:
        if field_ids is None:
            return self.render.history_strings(issue, version)
        kept = (self.render.history_dict(issue, e, version, field_ids) for e in self.render.entries(issue))
        return [compact(h) for h in kept if h is not None]

    # -- /issue/{idOrKey}/changelog ---------------------------------------------------------
    def issue_changelog(self, request: Request, version: str, id_or_key: str) -> Response:
        issue = self.render.org.find(id_or_key)
        if issue is None:
            return error(404, "Issue does not exist or you do not have permission to see it.")
        start = _positive_int(request.param("startAt") or 0, "startAt", allow_zero=True)
        size = min(_positive_int(request.param("maxResults") or 100, "maxResults"), self._cap(100))
        histories = self.render.history_strings(issue, version)
        page = histories[start : start + size]
        last = start + size >= len(histories)
        url = f"{self.render.api(version)}/issue/{issue.key}/changelog"
        text = f'{{"self":"{url}?maxResults={size}&startAt={start}",'
        if not last:
            text += f'"nextPage":"{url}?maxResults={size}&startAt={start + size}",'
        text += f'"maxResults":{size},"startAt":{start},"total":{len(histories)},'
        text += f'"isLast":{"true" if last else "false"},'
        return raw_json(text + f'"values":[{",".join(page)}]}}')


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [v.strip() for item in value for v in str(item).split(",") if v.strip()]
    raise BadRequest("fields and expand must be strings or lists of strings.")


def _positive_int(value: object, name: str, allow_zero: bool = False) -> int:
    try:
        number = int(str(value))
    except ValueError as exc:
        raise BadRequest(f"The '{name}' parameter must be a number.") from exc
    if number < (0 if allow_zero else 1):
        raise BadRequest(f"The '{name}' parameter must be {'>= 0' if allow_zero else '> 0'}.")
    return number
