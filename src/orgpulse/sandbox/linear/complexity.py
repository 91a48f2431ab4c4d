"""Linear's query complexity, priced on a validated document before it runs. Pure.

The documented formula (linear.app/developers/rate-limiting, LINEAR-NOTES §3.2): "Each property is
0.1 point, each object is 1 point and any connection multiplies its children's points based on the
given pagination argument, or the default 50. The score is then rounded up." Read with the schema:
* a leaf field (scalar or enum, lists of them included) is a property: 0.1;
* a field of an object type is an object: 1 plus its selection;
* a field of a `...Connection` type costs nothing itself: its `nodes` and `edges` rows cost
  `first` (else `last`, else 50) times one row (an object with its selection; an edge's `node`
  is one more object), its `pageInfo` once. Connections nest multiplicatively;
* fragments count where they are spread, each alias on its own, `@skip`/`@include` honoured;
* introspection (`__schema`, `__type`) is priced the same way, its unpaged lists as 50 rows.
The docs' example scores 66 (14 with `first: 10`), and the §2.8 `Teams` query about 18,700.
Points are kept in tenths (integers): no float drift decides a rounding or a refusal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)

MAX_POINTS = 10_000  # "Your query will always get rejected if it exceeds that."
DEFAULT_PAGE = 50
PROPERTY, OBJECT = 1, 10  # tenths of a point
_ROWS = frozenset({"nodes", "edges"})
_META = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


class Pricer:
    """Prices one operation of a validated document with coerced variable values."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables)

    def tenths(self, operation: OperationDefinitionNode) -> int:
        """The operation's price in tenths of a point (variables' defaults apply)."""
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        return self._selection(operation.selection_set, root, 0)

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        return value_from_ast_untyped(node, self.variables)

    def _argument(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode, directive: str) -> Any:
        for found in node.directives or ():
            if found.name.value == directive:
                for argument in found.arguments or ():
                    if argument.name.value == "if":
                        return self._value(argument.value)
        return None

    def _included(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode) -> bool:
        return self._argument(node, "skip") is not True and self._argument(node, "include") is not False

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, depth: int
    ) -> list[tuple[FieldNode, GraphQLNamedType]]:
        """The fields of a selection with its fragments spread in place, each with its parent type."""
        if depth > 64:
            raise ValueError("the selection nests too deep")
        found: list[tuple[FieldNode, GraphQLNamedType]] = []
        for node in selection_set.selections:
            if not isinstance(
                node, FieldNode | InlineFragmentNode | FragmentSpreadNode
            ) or not self._included(node):
                continue
            if isinstance(node, FieldNode):
                found.append((node, parent))
            elif isinstance(node, InlineFragmentNode):
                on = self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                found += self._fields(node.selection_set, on or parent, depth + 1)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                on = self.schema.get_type(fragment.type_condition.name.value)
                found += self._fields(fragment.selection_set, on or parent, depth + 1)
        return found

    def _selection(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, depth: int) -> int:
        if selection_set is None:
            return 0
        return sum(
            self._field(node, owner, depth) for node, owner in self._fields(selection_set, parent, depth)
        )

    def _definition(self, node: FieldNode, parent: GraphQLNamedType) -> GraphQLField | None:
        if node.name.value in _META:
            return _META[node.name.value]
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            found: GraphQLField | None = parent.fields.get(node.name.value)
            return found
        return None

    def _field(self, node: FieldNode, parent: GraphQLNamedType, depth: int) -> int:
        definition = self._definition(node, parent)
        if definition is None:  # __typename and other meta fields
            return PROPERTY
        named = get_named_type(definition.type)
        if is_leaf_type(named) or node.selection_set is None:
            return PROPERTY
        if named.name.startswith("__") and is_list_type(get_nullable_type(definition.type)):
            # Introspection lists have no paging argument: each is charged as 50 rows, so the
            # standard introspection query is refused, as Linear refuses it (262,144 points).
            return DEFAULT_PAGE * (OBJECT + self._selection(node.selection_set, named, depth + 1))
        if not named.name.endswith("Connection"):
            return OBJECT + self._selection(node.selection_set, named, depth + 1)
        size = self._page_size(node)
        total = 0
        for child, owner in self._fields(node.selection_set, named, depth + 1):
            if child.name.value in _ROWS:
                total += size * self._field(child, owner, depth + 1)
            else:
                total += self._field(child, owner, depth + 1)
        return total

    def _page_size(self, node: FieldNode) -> int:
        given = {a.name.value: a.value for a in node.arguments or ()}
        for name in ("first", "last"):
            value = self._value(given[name]) if name in given else None
            if isinstance(value, int) and not isinstance(value, bool):
                return max(value, 0)
        return DEFAULT_PAGE


def points(tenths: int) -> int:
    """The score Linear reports: rounded up to a whole point."""
    return math.ceil(tenths / 10)


def shown(tenths: int) -> str:
    """The score as Linear's error message writes it (a JavaScript number: 12305, 12304.9)."""
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths / 10:.1f}"
