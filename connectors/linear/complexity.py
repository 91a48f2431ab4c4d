"""Linear's query complexity, estimated before a query is sent. Pure: no I/O.

The documented formula (linear.app/developers/rate-limiting, LINEAR-NOTES §3.2): "Each property is
0.1 point, each object is 1 point and any connection multiplies its children's points based on the
given pagination argument, or the default 50. The score is then rounded up." Its example,
`user(id:"me"){ createdIssues { nodes { id title createdAt } } }`, scores 1 + 50 × (1 + 0.3) = 66,
and 14 with `first: 10`: the connection itself costs nothing, each of its rows is an object.

How this module reads it:
* a field without a selection is a property: 0.1;
* a field with a selection is an object: 1 plus its selection;
* a connection (a field with `first`/`last`, or whose selection has `nodes`/`edges`) costs its
  `nodes`/`edges` rows times the page size (`first`, else `last`, else 50) plus its `pageInfo`
  once. Connections nest multiplicatively (the §2.8 warning: 50 teams × 100 memberships is
  ~18,700 points, over the 10,000 a query may cost, and refused);
* fragments count as if written in place; each alias counts on its own.

Points are summed in tenths (integers), so no float drift decides a rounding; the total is
rounded up. Real scores are read from the `X-Complexity` header; this is the pre-flight check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
    value_from_ast_untyped,
)

MAX_QUERY_POINTS = 10_000  # Linear refuses any query above this
DEFAULT_PAGE = 50  # what a connection without `first`/`last` is charged for

_PROPERTY = 1  # tenths of a point
_OBJECT = 10
_ROWS = frozenset({"nodes", "edges"})
_MAX_DEPTH = 64


def estimate_complexity(
    document: str | DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The points Linear's formula charges for one operation of `document` with `variables`."""
    doc = parse(document) if isinstance(document, str) else document
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = _operation(doc, operation_name)
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            values[definition.variable.name.value] = value_from_ast_untyped(definition.default_value)
    values.update(variables or {})
    tenths = _selection(operation.selection_set, fragments, values, 0)
    return math.ceil(tenths / 10)


def _operation(doc: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    if len(operations) != 1:
        raise ValueError(f"the document must hold exactly one operation{f' named {name}' if name else ''}")
    return operations[0]


def _selection(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    values: Mapping[str, Any],
    depth: int,
) -> int:
    if selection_set is None:
        return 0
    if depth > _MAX_DEPTH:
        raise ValueError("the selection nests too deep (a fragment cycle?)")
    total = 0
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            total += _field(node, fragments, values, depth)
        elif isinstance(node, InlineFragmentNode):
            total += _selection(node.selection_set, fragments, values, depth + 1)
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments.get(node.name.value)
            if fragment is None:
                raise ValueError(f"unknown fragment {node.name.value}")
            total += _selection(fragment.selection_set, fragments, values, depth + 1)
    return total


def _field(
    node: FieldNode, fragments: Mapping[str, FragmentDefinitionNode], values: Mapping[str, Any], depth: int
) -> int:
    if node.selection_set is None:
        return _PROPERTY
    if not _is_connection(node, fragments):
        return _OBJECT + _selection(node.selection_set, fragments, values, depth + 1)
    size = _page_size(node, values)
    total = 0
    for child in _flat_fields(node.selection_set, fragments, depth + 1):
        if child.name.value in _ROWS:
            total += size * (_OBJECT + _selection(child.selection_set, fragments, values, depth + 2))
        else:
            total += _field(child, fragments, values, depth + 1)
    return total


def _is_connection(node: FieldNode, fragments: Mapping[str, FragmentDefinitionNode]) -> bool:
    if any(a.name.value in ("first", "last") for a in node.arguments or ()):
        return True
    return any(f.name.value in _ROWS for f in _flat_fields(node.selection_set, fragments, 0))


def _flat_fields(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode], depth: int
) -> list[FieldNode]:
    """The fields of a selection with its fragments spread in place."""
    if selection_set is None:
        return []
    if depth > _MAX_DEPTH:
        raise ValueError("the selection nests too deep (a fragment cycle?)")
    found: list[FieldNode] = []
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            found.append(node)
        elif isinstance(node, InlineFragmentNode):
            found += _flat_fields(node.selection_set, fragments, depth + 1)
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            found += _flat_fields(fragments[node.name.value].selection_set, fragments, depth + 1)
    return found


def _page_size(node: FieldNode, values: Mapping[str, Any]) -> int:
    arguments = {a.name.value: a.value for a in node.arguments or ()}
    for name in ("first", "last"):
        value = arguments.get(name)
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = values.get(value.name.value)
            if isinstance(given, int) and not isinstance(given, bool):
                return given
    return DEFAULT_PAGE
