"""What a tracker's text must lose before the database takes it: the one sanitising step at store entry.

PostgreSQL refuses a NUL character in any text value (psycopg raises "PostgreSQL text fields
cannot contain NUL (0x00) bytes"), and no driver can encode a lone UTF-16 surrogate (JSON's
`"\\ud800"` decodes to one). SQLite takes both, so the same page would sync on one dialect and
abort on the other. Every text value the store writes passes through `clean_text` (store/bulk.py
checks a whole column at once and cleans value by value only when it must): NULs are dropped
and lone surrogates become U+FFFD, on every dialect alike, so both stores hold the same text.

A hostile or careless server can also echo the credentials it was sent inside its data (an issue
title, a history entry, a page token). While a sync page is written (`masking`), every known
secret value in any of its forms is replaced by `***` in the text and in the raw payloads kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from orgpulse.redact import Redactor

REPLACEMENT = "\ufffd"

_SECRETS: ContextVar[Redactor | None] = ContextVar("orgpulse_store_secrets", default=None)


@contextmanager
def masking(secrets: Redactor | None) -> Iterator[None]:
    """While inside: the text and payloads the store writes have these secrets masked."""
    token = _SECRETS.set(secrets)
    try:
        yield
    finally:
        _SECRETS.reset(token)


def secrets_in_force() -> Redactor | None:
    """The secrets `masking` holds now (None outside a sync page's write)."""
    return _SECRETS.get()


def clean_text(value: str, secrets: Redactor | None = None) -> str:
    """`value` without NUL characters, with every lone surrogate replaced by U+FFFD and `secrets` masked."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if secrets is not None:
        value = secrets.secrets_masked(value)
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(REPLACEMENT if "\ud800" <= c <= "\udfff" else c for c in value)
    return value


def masked_payload(payload: bytes) -> bytes:
    """A raw payload (UTF-8 JSON) with the secrets in force masked; the same bytes when it holds none."""
    secrets = _SECRETS.get()
    if secrets is None or not secrets.holds_secret(payload):
        return payload
    return secrets.secrets_masked(payload.decode("utf-8", errors="replace")).encode()
