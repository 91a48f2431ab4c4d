"""What a detector is: a symptom id, the inputs it declares, and a pure function of those inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orgpulse.analysis.assemble import RowTable
from orgpulse.analysis.inputs import Inputs, Key
from orgpulse.analysis.result import DependencyRow


@dataclass(frozen=True)
class DetectorOutput:
    """Rows for every scored week (direction weeks included); extra trend tables beside them."""

    rows: RowTable
    dependencies: list[DependencyRow] = field(default_factory=list)


@dataclass(frozen=True)
class Detector:
    symptom: str
    needs: tuple[Key[Any], ...]
    detect: Callable[[Inputs], DetectorOutput]
