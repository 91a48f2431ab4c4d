"""Pure functions for Jira site metadata and times: custom field ids, statuses, datetimes.

Custom fields are found by `schema.custom`, never by id (ids differ per site; JIRA-NOTES §3).
Status categories come from the stable `statusCategory.key` (its name is localized): new → todo,
indeterminate → in progress, done → done, and anything else (`undefined`, "No Category") → todo
with `category_known=False`. Times look like `2020-06-12T08:13:13.360+0800`; spec examples also
carry `Z` and integer epochs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orgpulse.errors import SchemaDriftError
from orgpulse.model import Category, Quarantined, Status

from ..kit.records import dump

_CATEGORIES = {"new": Category.TODO, "indeterminate": Category.IN_PROGRESS, "done": Category.DONE}

# schema.custom of the custom fields orgpulse reads (JIRA-NOTES §3); ids differ per site.
SPRINT_TYPES = frozenset({"com.pyxis.greenhopper.jira:gh-sprint"})
EPIC_LINK_TYPES = frozenset({"com.pyxis.greenhopper.jira:gh-epic-link"})
FLAGGED_TYPES = frozenset({"com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes"})
TEAM_TYPES = frozenset(
    {
        "com.atlassian.teams:rm-teams-custom-field-team",
        "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team",
    }
)

_OFFSET = re.compile(r"([+-]\d{2}):?(\d{2})$")
# Integer epochs below this are seconds (the bulk changelog spec example), above milliseconds.
_EPOCH_MS_FROM = 100_000_000_000
_SIGNS = ("+", "-")
_FROM_ISO = datetime.fromisoformat


@dataclass(frozen=True)
class FieldIds:
    """Site-specific ids of the custom fields orgpulse reads; None when the site has none."""

    sprint: str | None = None
    flagged: str | None = None
    epic_link: str | None = None
    team: str | None = None
    # What a changelog item changes, by its (fieldId, field): `changelog.item_kind`'s memo.
    kinds: dict[tuple[Any, Any], str] = dataclasses.field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )

    def ids(self) -> tuple[str, ...]:
        return tuple(i for i in (self.sprint, self.flagged, self.epic_link, self.team) if i)

    def to_json(self) -> dict[str, str | None]:
        return {
            "sprint": self.sprint,
            "flagged": self.flagged,
            "epic_link": self.epic_link,
            "team": self.team,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> FieldIds:
        def pick(key: str) -> str | None:
            value = doc.get(key)
            return value if isinstance(value, str) and value else None

        return cls(
            sprint=pick("sprint"), flagged=pick("flagged"), epic_link=pick("epic_link"), team=pick("team")
        )


def parse_jira_datetime(value: object) -> datetime:
    """A Jira time (`...+0800`, `...Z`, `...+08:00`, epoch seconds or ms) as an aware UTC datetime."""
    # The common shape (`...+0800`), read as it is by Python 3.11's fromisoformat, first and with
    # no other check: a sync parses one per history entry.
    if type(value) is str and value[10:11] == "T" and value[-5:-4] in _SIGNS:
        try:
            parsed = _FROM_ISO(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
    return _parse_other(value)


def _parse_other(value: object) -> datetime:
    if isinstance(value, bool):
        raise SchemaDriftError(f"not a Jira time: {value!r}")
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _EPOCH_MS_FROM else float(value)
        return datetime.fromtimestamp(seconds, tz=UTC)
    if not isinstance(value, str) or not value:
        raise SchemaDriftError(f"not a Jira time: {value!r}")
    text = value.strip()
    text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else _OFFSET.sub(r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise SchemaDriftError(f"not a Jira time: {value!r}") from None
    if parsed.tzinfo is None:
        raise SchemaDriftError(f"a Jira time without a UTC offset: {value!r}")
    return parsed.astimezone(UTC)


def to_epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def find_custom_fields(fields: Iterable[Mapping[str, Any]]) -> FieldIds:
    """Find Sprint, Flagged, Epic Link and Team among `/rest/api/3/field` by `schema.custom`.

    Flagged is a plain multi-checkbox type, so it is also told apart by its name or clause name.
    """
    found: dict[str, str] = {}
    for field in fields:
        schema = field.get("schema")
        custom = schema.get("custom") if isinstance(schema, Mapping) else None
        field_id = field.get("id")
        if not isinstance(custom, str) or not isinstance(field_id, str):
            continue
        names = {str(field.get("name", "")).lower()} | {
            str(c).lower() for c in field.get("clauseNames") or ()
        }
        if custom in SPRINT_TYPES:
            found.setdefault("sprint", field_id)
        elif custom in EPIC_LINK_TYPES:
            found.setdefault("epic_link", field_id)
        elif custom in TEAM_TYPES:
            found.setdefault("team", field_id)
        elif custom in FLAGGED_TYPES and "flagged" in names:
            found.setdefault("flagged", field_id)
    return FieldIds.from_json(found)


def status_category(key: object) -> tuple[Category, bool]:
    """A Jira status category key as (category, known); `undefined` and others are unknown todo."""
    category = _CATEGORIES.get(key) if isinstance(key, str) else None
    return (category, True) if category is not None else (Category.TODO, False)


def normalise_status(raw: Mapping[str, Any]) -> Status:
    status_id = raw.get("id")
    if not isinstance(status_id, str | int) or isinstance(status_id, bool) or str(status_id) == "":
        raise SchemaDriftError("a status without an id")
    category_doc = raw.get("statusCategory")
    key = category_doc.get("key") if isinstance(category_doc, Mapping) else None
    category, known = status_category(key)
    return Status(str(status_id), str(raw.get("name") or status_id), category, known)


def normalise_statuses(raw: object) -> tuple[list[Status], list[Quarantined]]:
    """`/rest/api/3/status` as Status records; a status that cannot be read is quarantined."""
    statuses: list[Status] = []
    quarantined: list[Quarantined] = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            if not isinstance(entry, Mapping):
                raise SchemaDriftError("a status that is not an object")
            statuses.append(normalise_status(entry))
        except SchemaDriftError as exc:
            native = str(entry.get("id", "?")) if isinstance(entry, Mapping) else "?"
            quarantined.append(Quarantined(native, "jira_status", str(exc), dump(entry)))
    return statuses, quarantined
