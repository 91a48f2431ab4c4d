"""Detectors on two cores (analysis/forked.py, analysis.run.SPLIT_ISSUES): the same findings as in
one process, errors raised in the parent, the copy always reaped."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from golden_org import load_directly
from orgpulse.analysis import forked, run
from orgpulse.analysis.frames import Frames
from orgpulse.analysis.result import Intervention
from orgpulse.analysis.run import DETECTORS, detect
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.errors import AnalysisError
from orgpulse.sandbox import generate_org
from orgpulse.store import Store
from orgpulse.store.frames import load_frames

AS_OF = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Frames:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('forked') / 'orgpulse.db'}")
    load_directly(generate_org(seed=3, issues=600, anchor=date(2026, 11, 20), weeks=20), store)
    return load_frames(store, as_of=AS_OF)


def _fork_always(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform: the detectors run in one process")
    monkeypatch.setattr(run, "SPLIT_ISSUES", 0)
    monkeypatch.setattr(forked, "spare_core", lambda: True)


def test_two_cores_find_what_one_finds(frames: Frames, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = AnalysisSettings(weeks=6)
    intervention = Intervention(date=date(2026, 10, 5), note="new WIP limits")
    alone = detect(frames, settings, as_of=AS_OF, interventions=[intervention])
    _fork_always(monkeypatch)
    pid = os.getpid()
    split = detect(frames, settings, as_of=AS_OF, interventions=[intervention])
    assert os.getpid() == pid
    assert len(split.findings) == len(alone.findings) > 0
    assert [f.to_json() for f in split.findings] == [f.to_json() for f in alone.findings]
    assert [f.explain for f in split.findings] == [f.explain for f in alone.findings]
    assert split.findings == alone.findings  # evidence included
    assert split.dependencies == alone.dependencies
    assert split.diagnosis == alone.diagnosis
    assert split.flow == alone.flow
    assert split.interventions == alone.interventions


class Broken(AnalysisError):
    pass


def test_an_error_in_the_copy_is_raised_in_the_parent(
    frames: Frames, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fork_always(monkeypatch)
    copies = []
    fork = os.fork

    def recorded() -> int:
        pid = fork()
        if pid:
            copies.append(pid)
        return pid

    # The copies this analysis forks (other tests' processes, a store's writer, may still run).
    monkeypatch.setattr(os, "fork", recorded)

    def fail(_: object) -> None:
        raise Broken("the first detector broke")

    detectors = (replace(DETECTORS[0], detect=fail), *DETECTORS[1:])
    with pytest.raises(Broken, match="the first detector broke"):
        detect(frames, AnalysisSettings(weeks=3), as_of=AS_OF, detectors=detectors)
    assert copies
    for pid in copies:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # no copy left behind: each one was waited for


def test_a_copy_that_dies_is_an_analysis_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _fork_always(monkeypatch)
    pending = forked.in_fork(lambda: os._exit(3))
    with pytest.raises(AnalysisError, match="stopped without an answer"):
        pending.result()


def test_an_error_that_cannot_be_pickled_comes_back_as_its_text(monkeypatch: pytest.MonkeyPatch) -> None:
    _fork_always(monkeypatch)

    def fail() -> None:
        error = ValueError("bad value")
        error.holds = lambda: None  # type: ignore[attr-defined]  # a lambda cannot be pickled
        raise error

    with pytest.raises(AnalysisError, match="ValueError: bad value"):
        forked.in_fork(fail).result()


def test_a_cancelled_copy_is_reaped(monkeypatch: pytest.MonkeyPatch) -> None:
    _fork_always(monkeypatch)
    pending = forked.in_fork(lambda: __import__("time").sleep(60))
    pending.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_busy_machine_runs_every_detector_in_the_process(
    frames: Frames, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = detect(frames, AnalysisSettings(weeks=4), as_of=AS_OF)
    monkeypatch.setattr(run, "SPLIT_ISSUES", 0)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 1.0, 1.0))
    assert not forked.can_fork()

    def refuse(_: object) -> None:
        raise AssertionError("forked on a busy machine")

    monkeypatch.setattr(run, "in_fork", refuse)
    assert detect(frames, AnalysisSettings(weeks=4), as_of=AS_OF).findings == alone.findings
    monkeypatch.setattr(os, "getloadavg", lambda: (1.4, 1.0, 1.0))
    assert forked.spare_core()
    monkeypatch.setattr(forked, "cores", lambda: 1)
    assert not forked.spare_core()


def test_a_refused_fork_runs_every_detector_in_the_process(
    frames: Frames, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = detect(frames, AnalysisSettings(weeks=4), as_of=AS_OF)
    _fork_always(monkeypatch)

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    before = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()
    assert detect(frames, AnalysisSettings(weeks=4), as_of=AS_OF).findings == alone.findings
    if before:
        # The pipe closed: no descriptor left that was not open before (others may close meanwhile:
        # the garbage collector, a store's writer process finishing).
        assert set(os.listdir("/proc/self/fd")) <= before
