"""The interventions use case: the changes recorded in config, with the effects the latest run measured.

Reads the latest completed analysis run (no lock, like `explain` and `report`): its
`intervention_effects` rows, matched to `[[interventions]]` by date, lever and teams. An
intervention recorded after that run has no effects yet; it is listed with `analysed` false, so
the lead knows to run `orgpulse analyze`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orgpulse.analysis.result import Effect, Intervention
from orgpulse.store import Store
from orgpulse.store.trends import latest_effects


@dataclass(frozen=True)
class Recorded:
    intervention: Intervention
    analysed: bool
    effects: list[Effect]

    def as_json(self) -> dict[str, Any]:
        return {
            **self.intervention.to_json(),
            "analysed": self.analysed,
            "effects": [
                {k: v for k, v in e.to_json().items() if k not in ("before_values", "after_values")}
                for e in self.effects
            ],
        }


@dataclass(frozen=True)
class Interventions:
    run_id: str | None
    run_as_of: datetime | None
    recorded: list[Recorded]

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "run_as_of": None if self.run_as_of is None else self.run_as_of.isoformat(),
            "interventions": [r.as_json() for r in self.recorded],
        }


def run_interventions(store: Store, interventions: Sequence[Intervention]) -> Interventions:
    latest = latest_effects(store)
    found: dict[str, list[Effect]] = {}
    for m in latest.rows:
        stored = ("team", "metric", "before", "after", "p_value", "outcome")  # intervention_effects
        found.setdefault(m["intervention"], []).append(Effect(**{k: m[k] for k in stored}))
    return Interventions(
        run_id=latest.run_id,
        run_as_of=latest.as_of,
        recorded=[Recorded(i, i.key in found, found.get(i.key, [])) for i in interventions],
    )
