"""Small pure helpers every connector's normalisers and loops share: payload text and chunks.

* `dump`: a payload as the JSON text a quarantine row keeps (sorted keys, non-ASCII kept).
* `chunks`: a list cut into requests of at most `size` items (ids per bulk call, keys per query).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def dump(doc: object) -> str:
    """The JSON text of a payload, as quarantine rows and raw records keep it."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str)


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """`items` cut in order into slices of at most `size`."""
    return [items[i : i + size] for i in range(0, len(items), size)]
