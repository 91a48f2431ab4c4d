"""The small JQL subset the Jira double understands, with Jira's own error messages.

    clause (AND clause)* [ORDER BY field [ASC|DESC] (, field [ASC|DESC])*]
    clause := project|id|key|issuekey (= | != | IN | NOT IN) values
            | created|updated (= | >= | > | <= | <) date

A date is epoch milliseconds, "yyyy/MM/dd HH:mm", "yyyy-MM-dd HH:mm", "yyyy/MM/dd", "yyyy-MM-dd"
(read in the calling user's time zone, Europe/Paris, to the minute, like Jira) or a relative period
such as -15m, -2h, -5d, -1w. Anything else (OR, other fields, functions) is refused with a 400, as is
a query without any restriction ("unbounded"). Without ORDER BY, results come newest created first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from orgpulse.sandbox.org.model import Issue, Org
from orgpulse.sandbox.org.weeks import SITE_TZ

UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>>=|<=|!=|=|>|<|\(|\)|,)|(?P<word>[^\s"'=!<>(),]+))"""
)
_FIELDS = {"project", "id", "key", "issuekey", "created", "createddate", "updated", "updateddate"}
_DATE_FIELDS = {
    "created": "created",
    "createddate": "created",
    "updated": "updated",
    "updateddate": "updated",
}
_ORDER_FIELDS = {"created": "created", "updated": "updated", "key": "key", "issuekey": "key", "id": "id"}
_PERIOD = re.compile(r"^([-+]?)(\d+)([mhdw])$")
_UNITS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


class JqlError(ValueError):
    """A query Jira would refuse with HTTP 400; the message is Jira's."""


@dataclass(frozen=True, slots=True)
class Clause:
    field: str
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Query:
    clauses: tuple[Clause, ...]
    order: tuple[tuple[str, bool], ...]  # (field, descending)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise JqlError(
                f"Error in the JQL Query: The character '{text[pos]}' is a reserved JQL character. "
                f"(line 1, character {pos + 1})"
            )
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value, match.start(kind) + 1))
        pos = match.end()
    return tokens


def parse_jql(text: str) -> Query:
    tokens = _tokens(text)
    clauses: list[Clause] = []
    order: list[tuple[str, bool]] = []
    i = 0

    def peek_word(n: int = 0) -> str:
        return tokens[i + n][1].lower() if i + n < len(tokens) and tokens[i + n][0] == "word" else ""

    def fail(expected: str) -> JqlError:
        if i >= len(tokens):
            return JqlError(f"Error in the JQL Query: Expecting {expected} but reached the end of the query.")
        _, value, col = tokens[i]
        return JqlError(
            f"Error in the JQL Query: Expecting {expected} but got '{value}'. (line 1, character {col})"
        )

    while i < len(tokens) and not (peek_word() == "order" and peek_word(1) == "by"):
        if clauses:
            if peek_word() != "and":
                raise fail("'AND' (the sandbox supports no other operator)")
            i += 1
        if i >= len(tokens) or tokens[i][0] != "word":
            raise fail("a field name")
        field = tokens[i][1].lower()
        if field not in _FIELDS:
            raise JqlError(f"Field '{tokens[i][1]}' does not exist or you do not have permission to view it.")
        i += 1
        op = ""
        if i < len(tokens) and tokens[i][0] == "op" and tokens[i][1] not in "(),":
            op = tokens[i][1]
        elif peek_word() == "in":
            op = "in"
        elif peek_word() == "not" and peek_word(1) == "in":
            op, i = "not in", i + 1
        if not op:
            raise fail("operator")
        i += 1
        values: list[str] = []
        if op in ("in", "not in"):
            if i >= len(tokens) or tokens[i][1] != "(":
                raise fail("'('")
            i += 1
            while True:
                if i >= len(tokens) or tokens[i][0] == "op":
                    raise fail("a value")
                values.append(tokens[i][1])
                i += 1
                if i < len(tokens) and tokens[i][1] == ",":
                    i += 1
                    continue
                if i < len(tokens) and tokens[i][1] == ")":
                    i += 1
                    break
                raise fail("',' or ')'")
        else:
            if i >= len(tokens) or tokens[i][0] == "op":
                raise fail("a value")
            values.append(tokens[i][1])
            i += 1
        clauses.append(Clause(field, op, tuple(values)))
    if i < len(tokens):
        i += 2  # ORDER BY
        while True:
            name = peek_word()
            if name not in _ORDER_FIELDS:
                if i >= len(tokens):
                    raise fail("a field name")
                raise JqlError(f"Not able to sort using field '{tokens[i][1]}'.")
            i += 1
            descending = False
            if peek_word() in ("asc", "desc"):
                descending = peek_word() == "desc"
                i += 1
            order.append((_ORDER_FIELDS[name], descending))
            if i < len(tokens) and tokens[i][1] == ",":
                i += 1
                continue
            if i < len(tokens):
                raise fail("',' or the end of the query")
            break
    return Query(tuple(clauses), tuple(order))


def _instant(field: str, value: str, now_ms: int) -> int:
    if value.isdigit():
        return int(value)
    period = _PERIOD.match(value.strip())
    if period:
        sign = -1 if period.group(1) == "-" else 1
        return now_ms + sign * int(period.group(2)) * _UNITS[period.group(3)]
    for pattern in ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(value.strip(), pattern).replace(tzinfo=SITE_TZ)
        except ValueError:
            continue
        return int(moment.timestamp() * 1000)
    raise JqlError(
        f"Date value '{value}' for field '{field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


def _key_order(issue: Issue) -> tuple[str, int]:
    project, _, number = issue.key.partition("-")
    return (project, int(number))


def run_query(query: Query, org: Org, now_ms: int) -> list[Issue]:
    """The issues the query selects, in its order. Raises JqlError as Jira would answer 400."""
    if not query.clauses:
        raise JqlError(UNBOUNDED)
    tests: list[Callable[[Issue], bool]] = []
    for clause in query.clauses:
        tests.append(_compile(clause, org, now_ms))
    selected = [i for i in org.issues if all(test(i) for test in tests)]
    order = query.order or (("created", True),)
    for field, descending in reversed(order):
        if field == "key":
            selected.sort(key=_key_order, reverse=descending)
        elif field == "id":
            selected.sort(key=lambda i: i.issue_id, reverse=descending)
        elif field == "created":
            selected.sort(key=lambda i: (i.created, i.issue_id), reverse=descending)
        else:
            selected.sort(key=lambda i: (i.updated, i.issue_id), reverse=descending)
    return selected


def _compile(clause: Clause, org: Org, now_ms: int) -> Callable[[Issue], bool]:
    field, op, values = clause.field, clause.op, clause.values
    if field in _DATE_FIELDS:
        if op not in _COMPARE:
            raise JqlError(f"The operator '{op.upper()}' is not supported by the '{field}' field.")
        attr, limit, compare = _DATE_FIELDS[field], _instant(field, values[0], now_ms), _COMPARE[op]
        return lambda issue: compare(getattr(issue, attr), limit)
    if op not in ("=", "!=", "in", "not in"):
        raise JqlError(f"The operator '{op}' is not supported by the '{field}' field.")
    negate = op in ("!=", "not in")
    if field == "project":
        keys = set()
        for value in values:
            team = org.team_by_key.get(value.upper()) or next(
                (t for t in org.teams if str(t.project_id) == value or t.name.lower() == value.lower()), None
            )
            if team is None:
                raise JqlError(f"The value '{value}' does not exist for the field 'project'.")
            keys.add(team.key)
        return lambda issue: (issue.team in keys) != negate
    if field == "id":
        if not all(v.isdigit() for v in values):
            raise JqlError(f"The value '{values[0]}' is not valid for the field 'id'.")
        ids = {int(v) for v in values}
        return lambda issue: (issue.issue_id in ids) != negate
    matches = set()
    for value in values:
        found = org.find(value)
        if found is None:
            raise JqlError(f"An issue with key '{value}' does not exist for field 'key'.")
        matches.add(found.issue_id)
    return lambda issue: (issue.issue_id in matches) != negate
