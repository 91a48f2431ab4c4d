"""Relay paging as Linear does it, and the field resolver every served object goes through.

`page(rows, args, cap)` cuts one connection page: archived rows hidden unless `includeArchived`,
`first` (default 50, at most 250 -- LINEAR-NOTES §2.7 -- or the server's `page_cap`) after the
`after` cursor, or `last` before `before`. A cursor is the id of the row it follows, as Linear's
are. Callers pass rows already in the connection's order.

`resolve_field` reads a field from a served object: a dict key, an attribute, or a method called
with the field's arguments. A field the sandbox does not model is answered as the schema allows:
null when nullable, an empty list or connection, a neutral scalar (false, 0, "", the entity's
creation time) when not -- and an error for a non-null object it cannot invent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLType,
)

from orgpulse.sandbox.linear.errors import input_error, unsupported

DEFAULT_PAGE = 50
MAX_PAGE = 250
_MISSING = object()
_SCALAR_DEFAULTS: dict[str, Any] = {
    "Boolean": False,
    "Int": 0,
    "Float": 0.0,
    "String": "",
    "ID": "",
    "JSONObject": {},
    "JSON": {},
    "TimelessDate": "1970-01-01",
}


class Connection:
    """One page of a connection: `nodes`, `edges` and `pageInfo` as the schema names them."""

    def __init__(self, rows: Sequence[Any], has_next: bool, has_previous: bool) -> None:
        self.nodes = list(rows)
        self._has_next = has_next
        self._has_previous = has_previous

    @property
    def edges(self) -> list[dict[str, Any]]:
        return [{"cursor": row.id, "node": row} for row in self.nodes]

    @property
    def pageInfo(self) -> dict[str, Any]:
        return {
            "hasNextPage": self._has_next,
            "hasPreviousPage": self._has_previous,
            "startCursor": self.nodes[0].id if self.nodes else None,
            "endCursor": self.nodes[-1].id if self.nodes else None,
        }


def _size(value: object, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or value < 0:
        raise input_error(f"Argument `{name}` must be a non-negative integer.")
    return value


def page(rows: Sequence[Any], args: Mapping[str, Any], cap: int | None = None) -> Connection:
    """One page of `rows` (each with `id` and `is_archived`) by Linear's paging arguments."""
    if not args.get("includeArchived"):
        rows = [r for r in rows if not r.is_archived]
    limit = min(MAX_PAGE, cap) if cap else MAX_PAGE
    first, last = _size(args.get("first"), "first"), _size(args.get("last"), "last")
    after, before = args.get("after"), args.get("before")
    start, stop = 0, len(rows)
    if after is not None or before is not None:
        position = {row.id: n for n, row in enumerate(rows)}
        if after is not None:
            if after not in position:
                raise input_error(f"Cursor {after} does not refer to an entity of this connection.")
            start = position[after] + 1
        if before is not None:
            if before not in position:
                raise input_error(f"Cursor {before} does not refer to an entity of this connection.")
            stop = position[before]
    if last is not None and first is None:
        size = min(last, limit)
        begin = max(start, stop - size)
        return Connection(rows[begin:stop], stop < len(rows), begin > start or begin > 0)
    size = min(DEFAULT_PAGE if first is None else first, limit)
    end = min(stop, start + size)
    return Connection(rows[start:end], end < stop, start > 0)


def empty_connection() -> Connection:
    return Connection([], False, False)


def resolve_field(source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
    """The graphql-core field resolver of every served object."""
    name = info.field_name
    value = source.get(name, _MISSING) if isinstance(source, Mapping) else getattr(source, name, _MISSING)
    if value is _MISSING:
        return _default(source, info, info.return_type)
    if callable(value):
        return value(**args)
    return value


def _default(source: Any, info: GraphQLResolveInfo[Any], kind: GraphQLType) -> Any:
    if not isinstance(kind, GraphQLNonNull):
        return None
    inner = kind.of_type
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLScalarType):
        if inner.name == "DateTime":
            return getattr(source, "createdAt", "1970-01-01T00:00:00.000Z")
        return _SCALAR_DEFAULTS.get(inner.name, "")
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values.values())).value
    if isinstance(inner, GraphQLObjectType) and inner.name.endswith("Connection"):
        return empty_connection()
    raise unsupported(f"{info.parent_type.name}.{info.field_name} is not served")
