"""What a tracker's text must lose before the database takes it: the one sanitising step at store entry.

PostgreSQL refuses a NUL character in any text value (psycopg raises "PostgreSQL text fields
cannot contain NUL (0x00) bytes"), and no driver can encode a lone UTF-16 surrogate (JSON's
`"\\ud800"` decodes to one). SQLite takes both, so the same page would sync on one dialect and
abort on the other. Every row the store writes passes through `clean_row`: NULs are dropped and
lone surrogates become U+FFFD, on every dialect alike, so both stores hold the same text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """`value` without NUL characters and with every lone surrogate replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(REPLACEMENT if "\ud800" <= c <= "\udfff" else c for c in value)
    return value


def clean_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with every string value cleaned (other values untouched)."""
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in row.items()}
