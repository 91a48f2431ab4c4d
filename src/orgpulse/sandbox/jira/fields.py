"""The Jira Cloud field catalogue (GET /field): system fields, then the site's custom fields.

Custom fields carry their real `schema.custom` values, which is how a client must find Sprint,
Flagged, Epic Link and Team: their ids here are not the usual Cloud ones.
"""

from __future__ import annotations

from typing import Any

from orgpulse.sandbox.org import site as cat

Json = dict[str, Any]

_SYSTEM_FIELDS: dict[str, tuple[str, str | None, str | None]] = {
    "issuekey": ("Key", None, None),
    "summary": ("Summary", "string", None),
    "issuetype": ("Issue Type", "issuetype", None),
    "project": ("Project", "project", None),
    "status": ("Status", "status", None),
    "priority": ("Priority", "priority", None),
    "assignee": ("Assignee", "user", None),
    "reporter": ("Reporter", "user", None),
    "creator": ("Creator", "user", None),
    "created": ("Created", "datetime", None),
    "updated": ("Updated", "datetime", None),
    "resolution": ("Resolution", "resolution", None),
    "resolutiondate": ("Resolved", "datetime", None),
    "statuscategorychangedate": ("Status Category Changed", "datetime", None),
    "labels": ("Labels", "array", "string"),
    "components": ("Components", "array", "component"),
    "description": ("Description", "string", None),
    "issuelinks": ("Linked Issues", "array", "issuelinks"),
    "parent": ("Parent", None, None),
    "subtasks": ("Sub-tasks", "array", "issuelinks"),
}


def field_name(field_id: str) -> str:
    custom = next((f for f in cat.CUSTOM_FIELDS if f.field_id == field_id), None)
    return custom.name if custom is not None else _SYSTEM_FIELDS.get(field_id, (field_id, None, None))[0]


def field_list() -> list[Json]:
    """GET /field: system fields, then custom fields with their real `schema.custom` values."""
    result: list[Json] = []
    for field_id, (name, schema_type, items) in _SYSTEM_FIELDS.items():
        entry: Json = {
            "id": field_id,
            "key": field_id,
            "name": name,
            "custom": False,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": [field_id],
        }
        if field_id == "issuekey":
            entry.update(orderable=False, searchable=False, clauseNames=["id", "issue", "issuekey", "key"])
        if schema_type is not None:
            entry["schema"] = {
                "type": schema_type,
                **({"items": items} if items else {}),
                "system": field_id,
            }
        result.append(entry)
    for custom in cat.CUSTOM_FIELDS:
        number = int(custom.field_id.rsplit("_", 1)[1])
        clauses = [f"cf[{number}]", custom.name]
        if custom.field_id in (cat.FLAGGED_FIELD, cat.TEAM_FIELD):
            clauses.append(
                f"{custom.name}[{'Checkboxes' if custom.field_id == cat.FLAGGED_FIELD else 'Team'}]"
            )
        schema: Json = {"type": custom.schema_type}
        if custom.items:
            schema["items"] = custom.items
        schema.update(custom=custom.custom, customId=number)
        result.append(
            {
                "id": custom.field_id,
                "key": custom.field_id,
                "name": custom.name,
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": clauses,
                "schema": schema,
            }
        )
    return result
