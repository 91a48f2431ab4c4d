"""Linear's filter arguments (`IssueFilter`, `TeamFilter`, ...) evaluated on served entities. Pure.

A filterable entity answers `filter_field(name)` with what the filter compares:
    ("value", v)      a scalar (str, float, bool or None), compared by a comparator object;
    ("date", ms)      epoch milliseconds or None, compared with DateTimeOrDuration operands;
    ("one", entity)   a related entity (or None), matched by a nested filter (`null` tests absence);
    ("many", [...])   a collection, matched by `some` / `every` / `length` / `null` or directly.
Top-level keys are ANDed; `and` / `or` combine filters. A key the sandbox does not evaluate raises
`FilterUnsupported` (answered as a GraphQL error) rather than being ignored: a silently ignored
filter would return rows the real service would not.
DateTimeOrDuration operands are ISO 8601 instants, dates, or durations relative to the sandbox's
now ("-P2W1D": two weeks and a day ago).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

FieldValue = tuple[str, Any]


class FilterUnsupported(ValueError):
    """The filter names a field or an operator the sandbox does not evaluate."""


class Filterable(Protocol):
    def filter_field(self, name: str) -> FieldValue: ...


_DURATION = re.compile(
    r"^(?P<sign>[-+])?P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_UNIT_MS = {"Y": 365 * 86_400_000, "M": 30 * 86_400_000, "W": 7 * 86_400_000, "D": 86_400_000,
            "h": 3_600_000, "m": 60_000, "s": 1000}  # fmt: skip


def parse_moment(value: object, now_ms: int) -> int:
    """A DateTimeOrDuration operand as epoch milliseconds."""
    text = str(value).strip()
    found = _DURATION.match(text)
    if found and text not in ("P", "-P", "+P"):
        total = sum(float(found.group(unit)) * ms for unit, ms in _UNIT_MS.items() if found.group(unit))
        return now_ms - int(total) if found.group("sign") == "-" else now_ms + int(total)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FilterUnsupported(f"not a DateTime or an ISO 8601 duration: {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _fold(text: object) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return plain.casefold()


_STRING_OPS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda v, o: o in v,
    "notContains": lambda v, o: o not in v,
    "startsWith": lambda v, o: v.startswith(o),
    "notStartsWith": lambda v, o: not v.startswith(o),
    "endsWith": lambda v, o: v.endswith(o),
    "notEndsWith": lambda v, o: not v.endswith(o),
    "eqIgnoreCase": lambda v, o: v.casefold() == o.casefold(),
    "neqIgnoreCase": lambda v, o: v.casefold() != o.casefold(),
    "containsIgnoreCase": lambda v, o: o.casefold() in v.casefold(),
    "notContainsIgnoreCase": lambda v, o: o.casefold() not in v.casefold(),
    "startsWithIgnoreCase": lambda v, o: v.casefold().startswith(o.casefold()),
    "containsIgnoreCaseAndAccent": lambda v, o: _fold(o) in _fold(v),
}


def _compare(kind: str, value: Any, condition: Mapping[str, Any], now_ms: int) -> bool:
    def operand(raw: Any) -> Any:
        return parse_moment(raw, now_ms) if kind == "date" else raw

    for op, raw in condition.items():
        if raw is None:
            continue
        if op == "null":
            ok = (value is None) == bool(raw)
        elif op == "eq":
            ok = value == operand(raw)
        elif op == "neq":
            ok = value != operand(raw)
        elif op == "in":
            ok = value in [operand(r) for r in raw]
        elif op == "nin":
            ok = value not in [operand(r) for r in raw]
        elif op in ("lt", "lte", "gt", "gte"):
            if value is None:
                return False
            bound = operand(raw)
            ok = {"lt": value < bound, "lte": value <= bound, "gt": value > bound, "gte": value >= bound}[op]
        elif op in _STRING_OPS:
            ok = value is not None and _STRING_OPS[op](str(value), str(raw))
        else:
            raise FilterUnsupported(f"the sandbox does not evaluate the comparator {op!r}")
        if not ok:
            return False
    return True


def matches(entity: Filterable, spec: Mapping[str, Any] | None, now_ms: int) -> bool:
    """Whether `entity` satisfies the filter object `spec` (None: no filter)."""
    for key, condition in (spec or {}).items():
        if condition is None:
            continue
        if key == "and":
            if not all(matches(entity, part, now_ms) for part in condition):
                return False
            continue
        if key == "or":
            if not any(matches(entity, part, now_ms) for part in condition):
                return False
            continue
        kind, value = entity.filter_field(key)
        if kind == "one":
            ok = _one(value, condition, now_ms)
        elif kind == "many":
            ok = _many(value, condition, now_ms)
        else:
            ok = _compare(kind, value, condition, now_ms)
        if not ok:
            return False
    return True


def _one(entity: Filterable | None, condition: Mapping[str, Any], now_ms: int) -> bool:
    rest = {k: v for k, v in condition.items() if k != "null"}
    null = condition.get("null")
    if null is not None and (entity is None) != bool(null):
        return False
    if not rest:
        return True
    return entity is not None and matches(entity, rest, now_ms)


def _many(entities: Sequence[Filterable], condition: Mapping[str, Any], now_ms: int) -> bool:
    for key, part in condition.items():
        if part is None:
            continue
        if key == "some":
            ok = any(matches(e, part, now_ms) for e in entities)
        elif key == "every":
            ok = all(matches(e, part, now_ms) for e in entities)
        elif key == "length":
            ok = _compare("value", float(len(entities)), part, now_ms)
        elif key == "null":
            ok = (not entities) == bool(part)
        elif key == "and":
            ok = all(_many(entities, p, now_ms) for p in part)
        elif key == "or":
            ok = any(_many(entities, p, now_ms) for p in part)
        else:
            ok = any(matches(e, {key: part}, now_ms) for e in entities)
        if not ok:
            return False
    return True
