"""The one line a database failure is told in: the driver's first line, its credentials removed.

SQLite's "database or disk is full", PostgreSQL's "terminating connection due to administrator
command" and a refused connection all arrive as SQLAlchemy errors carrying a multi-line driver
message, the SQL statement and its parameters (tracker text). Only the first line of the driver's
own message is shown.
"""

from __future__ import annotations

from orgpulse.redact import Redactor


def db_error_line(exc: BaseException) -> str:
    """The first line of the driver's message (not the statement, not its parameters)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    line = text[0].strip() if text else type(exc).__name__
    return Redactor([])(line)
