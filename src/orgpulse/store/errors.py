"""The one line a database failure is told in: the driver's first line, its credentials removed.

SQLite's "database or disk is full", PostgreSQL's "terminating connection due to administrator
command" and a refused connection all arrive as SQLAlchemy errors carrying a multi-line driver
message, the SQL statement and its parameters (tracker text). Only the first line of the driver's
own message is shown.
"""

from __future__ import annotations

import re

from orgpulse.redact import Redactor

# What an ADBC driver puts before the database's own words: its status ("INTERNAL: "), its driver tag
# ("[libpq] "), its step ("failed to execute: ").
_ADBC_PREFIX = re.compile(r"^[A-Z_]+: (\[[^\]]*\] )?(failed to execute: )?")


def db_error_line(exc: BaseException) -> str:
    """The first line of the driver's message (not the statement, not its parameters)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    line = text[0].strip() if text else type(exc).__name__
    return Redactor([])(line)


def driver_error_line(text: str) -> str:
    """The first line of an ADBC driver's error text, without what the driver puts before the
    database's words (they say nothing to a user), credentials removed."""
    lines = text.strip().splitlines()
    return Redactor([])(_ADBC_PREFIX.sub("", lines[0]) if lines else "unknown error")
