"""The command line's plumbing, shared by every command group: consoles, one-line failures with the
contract's exit codes, secret redaction, JSON output and reading the config.

Expected errors become one line on stderr and DESIGN.md's exit code; never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click
from rich.console import Console

from orgpulse.config import Settings, load_settings
from orgpulse.errors import ConfigError, LockHeldError, OrgpulseError, StoreError
from orgpulse.redact import Redactor, redactor_of
from orgpulse.terminal import printable_line, safe_console

P = ParamSpec("P")
R = TypeVar("R")

err_console = safe_console(stderr=True)


def stdout_console() -> Console:
    """The console for results: the terminal's width, or 100 columns when the output is piped."""
    console = safe_console()
    return console if console.is_terminal else safe_console(width=100)


def fail(message: str, code: int) -> click.exceptions.Exit:
    """Print one line on stderr; the caller raises the returned exit with the contract's code."""
    click.echo(f"orgpulse: {printable_line(redact(message))}", err=True)
    return click.exceptions.Exit(code)


def redact(text: str) -> str:
    """The text without the configured secrets (once the config is read) nor URL credentials."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_root().obj if ctx is not None else None
    redactor = found.get("redactor") if isinstance(found, dict) else None
    return (redactor or Redactor([]))(text)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Map orgpulse's error tree to one line on stderr and the contract's exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            raise fail(f"configuration error: {'; '.join(exc.problems)}", 2) from None
        except LockHeldError as exc:
            raise fail(str(exc), 1) from None
        except StoreError as exc:
            raise fail(f"store error: {exc}", 1) from None
        except OrgpulseError as exc:
            raise fail(f"{type(exc).__name__}: {exc}", 1) from None
        except OSError as exc:  # a file the command writes or reads (the report, the config's folder)
            raise fail(
                f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip(": "), 1
            ) from None
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            from orgpulse.store.errors import db_error_line

            if isinstance(exc, SQLAlchemyError):  # disk full, a terminated backend, a lost connection
                raise fail(f"store error: {db_error_line(exc)}", 1) from None
            raise

    return wrapper


def emit_json(doc: object) -> None:
    """One JSON document on stdout; NaN or infinity (never valid JSON) is a bug that fails loudly.

    Indented for a terminal; compact into a pipe or a file, where Python's C encoder writes it (an
    indented dump goes through the pure-Python one: seconds for a big organisation's findings).
    """
    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(doc, indent=indent, allow_nan=False))


def settings_of(ctx: click.Context, *, secrets: bool = True) -> Settings:
    """The config; `secrets=False` for commands that never call a tracker (no credential needed)."""
    path = Path(ctx.obj["config"])
    settings = load_settings(path, secrets=secrets)
    ctx.find_root().obj["redactor"] = redactor_of(*settings.sources)
    return settings
