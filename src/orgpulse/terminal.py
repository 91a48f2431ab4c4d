"""What may reach a terminal: tracker text shown as text, never as markup or control sequences.

Status, team and person names, server error messages and issue titles come from trackers and
servers that orgpulse does not control. On a terminal, `[bold red]x[/]` or `[link=...]` would be
read as Rich markup (and `[/]` alone crashes Rich with a MarkupError), and raw ESC sequences
would clear the screen, forge OSC 8 links or retitle the window. So:

* every console orgpulse prints on is a `safe_console`: Rich markup is off (styles come from
  `Text` objects only) and a render hook escapes the control characters of every segment of
  text, whatever renderable carries it;
* error lines written with click, and log lines on stderr, are made printable first.

Control characters become visible escapes (`\\x1b`), so nothing is hidden either.
"""

from __future__ import annotations

import logging
import re
from typing import IO, Any

from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderableType, RenderHook, RenderResult
from rich.segment import Segment

# C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides that reorder text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control character written as a visible escape."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def printable_line(text: str) -> str:
    """One line of text: control characters escaped, line breaks too (an error is one stderr line)."""
    return printable(text.replace("\r\n", "\n")).replace("\n", " | ")


class _Escaped:
    """A renderable whose text segments have their control characters escaped."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.inner, options):
            if segment.control or not _CONTROL.search(segment.text):
                yield segment
            else:
                yield Segment(printable(segment.text), segment.style)


class _EscapeHook(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Escaped(r) for r in renderables]


def safe_console(*, file: IO[str] | None = None, stderr: bool = False, **options: Any) -> Console:
    """A Rich console that shows tracker text as text: no markup, no emoji codes, no control codes."""
    console = Console(file=file, stderr=stderr, markup=False, emoji=False, highlight=False, **options)
    console.push_render_hook(_EscapeHook())
    return console


class PrintableFormatter(logging.Formatter):
    """Log lines for a terminal: each record one line, its control characters escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return printable_line(super().format(record))
