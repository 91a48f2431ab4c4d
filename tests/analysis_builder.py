"""Builds analysis `Frames` from a few readable calls, so detector tests state their history compactly.

    org = Org()
    org.issue("PAY-1", created=0)                 # hours after T0 (Monday 2024-01-01 00:00 UTC)
    org.move("PAY-1", 5, "In Progress", by="ann") # the from-status is tracked for you
    frames = org.frames()

Times are hours after `T0` (floats) or aware datetimes. The default workflow has "To Do" (todo),
"In Progress" (in_progress), "Awaiting Approval" (todo, an approval status), "Blocked"
(in_progress), "Done" (done) and "Won't Do" (done); `org.status(...)` adds more.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from orgpulse.analysis.frames import (
    ASSIGNEE_CHANGE_COLUMNS,
    FLAG_CHANGE_COLUMNS,
    ISSUE_COLUMNS,
    LINK_COLUMNS,
    MEMBERSHIP_COLUMNS,
    PEOPLE_COLUMNS,
    RESOLUTION_CHANGE_COLUMNS,
    STATUS_CHANGE_COLUMNS,
    STATUS_COLUMNS,
    TEAM_CHANGE_COLUMNS,
    Frames,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
Time = float | datetime


def at(when: Time | None) -> datetime | None:
    if when is None or isinstance(when, datetime):
        return when
    return T0 + timedelta(hours=when)


def week(n: int, hours: float = 0.0) -> float:
    """Hours after T0 of the start of week n (0 = the week of T0), plus `hours`."""
    return n * 168.0 + hours


class Org:
    def __init__(self, source: str = "jira") -> None:
        self.source = source
        self._statuses: dict[str, dict[str, Any]] = {}
        self._issues: dict[str, dict[str, Any]] = {}
        self._current: dict[str, str | None] = {}
        self._people: dict[str, dict[str, Any]] = {}
        self._rows: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("sc", "ac", "tc", "fc", "rc", "links", "members")
        }
        self._history = 0
        for name, category in (
            ("To Do", "todo"),
            ("In Progress", "in_progress"),
            ("Awaiting Approval", "todo"),
            ("Blocked", "in_progress"),
            ("Done", "done"),
            ("Won't Do", "done"),
        ):
            self.status(name, category)

    def status(self, name: str, category: str, *, category_known: bool = True) -> str:
        uid = f"{self.source}:s-{len(self._statuses) + 1}"
        self._statuses[name] = {
            "status_uid": uid,
            "source": self.source,
            "status_id": f"s-{len(self._statuses) + 1}",
            "name": name,
            "category": category,
            "category_known": category_known,
        }
        return uid

    def status_uid(self, name: str | None) -> str | None:
        if name is None:
            return None
        if name not in self._statuses:
            return f"{self.source}:missing-{name}"  # a status missing from the catalogue
        return str(self._statuses[name]["status_uid"])

    def person(self, name: str, *, bot: bool = False) -> str:
        uid = f"{self.source}:{name}"
        self._people.setdefault(
            name,
            {
                "person_uid": uid,
                "source": self.source,
                "pseudonym": f"p-{name}",
                "display_name": name.title(),
                "is_bot": bot,
            },
        )
        return uid

    def uid(self, key: str) -> str:
        return f"{self.source}:{key}"

    def issue(
        self,
        key: str,
        *,
        created: Time = 0.0,
        status: str = "To Do",
        team: str | None = None,
        epic: bool = False,
        resolution: str | None = None,
        history_complete: bool = True,
        team_mapped: bool = True,
        assignee: str | None = None,
        resolved: Time | None = None,
    ) -> str:
        """An issue; `assignee` is its current one (set at creation when no reassignment follows).

        `resolution`/`resolved` are its current resolution and `resolutiondate` (no history item).
        """
        project = key.split("-")[0]
        self._issues[key] = {
            "issue_uid": self.uid(key),
            "source": self.source,
            "issue_id": key,
            "key": key,
            "project_key": project,
            "team": team or project,
            "type_name": "Epic" if epic else "Story",
            "is_epic": epic,
            "title": key,
            "labels": "",
            "parent_uid": None,
            "parent_is_epic": False,
            "created": at(created),
            "resolution": resolution,
            "resolved": at(resolved),
            "status_uid": self.status_uid(status),
            "history_complete": history_complete,
            "team_mapped": team_mapped,
            "deleted": False,
            "assignee_uid": self.person(assignee) if assignee is not None else None,
        }
        self._current[key] = status
        return self.uid(key)

    def move(
        self,
        key: str,
        when: Time,
        to: str,
        *,
        by: str | None = "dev",
        bot: bool = False,
        resolution: str | None = None,
        clears: bool = False,
    ) -> None:
        """A status change; `by=None` is an unknown actor (counted as a bot, as the store does).

        With `resolution`, the same history entry sets the resolution to it; with `clears`, clears it.
        """
        self._history += 1
        if resolution is not None or clears:
            self._resolution_item(key, when, resolution, 1, by)
        actor = self.person(by, bot=bot) if by is not None else None
        self._rows["sc"].append(
            {
                "issue_uid": self.uid(key),
                "history_id": str(self._history),
                "item_index": 0,
                "at": at(when),
                "from_status_uid": self.status_uid(self._current[key]),
                "to_status_uid": self.status_uid(to),
                "actor_uid": actor,
                "actor_is_bot": bot or by is None,
            }
        )
        self._current[key] = to
        self._issues[key]["status_uid"] = self.status_uid(to)

    def resolve(self, key: str, when: Time, resolution: str | None, *, by: str | None = "dev") -> None:
        """A history entry whose only item sets (or, with None, clears) the resolution."""
        self._history += 1
        self._resolution_item(key, when, resolution, 0, by)

    def _resolution_item(self, key: str, when: Time, to: str | None, index: int, by: str | None) -> None:
        before = self._issues[key]["resolution"]
        self._rows["rc"].append(
            {
                "issue_uid": self.uid(key),
                "history_id": str(self._history),
                "item_index": index,
                "at": at(when),
                "from_resolution": before,
                "to_resolution": to,
                "actor_uid": self.person(by) if by is not None else None,
            }
        )
        self._issues[key]["resolution"] = to

    def walk(self, key: str, *steps: tuple[Time, str, str]) -> None:
        """Several moves: (when, status, by)."""
        for when, to, by in steps:
            self.move(key, when, to, by=by)

    def assign(self, key: str, when: Time, person: str | None, *, before: str | None = None) -> None:
        self._history += 1
        self._rows["ac"].append(
            {
                "issue_uid": self.uid(key),
                "history_id": str(self._history),
                "item_index": 0,
                "at": at(when),
                "from_person_uid": self.person(before) if before else None,
                "to_person_uid": self.person(person) if person else None,
                "actor_uid": None,
            }
        )

    def change_team(self, key: str, when: Time, before: str | None, after: str | None) -> None:
        self._history += 1
        self._rows["tc"].append(
            {
                "issue_uid": self.uid(key),
                "history_id": str(self._history),
                "item_index": 0,
                "at": at(when),
                "from_team": before,
                "to_team": after,
            }
        )

    def flag(self, key: str, when: Time, flagged: bool) -> None:
        self._history += 1
        self._rows["fc"].append(
            {
                "issue_uid": self.uid(key),
                "history_id": str(self._history),
                "item_index": 0,
                "at": at(when),
                "flagged": flagged,
            }
        )

    def block(
        self,
        blocker: str,
        blocked: str,
        *,
        created: Time | None = None,
        removed: Time | None = None,
        outside: bool = False,
        outside_done: bool = False,
    ) -> None:
        """`blocker` blocks `blocked`; with `outside`, the blocker is a key outside the synced projects."""
        self._rows["links"].append(
            {
                "link_uid": f"{self.source}:l-{len(self._rows['links']) + 1}",
                "kind": "blocks",
                "from_uid": None if outside else self.uid(blocker),
                "from_key": blocker,
                "from_team": blocker.split("-")[0] if outside else self._issues[blocker]["team"],
                "to_uid": self.uid(blocked),
                "to_key": blocked,
                "to_team": self._issues[blocked]["team"],
                "created_at": at(created),
                "removed_at": at(removed),
                "outside_done": outside_done,
            }
        )

    def member(self, team: str, person: str) -> None:
        self._rows["members"].append({"team": team, "person_uid": self.person(person)})

    def frames(self) -> Frames:
        def frame(
            rows: list[dict[str, Any]], columns: tuple[str, ...], times: tuple[str, ...] = ()
        ) -> pd.DataFrame:
            data = pd.DataFrame(rows, columns=list(columns))
            for column in times:
                data[column] = pd.to_datetime(data[column], utc=True)
            return data

        return Frames(
            issues=frame(list(self._issues.values()), ISSUE_COLUMNS, ("created", "resolved")),
            statuses=frame(list(self._statuses.values()), STATUS_COLUMNS),
            status_changes=frame(self._rows["sc"], STATUS_CHANGE_COLUMNS, ("at",)),
            assignee_changes=frame(self._rows["ac"], ASSIGNEE_CHANGE_COLUMNS, ("at",)),
            team_changes=frame(self._rows["tc"], TEAM_CHANGE_COLUMNS, ("at",)),
            flag_changes=frame(self._rows["fc"], FLAG_CHANGE_COLUMNS, ("at",)),
            links=frame(self._rows["links"], LINK_COLUMNS, ("created_at", "removed_at")),
            people=frame(list(self._people.values()), PEOPLE_COLUMNS),
            memberships=frame(self._rows["members"], MEMBERSHIP_COLUMNS),
            resolution_changes=frame(self._rows["rc"], RESOLUTION_CHANGE_COLUMNS, ("at",)),
        )
