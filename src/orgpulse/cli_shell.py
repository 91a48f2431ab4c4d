"""The command line's plumbing, shared by every command group: consoles, one-line failures with the
contract's exit codes, secret redaction, JSON output and reading the config.

Expected errors become one line on stderr and DESIGN.md's exit code; never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
import orjson
from rich.console import Console

from orgpulse.analysis.result import Checked
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

    Written by orjson (a tenth of the C encoder's time for a big organisation's findings), indented
    for a terminal, compact elsewhere. orjson would write NaN as null: the numbers are checked first,
    but for the lists already checked where their values were made (`Checked`: the findings).
    """
    refuse_non_finite(doc)
    if sys.stdout.isatty() or not isinstance(doc, dict):
        option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if sys.stdout.isatty() else 0)
        click.echo(orjson.dumps(doc, default=_float_of, option=option))
        return
    sys.stdout.flush()  # anything written as text goes first
    for piece in _compact_pieces(doc):
        sys.stdout.buffer.write(piece)
    sys.stdout.buffer.flush()


STREAMED_ITEMS = 2048  # the items of a Checked list encoded at a time


def _compact_pieces(doc: dict[Any, Any]) -> Iterator[bytes]:
    """A dict's compact JSON text, then a newline, in pieces: its `Checked` lists a few thousand
    items at a time, so a big organisation's findings (70 MB of text at ~430 teams) are never one
    buffer beside the objects they come from. The same bytes as orjson's whole document."""
    for n, (key, value) in enumerate(doc.items()):
        yield (b"{" if n == 0 else b",") + orjson.dumps({key: None}, option=orjson.OPT_NON_STR_KEYS)[1:-5]
        if type(value) is not Checked:
            yield orjson.dumps(value, default=_float_of, option=orjson.OPT_NON_STR_KEYS)
            continue
        yield b"["
        for start in range(0, len(value), STREAMED_ITEMS):
            items = orjson.dumps(
                value[start : start + STREAMED_ITEMS], default=_float_of, option=orjson.OPT_NON_STR_KEYS
            )
            yield (b"," if start else b"") + items[1:-1]
        yield b"]"
    yield b"}\n" if doc else b"{}\n"


def refuse_non_finite(doc: object) -> None:
    """ValueError when `doc` holds a NaN or an infinity, at any depth (one pass, no recursion),
    outside the `Checked` lists."""
    stack: list[Any] = [doc]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is Checked:
            continue
        if kind is dict:
            stack.extend(value.values())
        elif kind is list or kind is tuple:
            stack.extend(value)
        elif kind is str or kind is int or value is None:
            continue
        elif isinstance(value, float) and value - value != 0:  # NaN, ±inf
            raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")


def _float_of(value: object) -> float:
    """orjson's fallback: float subclasses (numpy's float64) as floats, as `json` wrote them."""
    if isinstance(value, float):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def settings_of(ctx: click.Context, *, secrets: bool = True) -> Settings:
    """The config; `secrets=False` for commands that never call a tracker (no credential needed)."""
    path = Path(ctx.obj["config"])
    settings = load_settings(path, secrets=secrets)
    ctx.find_root().obj["redactor"] = redactor_of(*settings.sources)
    return settings
