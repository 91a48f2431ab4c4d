"""The cycle collector paused while a use case builds millions of objects, then as it was before.

A sync allocates millions of short-lived, acyclic objects (decoded pages, canonical records), and
an analysis millions of containers that live until it ends (findings, their evidence and explain
dicts, trend rows); both make few cycles. At the interpreter's pace (a young collection every 700
allocations, survivors moved on into ever larger full traversals) the collector traversed those
live objects again and again: a tenth of a sync's CPU, about 30% of a ~430-team analysis', with no
lower peak. While paused, cycles wait for the next collection: the sync runs one every
`sync.COLLECT_EVERY` stored pages (a page leaves a few hundred kilobytes of statement and
transaction objects); an analysis's are collected once the collector is back on.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic garbage collection inside; enabled again after it if it was before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
