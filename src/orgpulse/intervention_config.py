"""`[[interventions]]` in config: the changes a lead recorded, validated into `Intervention`s.

    [[interventions]]
    date = 2026-09-14                 # TOML date or "YYYY-MM-DD": the day the change took effect
    teams = ["PAY"]                   # the teams it touched; empty or absent = every team
    lever = "decision_rights"         # optional: compare this lever's symptoms only (else every symptom)
    note = "approvals delegated to the team leads"
    weeks_before = 6                  # optional: complete weeks compared on each side (default 6 and 6)
    weeks_after = 6

A pydantic model like the rest of the config (`config_schema`): unknown keys refused, numbers
strict, every problem reported at once with its key path.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError

from orgpulse.analysis.result import MIN_AFTER_WEEKS, WEEKS_AFTER, WEEKS_BEFORE, Intervention
from orgpulse.config_schema import Day, Table, problem, problem_lines, says

MAX_WEEKS = 52


def _lever(value: str | None) -> str | None:
    from orgpulse.analysis.levers import LEVERS  # here: the levers' module imports numpy, config never

    if value is not None and value not in LEVERS:
        raise problem(f"{value!r} is not a lever (one of {', '.join(LEVERS)})")
    return value


def _weeks(low: int) -> Any:
    return Field(
        ge=low,
        le=MAX_WEEKS,
        json_schema_extra=says(f"must be a whole number of weeks from {low} to {MAX_WEEKS}"),
    )


TeamNames = Annotated[
    list[Annotated[str, Field(min_length=1)]],
    Field(json_schema_extra=says("must be a list of team names (empty = every team)")),
]


class InterventionDoc(Table):
    date: Day
    teams: TeamNames = Field(default_factory=list)
    lever: Annotated[str | None, AfterValidator(_lever)] = None
    note: Annotated[str, Field(json_schema_extra=says("must be a string"))] = ""
    weeks_before: Annotated[int, _weeks(1)] = WEEKS_BEFORE
    weeks_after: Annotated[int, _weeks(MIN_AFTER_WEEKS)] = WEEKS_AFTER


class InterventionsDoc(Table):
    interventions: list[InterventionDoc] = Field(default_factory=list)


def parse_interventions(raw: object) -> tuple[tuple[Intervention, ...], list[str]]:
    """(the interventions, the problems found: "interventions[n].key: what is wrong")."""
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), ["interventions: must be an array of tables ([[interventions]])"]
    doc = {"interventions": raw}
    try:
        tables = InterventionsDoc.model_validate(doc).interventions
    except ValidationError as exc:
        problems = problem_lines(exc, InterventionsDoc, doc)
        return _valid_items(raw), problems
    found = tuple(_intervention(t) for t in tables)
    keys = [i.key for i in found]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    return found, [
        f"interventions: {key!r} is recorded twice (same date, lever and teams)" for key in duplicated
    ]


def _valid_items(raw: list[Any]) -> tuple[Intervention, ...]:
    """The items that are valid on their own (their problems are reported beside them)."""
    found = []
    for item in raw:
        try:
            found.append(_intervention(InterventionDoc.model_validate(item)))
        except ValidationError:
            continue
    return tuple(found)


def _intervention(doc: InterventionDoc) -> Intervention:
    return Intervention(
        date=doc.date,
        teams=tuple(dict.fromkeys(doc.teams)),
        lever=doc.lever,
        note=doc.note,
        weeks_before=doc.weeks_before,
        weeks_after=doc.weeks_after,
    )
