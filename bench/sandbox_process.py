"""A sandbox served from a child process, so the bench's own process CPU is orgpulse's alone.

The organisation is generated in the parent (the benches check their counts against it) and the
child is forked with it; the child answers `requests` / `points` queries over a pipe and stops on
`stop`. `own_cpu()` is the user + sys seconds of the calling process only (resource.getrusage).
"""

from __future__ import annotations

import multiprocessing
import resource
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from orgpulse.sandbox import SandboxServer
from orgpulse.sandbox.org.model import Org


def own_cpu() -> float:
    """User + system CPU seconds of this process so far (its children not included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _serve(org: Org, options: dict[str, Any], conn: Connection) -> None:
    with SandboxServer(org, **options) as server:
        conn.send(server.url)
        while True:
            command = conn.recv()
            if command == "requests":
                conn.send(server.requests)
            elif command == "points":
                conn.send(server.complexity_points)
            else:
                conn.send(None)
                return


class SandboxProcess:
    """`SandboxServer` in a forked child: the same `url`, `requests` and `complexity_points`."""

    def __init__(self, org: Org, **options: Any) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(org, options, child), daemon=True)
        self.url = ""

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    @property
    def requests(self) -> int:
        return int(self._ask("requests"))

    @property
    def complexity_points(self) -> int:
        return int(self._ask("points"))

    def __enter__(self) -> SandboxProcess:
        self._process.start()
        self.url = self._conn.recv()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process.is_alive():
            self._ask("stop")
        self._process.join(10)
