"""The Linear GraphQL documents (kept as data in `documents/*.graphql`) and their variables. Pure.

`document(name)` is a file with the fragments it uses appended (`fragments.graphql`).
`followup_document(parts)` aliases many one-issue page queries (`history_page`, `relations_page`,
`inverse_relations_page`) into one request: each part `pN` gets its own `$idN` / `$afterN`, the
page sizes are shared. Every document and every batched one validates against Linear's schema
(tests/test_linear_queries.py), so a field Linear does not have fails the build.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    print_ast,
)

ISSUES = "issues"
HISTORY_PAGE = "history_page"
RELATIONS_PAGE = "relations_page"
INVERSE_RELATIONS_PAGE = "inverse_relations_page"
TEAMS = "teams"
TEAM_MEMBERSHIPS = "team_memberships"
USERS = "users"
WORKFLOW_STATES = "workflow_states"
LABELS = "labels"
VIEWER = "viewer"
FRAGMENTS = "fragments"

# What a follow-up part fetches: the one-issue document and the connection it pages.
FOLLOW_UP_KINDS: Mapping[str, tuple[str, str]] = {
    "history": (HISTORY_PAGE, "history"),
    "relations": (RELATIONS_PAGE, "relations"),
    "inverse": (INVERSE_RELATIONS_PAGE, "inverseRelations"),
}
_PER_PART = ("id", "after")  # the variables each aliased part gets its own copy of


@dataclass(frozen=True)
class FollowUp:
    """One more page of one issue's history, relations or inverse relations."""

    kind: str  # a key of FOLLOW_UP_KINDS
    issue_id: str
    after: str | None


def names() -> list[str]:
    """Every document shipped in documents/ (fragments excluded)."""
    folder = resources.files(_package()).joinpath("documents")
    found = [p.name[: -len(".graphql")] for p in folder.iterdir() if p.name.endswith(".graphql")]
    return sorted(n for n in found if n != FRAGMENTS)


@functools.cache
def document(name: str) -> str:
    """The document `documents/<name>.graphql`, with the fragments it spreads appended."""
    return with_fragments(_read(name))


def with_fragments(text: str) -> str:
    """`text` with every fragment of fragments.graphql it uses (directly or not), in canonical form."""
    available = _fragments()
    wanted: list[str] = []
    pending = _spreads(text)
    while pending:
        name = pending.pop(0)
        if name in wanted or name not in available:
            continue
        wanted.append(name)
        pending += _spreads(available[name])
    # Printed from the parsed document: comments and layout are not sent to Linear.
    return print_ast(parse("\n\n".join([text, *(available[n] for n in wanted)]))) + "\n"


def followup_document(
    parts: Sequence[FollowUp], *, history_first: int, relations_first: int
) -> tuple[str, dict[str, Any]]:
    """One request paging many issues' connections: the document and its variables."""
    if not parts:
        raise ValueError("a follow-up request needs at least one part")
    definitions: dict[str, str] = {}
    fields: list[str] = []
    variables: dict[str, Any] = {}
    shared = {"historyFirst": history_first, "relationsFirst": relations_first}
    for n, part in enumerate(parts):
        template = _template(FOLLOW_UP_KINDS[part.kind][0])
        for var, text in template.definitions.items():
            if var in _PER_PART:
                definitions[f"{var}{n}"] = _rename(text, n)
            else:
                definitions[var] = text
                variables[var] = shared[var]
        fields.append(f"p{n}: {_rename(template.field, n)}")
        variables[f"id{n}"] = part.issue_id
        variables[f"after{n}"] = part.after
    header = ", ".join(definitions.values())
    body = "\n".join(fields)
    return with_fragments(f"query FollowUp({header}) {{\n{body}\n}}"), variables


def page_variables(first: int, after: str | None, **extra: Any) -> dict[str, Any]:
    return {"first": first, "after": after, **extra}


def issues_variables(
    *,
    first: int,
    after: str | None,
    team_ids: Iterable[str] = (),
    updated_since: datetime | None = None,
    created_since: date | None = None,
    history_first: int,
    relations_first: int,
) -> dict[str, Any]:
    """Variables of `issues`: the chosen teams (none: all), updated since the watermark (inclusive)."""
    issue_filter: dict[str, Any] = {}
    ids = list(team_ids)
    if ids:
        issue_filter["team"] = {"id": {"in": ids}}
    if updated_since is not None:
        issue_filter["updatedAt"] = {"gte": iso(updated_since)}
    if created_since is not None:
        issue_filter["createdAt"] = {"gte": f"{created_since.isoformat()}T00:00:00.000Z"}
    return {
        "first": first,
        "after": after,
        "filter": issue_filter or None,
        "historyFirst": history_first,
        "relationsFirst": relations_first,
    }


def users_variables(first: int, after: str | None, updated_since: datetime | None) -> dict[str, Any]:
    user_filter = {"updatedAt": {"gte": iso(updated_since)}} if updated_since is not None else None
    return page_variables(first, after, filter=user_filter)


def labels_variables(first: int, after: str | None, ids: Iterable[str] = ()) -> dict[str, Any]:
    wanted = sorted(set(ids))
    return page_variables(first, after, filter={"id": {"in": wanted}} if wanted else None)


def iso(moment: datetime) -> str:
    """An aware datetime as Linear writes them: UTC, milliseconds, `Z`."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime cannot be sent to Linear")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class _Template:
    field: str  # the one root field, printed
    definitions: dict[str, str]  # variable name -> its printed definition


@functools.cache
def _template(name: str) -> _Template:
    doc = parse(_read(name))
    operation = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    roots = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    if len(roots) != 1:
        raise ValueError(f"{name}.graphql must select exactly one root field to be batched")
    definitions = {d.variable.name.value: print_ast(d) for d in operation.variable_definitions or ()}
    return _Template(print_ast(roots[0]), definitions)


def _rename(text: str, n: int) -> str:
    return re.sub(r"\$(" + "|".join(_PER_PART) + r")\b", lambda m: f"${m.group(1)}{n}", text)


@functools.cache
def _fragments() -> dict[str, str]:
    doc = parse(_read(FRAGMENTS))
    return {d.name.value: print_ast(d) for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}


def _spreads(text: str) -> list[str]:
    found: list[str] = []

    def walk(selection_set: SelectionSetNode | None) -> None:
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FragmentSpreadNode):
                found.append(node.name.value)
            elif isinstance(node, FieldNode | InlineFragmentNode):
                walk(node.selection_set)

    for definition in parse(text).definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            walk(definition.selection_set)
    return found


def _read(name: str) -> str:
    return resources.files(_package()).joinpath("documents", f"{name}.graphql").read_text(encoding="utf-8")


def _package() -> str:
    return __package__ or __name__.rpartition(".")[0]
