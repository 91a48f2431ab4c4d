"""The SQL store: schema, migrations, idempotent writes, and the frames the analysis reads."""

from __future__ import annotations

from orgpulse.store.core import Store

__all__ = ["Store"]
