"""Named, typed inputs that detectors declare, and the resolver that builds them in order.

An input is a `Spec`: a typed `Key`, the keys it is built from, and a pure build function. The
runner asks `build_inputs` for the keys its detectors declare; every input they depend on is
built first, once, in dependency order (graphlib), and a detector can read only what it declared
(reading anything else raises AnalysisError, so a missing declaration fails loudly in tests).
"""

from __future__ import annotations

import graphlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from orgpulse.analysis.frames import Frames
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.analysis.weeks import WeekGrid
from orgpulse.errors import AnalysisError

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Key(Generic[T]):
    name: str


@dataclass(frozen=True)
class Context:
    """What every input may read: the frames, the settings, as_of (ns UTC) and the week grid.

    `diagnose` off computes the symptoms alone: no cost, no flow, no levers (benchmarks compare).
    """

    frames: Frames
    settings: AnalysisSettings
    as_of: int
    grid: WeekGrid
    diagnose: bool = True


class Inputs:
    """Built inputs; `inputs[KEY]` returns one, typed by its key."""

    def __init__(self, context: Context, allowed: Iterable[Key[Any]] | None = None) -> None:
        self.context = context
        self._values: dict[str, object] = {}
        self._allowed = None if allowed is None else {k.name for k in allowed}

    def __getitem__(self, key: Key[T]) -> T:
        if self._allowed is not None and key.name not in self._allowed:
            raise AnalysisError(f"input {key.name!r} was read without being declared")
        if key.name not in self._values:
            raise AnalysisError(f"input {key.name!r} was not built")
        return cast(T, self._values[key.name])

    def restricted(self, allowed: Iterable[Key[Any]]) -> Inputs:
        """A view that lets a consumer read only what it declared."""
        view = Inputs(self.context, allowed)
        view._values = self._values
        return view

    def put(self, key: Key[T], value: T) -> None:
        self._values[key.name] = value

    def release(self, keys: Iterable[Key[Any]]) -> None:
        """Forget built inputs that nothing reads any more: their memory goes with them."""
        for key in keys:
            self._values.pop(key.name, None)


@dataclass(frozen=True)
class Spec(Generic[T]):
    key: Key[T]
    needs: tuple[Key[Any], ...]
    build: Callable[[Inputs], T]


def resolve(wanted: Iterable[Key[Any]], specs: Mapping[str, Spec[Any]]) -> list[Spec[Any]]:
    """The specs needed for `wanted`, dependencies first."""
    graph: dict[str, set[str]] = {}
    todo = [k.name for k in wanted]
    while todo:
        name = todo.pop()
        if name in graph:
            continue
        if name not in specs:
            raise AnalysisError(f"no input is registered under {name!r}")
        graph[name] = {k.name for k in specs[name].needs}
        todo.extend(graph[name])
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        raise AnalysisError(f"analysis inputs depend on each other in a cycle: {exc.args[1]}") from exc
    return [specs[name] for name in order]


def build_inputs(context: Context, wanted: Iterable[Key[Any]], specs: Mapping[str, Spec[Any]]) -> Inputs:
    inputs = Inputs(context)
    for spec in resolve(wanted, specs):
        started = time.perf_counter()
        inputs.put(spec.key, spec.build(inputs.restricted(spec.needs)))
        log.debug("built analysis input %s in %.3f s", spec.key.name, time.perf_counter() - started)
    return inputs
