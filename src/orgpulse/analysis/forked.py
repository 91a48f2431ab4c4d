"""Work run beside the analysis in a forked process, on the machine's other core (`in_fork`).

The detectors of a big organisation are independent once their inputs are built: `analysis.run`
hands some of them to a copy of its process (fork: the inputs are shared, copy on write, never
sent) and runs the others meanwhile; the copy sends back its findings, pickled through a pipe.

Robust by construction: the copy always ends with `os._exit` (no atexit handler, no buffered
output flushed twice, no store connection closed under the parent), its error comes back and is
raised in the parent (as AnalysisError when it cannot be pickled), a copy that dies without an
answer is an AnalysisError, and a parent that fails or is interrupted first kills and reaps it.
Where fork does not exist, where one core is all the process may use, or where the machine is busy
already (no spare core: `spare_core`), the caller runs the work itself (`can_fork`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

from orgpulse.errors import AnalysisError

T = TypeVar("T")


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def spare_core() -> bool:
    """Whether a core is likely idle: more than one, and the 1-minute load average (this process
    and its last runs included) half a core below their number. On a busy machine the copy finds
    no core of its own: its pickling and copy-on-write faults (~1.3 s of CPU at ~430 teams) only
    add to the wall time (detection at load 2: 3.8-4.1 s in one process, 4.5-5.5 s split)."""
    count = cores()
    if count < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform: assume the cores are there
        return True
    return load < count - 0.5


def can_fork() -> bool:
    """Whether `in_fork` may run work beside this process: fork exists and a core is spare."""
    return hasattr(os, "fork") and spare_core()


class Pending(Generic[T]):
    """The result of work started by `in_fork`: `result()` waits for it; `cancel()` drops it."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._pid = 0
        self._pipe = -1
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare (memory, process limit): the caller runs the work
            os.close(read)
            os.close(write)
            raise
        if pid == 0:  # the copy: never returns
            os.close(read)
            _serve(work, write)
        os.close(write)
        self._pid, self._pipe = pid, read

    def result(self) -> T:
        try:
            with os.fdopen(self._pipe, "rb") as pipe:
                self._pipe = -1
                answer = pipe.read()
        except BaseException:  # interrupted while waiting: the copy is stopped, not waited for
            self.cancel()
            raise
        self._reap()
        if not answer:
            raise AnalysisError("the detectors' second process stopped without an answer")
        try:
            done, value = pickle.loads(answer)
        except Exception as exc:  # an error whose class cannot be made again from its pickle
            raise AnalysisError(f"the detectors' second process answered what cannot be read: {exc}") from exc
        if not done:
            raise value
        result: T = value
        return result

    def cancel(self) -> None:
        """Stop the copy (if it still runs) and reap it: its result is not wanted."""
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
        if self._pipe >= 0:
            os.close(self._pipe)
            self._pipe = -1
        self._reap()

    def _reap(self) -> None:
        if self._pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = 0


def in_fork(work: Callable[[], T]) -> Pending[T]:
    """`work` started in a forked copy of this process, its result pickled back (where `can_fork`:
    the caller runs the work itself otherwise)."""
    return Pending(work)


def _serve(work: Callable[[], T], write: int) -> None:
    written = False
    try:
        try:
            answer = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001  every error goes back: the parent raises it
            answer = _error(exc)
        with os.fdopen(write, "wb") as pipe:  # fails when the parent is gone: nothing to answer
            pipe.write(answer)
        written = True
    finally:
        os._exit(0 if written else 1)


def _error(exc: BaseException) -> bytes:
    try:
        return pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):  # an error holding what cannot be pickled
        return pickle.dumps((False, AnalysisError(f"{type(exc).__name__}: {exc}")))
