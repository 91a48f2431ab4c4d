"""Small pure helpers every connector's normalisers and loops share: payload text, chunks, de-duplication.

* `Raw`: a tracker's JSON object as decoded (an issue, a history entry, a page), read with care.
* `dump`: a payload as the JSON text a quarantine row keeps (sorted keys, non-ASCII kept).
* `chunks`: a list cut into requests of at most `size` items (ids per bulk call, keys per query).
* `dedupe`: one record per id, the connector saying which copy wins (both ends of a link, the
  same person or status named by several issues of a unit).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import orjson

T = TypeVar("T")
Raw = Mapping[str, Any]


def dump(doc: object) -> str:
    """The JSON text of a payload, as quarantine rows and raw records keep it (compact, keys sorted).

    orjson writes it several times faster; what it refuses (a key that is not a string, a lone
    surrogate, an integer beyond 64 bits) is written by the standard library instead.
    """
    try:
        return orjson.dumps(doc, default=str, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """`items` cut in order into slices of at most `size`."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def dedupe(
    items: Iterable[T], key: Callable[[T], str], prefer: Callable[[T, T], bool] | None = None
) -> list[T]:
    """One item per key, in the order keys first appear.

    A later item replaces the one kept when `prefer(later, kept)`; without `prefer` the first stays.
    """
    kept: dict[str, T] = {}
    for item in items:
        name = key(item)
        known = kept.get(name)
        if known is None or (prefer is not None and prefer(item, known)):
            kept[name] = item
    return list(kept.values())
