"""Runs `orgpulse sync` then `orgpulse analyze` in this process and SIGKILLs it at a chosen point.

    python tests/crash_runner.py CONFIG [QUALNAME:N] [--as-of DATE]

A profile hook counts calls to the function named QUALNAME (module:qualified.name) and, at the
Nth call, kills the process with SIGKILL, exactly as an OOM killer or a power cut would: no
cleanup, no finally. Without a kill point it runs to the end. The connector's units of work are
made small so that a sync commits many pages (test configuration only).
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import Any

import orgpulse.connectors.jira.cloud as cloud
from orgpulse.cli import cli


def install(point: str) -> None:
    module, _, rest = point.partition(":")
    qualname, _, nth = rest.partition(":")
    wanted = int(nth)
    seen = 0

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal seen
        if event != "call":
            return
        code = frame.f_code
        if code.co_qualname == qualname and frame.f_globals.get("__name__") == module:
            seen += 1
            if seen == wanted:
                os.kill(os.getpid(), signal.SIGKILL)

    sys.setprofile(profile)
    import threading

    threading.setprofile(profile)


def main() -> None:
    config, *rest = sys.argv[1:]
    as_of = "2026-11-21"
    if rest and rest[0] != "-":
        install(rest[0])
    cloud.UNIT_MAX_ISSUES = 40
    for args in (["sync"], ["analyze", "--as-of", as_of, "--weeks", "6", "--format", "json"]):
        code = cli.main(["--config", config, *args], standalone_mode=False)
        if code:
            sys.exit(code)


if __name__ == "__main__":
    main()
