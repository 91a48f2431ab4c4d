"""Jira Data Center normalising on real DC payloads: user keys, JIRAUSER keys, items without
fieldId, whole oldest-first changelogs, legacy Sprint strings, service accounts, Epic Link keys.

`DC_CHANGELOG` is a real Jira Data Center `expand=changelog` payload (yingkai4work/HeartBeat
`backend/src/controller/sand-stone-samples/normal.ts` @ abd3b71b, cited in JIRA-NOTES §2): 15 of
its 21 histories, item for item, with the host, e-mails, user names and display names replaced
(keys keep their shapes: `JIRAUSER<n>` or the user name) and long texts shortened. The legacy
Sprint strings are real values quoted in public code (found with the code search; origins below).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import shared_path
from orgpulse.connectors.jira.changelog import changelog_total
from orgpulse.connectors.jira.normalise import normalise_issue, person_of
from orgpulse.connectors.jira.normalise_dc import (
    epic_keys,
    looks_like_service_account,
    parse_legacy_sprint,
    sprints_of,
    with_parent_ids,
)
from orgpulse.connectors.jira.normalise_links import LinkTypeBook
from orgpulse.connectors.jira.normalise_meta import FieldIds
from orgpulse.errors import SchemaDriftError

HOST = "https://jira.example.invalid"
DC_FIELDS = FieldIds(sprint="customfield_10104", flagged="customfield_10117", epic_link="customfield_10108")


def dc_user(
    name: str, key: str, display: str, avatar: int, zone: str, *, active: bool = True
) -> dict[str, Any]:
    """A DC user exactly as the sample writes one (no accountId, no accountType)."""
    url = f"{HOST}/secure/useravatar?"
    return {
        "self": f"{HOST}/rest/api/2/user?username={name}",
        "name": name,
        "key": key,
        "emailAddress": f"{name}@example.invalid",
        "avatarUrls": {
            "48x48": f"{url}avatarId={avatar}",
            "24x24": f"{url}size=small&avatarId={avatar}",
            "16x16": f"{url}size=xsmall&avatarId={avatar}",
            "32x32": f"{url}size=medium&avatarId={avatar}",
        },
        "displayName": display,
        "active": active,
        "timeZone": zone,
    }


RAE = dc_user("rmorgan", "JIRAUSER20246", "Rae Morgan", 10192, "Asia/Manila")
MINA = dc_user("mtorres", "mtorres", "Mina Torres", 19178, "Asia/Singapore")
KAI = dc_user("e_tws_kyoung", "JIRAUSER20626", "Kai Young", 21270, "Australia/Sydney")
HAL = dc_user("e_tws_hlee", "JIRAUSER20381", "Hal Lee", 10192, "Asia/Shanghai")
SAM = dc_user("snair", "snair", "Sam Nair", 21433, "Australia/Sydney", active=False)


def item(field: str, fieldtype: str, frm: Any, frm_s: Any, to: Any, to_s: Any) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": fieldtype,
        "from": frm,
        "fromString": frm_s,
        "to": to,
        "toString": to_s,
    }


def hist(history_id: str, author: dict[str, Any], created: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"id": history_id, "author": author, "created": created, "items": list(items)}


DC_HISTORIES = [
    hist(
        "8961285",
        RAE,
        "2022-01-06T18:21:44.632+1100",
        item("assignee", "jira", "grajan", "Gita Rajan", "JIRAUSER20626", "Kai Young"),
    ),
    hist(
        "8961287", RAE, "2022-01-06T18:22:11.806+1100", item("Story Points", "custom", None, None, None, "2")
    ),
    hist(
        "8963740",
        MINA,
        "2022-01-07T19:15:49.380+1100",
        item("Sprint", "custom", None, None, "5457", "[Day 1] Day 1.5.11"),
        item("labels", "jira", None, "", None, "Day1.5.11_Committed"),
        item("timeestimate", "jira", None, None, "57600", "57600"),
    ),
    hist(
        "8966257",
        KAI,
        "2022-01-10T15:09:36.884+1100",
        item("status", "jira", "1", "Open", "3", "In Progress"),
    ),
    hist(
        "8970399",
        KAI,
        "2022-01-11T19:32:20.823+1100",
        item("WorklogId", "jira", "2175784", "2175784", None, None),
        item("timeestimate", "jira", "57600", "57600", "43200", "43200"),
        item("timespent", "jira", None, None, "14400", "14400"),
    ),
    hist(
        "8972484",
        HAL,
        "2022-01-12T15:55:49.484+1100",
        item("Flagged", "custom", None, None, "[10190]", "Impediment"),
    ),
    hist(
        "8973299",
        RAE,
        "2022-01-12T20:18:33.362+1100",
        item("Link", "jira", None, None, "UECSUP-7623", "This issue incorporates UECSUP-7623"),
    ),
    hist(
        "8987865",
        KAI,
        "2022-01-19T15:33:42.221+1100",
        item("Flagged", "custom", "[10190]", "Impediment", "", ""),
    ),
    hist(
        "8993863",
        KAI,
        "2022-01-21T13:41:43.940+1100",
        item("Attachment", "jira", None, None, "770321", "image-2022-01-21-10-41-30-072.png"),
    ),
    hist(
        "8995190",
        KAI,
        "2022-01-21T18:52:17.085+1100",
        item(
            "description",
            "jira",
            None,
            "In Day_1.0_bugfix branch (...)",
            None,
            "In Day_1.0_bugfix branch (.)",
        ),
    ),
    hist(
        "8998491",
        SAM,
        "2022-01-24T15:25:59.694+1100",
        item("status", "jira", "3", "In Progress", "10040", "For Review"),
    ),
    hist(
        "8998492",
        SAM,
        "2022-01-24T15:26:07.124+1100",
        item("resolution", "jira", None, None, "11", "Done"),
        item("status", "jira", "10040", "For Review", "5", "Resolved"),
        item("timeestimate", "jira", "12600", "12600", "0", "0"),
    ),
    hist(
        "8998493",
        SAM,
        "2022-01-24T15:26:12.250+1100",
        item("assignee", "jira", "JIRAUSER20626", "Kai Young", "JIRAUSER20246", "Rae Morgan"),
    ),
    hist(
        "8998609",
        RAE,
        "2022-01-24T15:57:42.005+1100",
        item("Link", "jira", None, None, "UECSUP-7623", "This issue is related to UECSUP-7623"),
    ),
    hist(
        "8998617",
        RAE,
        "2022-01-24T15:58:18.950+1100",
        item("Link", "jira", "UECSUP-7623", "This issue is related to UECSUP-7623", None, None),
    ),
]
DC_CHANGELOG = {
    "startAt": 0,
    "maxResults": len(DC_HISTORIES),
    "total": len(DC_HISTORIES),
    "histories": DC_HISTORIES,
}

# Real legacy Sprint values (Jira 6-8), each from a public repository's code or fixtures.
LEGACY_SPRINTS = (
    # a Java SprintFormatter test (found by the code search)
    "com.atlassian.greenhopper.service.sprint.Sprint@57910277[id=29200,rapidViewId=8070,state=CLOSED,"
    "name=SPrUCE - Sprint 15,startDate=2018-04-19T10:45:31.067-04:00,endDate=2018-05-02T14:04:00.000-04:00,"
    "completeDate=2018-05-03T11:08:13.295-04:00,sequence=29200,goal=Spruce 100%!]",
    # a Go exporter's comment
    "com.atlassian.greenhopper.service.sprint.Sprint@6f00eb7b[id=47,rapidViewId=12,state=ACTIVE,"
    "name=Sprint 46,goal=,startDate=2019-02-20T04:19:23.907Z,endDate=2019-02-25T04:19:00.000Z,"
    "completeDate=<null>,sequence=47]",
    # a Java parser's comment (attributes in alphabetical order, Cyrillic text)
    "com.atlassian.greenhopper.service.sprint.Sprint@428da144[completeDate=<null>,endDate=2020-05-10T12:57:00.000Z,"
    "goal=Создать базу данных Проекта,id=3,name=Релиз 1,rapidViewId=4,sequence=3,"
    "startDate=2020-04-26T12:57:31.205Z,state=ACTIVE]",
    # a Python parser's test: Jira 8 adds activatedDate, synced, autoStartStop, ...
    "com.atlassian.greenhopper.service.sprint.Sprint@4dfdeaa6[id=3589,rapidViewId=137,state=CLOSED,"
    "name=Anonymous Sprint 199,startDate=2024-11-25T06:52:00.000+02:00,endDate=2024-12-06T18:56:00.000+02:00,"
    "completeDate=2024-12-09T13:17:10.358+02:00,activatedDate=2024-11-25T11:31:34.900+02:00,sequence=3589,"
    "goal=,synced=false,autoStartStop=false,incompleteIssuesDestinationId=<null>]",
    # a TypeScript test: Jira 9 writes the attributes in alphabetical order
    "com.atlassian.greenhopper.service.sprint.Sprint@716d6522[activatedDate=2024-10-30T02:13:17.165+02:00,"
    "autoStartStop=false,completeDate=<null>,endDate=2024-11-13T02:33:17.165+02:00,goal=<null>,id=1,"
    "incompleteIssuesDestinationId=<null>,name=Sample Sprint 2,rapidViewId=1,sequence=1,"
    "startDate=2024-10-30T02:13:17.165+02:00,state=ACTIVE,synced=false]",
    # an R test (id last)
    "com.atlassian.greenhopper.service.sprint.Sprint@50eaa052[rapidViewId=11,state=CLOSED,"
    "name=ARCADE Sprint 113,startDate=2016-10-06T14:40:52.687+01:00,endDate=2016-10-20T14:40:00.000+01:00,"
    "completeDate=2016-10-21T06:32:06.424+01:00,sequence=3713,id=3713]",
)


def dc_issue(histories: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """The sample's history under a DC search-result issue (REST v2 shapes, no hierarchyLevel)."""
    entries = DC_HISTORIES if histories is None else histories
    doc: dict[str, Any] = {
        "summary": "Product factory agent task",
        "issuetype": {"id": "10001", "name": "Story", "subtask": False, "avatarId": 10315},
        "status": {"id": "5", "name": "Resolved", "statusCategory": {"id": 3, "key": "done"}},
        "project": {"id": "10300", "key": "UEC"},
        "created": "2022-01-06T18:20:00.000+1100",
        "updated": "2022-01-24T15:58:18.950+1100",
        "assignee": RAE,
        "labels": ["Day1.5.11_Committed"],
        "issuelinks": [],
    }
    doc.update(fields)
    changelog = {"startAt": 0, "maxResults": len(entries), "total": len(DC_HISTORIES), "histories": entries}
    return {"id": "1042", "key": "UEC-42", "fields": doc, "changelog": changelog}


def test_people_are_user_keys_jirauser_ones_included() -> None:
    batch = normalise_issue(dc_issue(), fields=DC_FIELDS)
    (issue,) = batch.issues
    assert issue.assignee_id == "JIRAUSER20246"  # the key, not the user name rmorgan
    people = {p.person_id: p for p in batch.people}
    assert {"JIRAUSER20246", "JIRAUSER20626", "JIRAUSER20381", "mtorres", "snair", "grajan"} <= set(people)
    assert "rmorgan" not in people
    assert "e_tws_kyoung" not in people
    assert people["JIRAUSER20626"].display_name == "Kai Young"
    assert not any(p.is_bot for p in batch.people)
    actors = {h.history_id: h.actor_id for h in batch.histories}
    assert actors["8966257"] == "JIRAUSER20626"
    assert actors["8998491"] == "snair"


def test_assignee_items_carry_user_keys() -> None:
    changes = normalise_issue(dc_issue(), fields=DC_FIELDS).assignee_changes
    assert [(c.from_person, c.to_person) for c in changes] == [
        ("grajan", "JIRAUSER20626"),  # a pre-Jira-8 user, whose key is their name, to a JIRAUSER key
        ("JIRAUSER20626", "JIRAUSER20246"),
    ]


def test_items_without_field_id_are_read_by_field_name() -> None:
    batch = normalise_issue(dc_issue(), fields=DC_FIELDS)
    assert [(c.from_status, c.to_status) for c in batch.status_changes] == [
        ("1", "3"),
        ("3", "10040"),
        ("10040", "5"),
    ]
    assert [f.flagged for f in batch.flag_changes] == [True, False]
    assert [link.removed_at is not None for link in batch.links] == [True]
    assert batch.links[0].to_issue_key == "UECSUP-7623"


def test_the_whole_changelog_is_oldest_first_and_complete() -> None:
    raw = dc_issue()
    stamps = [h["created"] for h in raw["changelog"]["histories"]]
    assert stamps == sorted(stamps)  # DC embeds oldest first (Cloud: newest first)
    batch = normalise_issue(raw, fields=DC_FIELDS)
    assert len(batch.histories) == changelog_total(raw) == 15
    assert batch.history_complete == {"1042": True}
    times = [h.at for h in batch.histories]
    assert times == sorted(times)
    assert times[0] == datetime(2022, 1, 6, 7, 21, 44, 632000, tzinfo=UTC)
    assert sum(h.item_count for h in batch.histories) == 21
    short = normalise_issue(dc_issue(DC_HISTORIES[1:]), fields=DC_FIELDS)
    assert short.history_complete == {"1042": False}


def test_server_sample_users_are_keys_and_histories_oldest_first() -> None:
    rows = json.loads(
        shared_path("api", "jira", "samples", "devlake", "extracted",
                    "server_agile_board_issues_with_issuelinks.json").read_text(encoding="utf-8")
    )  # fmt: skip
    book = LinkTypeBook.of(
        [{"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}]
    )
    for raw in (row["data"] for row in rows):
        assert "accountId" not in raw["fields"]["assignee"]
        batch = normalise_issue(raw, links=book)
        assert batch.quarantined == []
        assert batch.history_complete[raw["id"]]
        assert batch.issues[0].assignee_id == "admin"
        assert {h.actor_id for h in batch.histories} <= {"admin"}
        assert [h.at for h in batch.histories] == sorted(h.at for h in batch.histories)
        assert not any(p.is_bot for p in batch.people)


@pytest.mark.parametrize("text", LEGACY_SPRINTS)
def test_real_legacy_sprint_strings_parse(text: str) -> None:
    sprint = parse_legacy_sprint(text)
    assert sprint.sprint_id is not None
    assert sprint.name
    assert sprint.board_id is not None
    assert sprint.state in ("closed", "active")
    assert sprint.start is not None
    assert sprint.start.tzinfo is not None


def test_legacy_sprint_values_in_detail() -> None:
    first, active, cyrillic, jira8, jira9, arcade = sprints_of(list(LEGACY_SPRINTS))
    assert (first.sprint_id, first.board_id, first.name, first.goal) == (
        29200,
        8070,
        "SPrUCE - Sprint 15",
        "Spruce 100%!",
    )
    assert first.complete == datetime(2018, 5, 3, 15, 8, 13, 295000, tzinfo=UTC)
    assert (active.state, active.complete, active.goal) == ("active", None, None)
    assert (cyrillic.name, cyrillic.sprint_id, cyrillic.goal) == ("Релиз 1", 3, "Создать базу данных Проекта")
    assert (arcade.sprint_id, arcade.name) == (3713, "ARCADE Sprint 113")
    assert (jira8.sprint_id, jira8.board_id, jira8.name, jira8.goal) == (
        3589,
        137,
        "Anonymous Sprint 199",
        None,
    )
    assert (jira9.sprint_id, jira9.name, jira9.state, jira9.complete, jira9.goal) == (
        1,
        "Sample Sprint 2",
        "active",
        None,
        None,
    )
    # A name holding a comma stays whole: only known attributes start after a comma.
    comma = "com.atlassian.greenhopper.service.sprint.Sprint@1a[id=9,rapidViewId=2,state=FUTURE,name=Q3, team A,startDate=<null>,sequence=9]"  # noqa: E501
    (parsed,) = sprints_of([comma])
    assert (parsed.name, parsed.state, parsed.start) == ("Q3, team A", "future", None)


def test_sprints_of_reads_cloud_objects_and_refuses_junk() -> None:
    cloud = [{"id": 7, "name": "EE Sprint 7", "state": "closed", "boardId": 8, "goal": "",
              "startDate": "2020-06-12T00:38:51.882Z", "endDate": "2020-06-26T00:38:00.000Z"}]  # fmt: skip
    (sprint,) = sprints_of(cloud)
    assert (sprint.sprint_id, sprint.board_id, sprint.state, sprint.goal) == (7, 8, "closed", None)
    assert sprints_of(None) == []
    with pytest.raises(SchemaDriftError):
        sprints_of(["Sprint 7"])
    with pytest.raises(SchemaDriftError):
        parse_legacy_sprint("com.atlassian.greenhopper.service.sprint.Sprint@1a[id=9,state=CLOSED]")


@pytest.mark.parametrize(
    ("user", "bot"),
    [
        ({"name": "jira-bot", "key": "jira-bot", "displayName": "Jira Bot"}, True),
        ({"name": "automation", "key": "JIRAUSER10400", "displayName": "Automation for Jira"}, True),
        ({"name": "svc_deploy", "key": "svc_deploy", "displayName": "Deployments"}, True),
        ({"name": "jenkins", "key": "jenkins", "displayName": "Jenkins"}, True),
        ({"name": "github-bot", "key": "github-bot", "displayName": "GitHub for Jira"}, True),
        # Integration users named after their integration, with no "bot" in their names.
        ({"name": "github", "key": "JIRAUSER10500", "displayName": "GitHub for Jira"}, True),
        ({"name": "gl-sync", "key": "JIRAUSER10501", "displayName": "GitLab Integration"}, True),
        ({"name": "sonar", "key": "JIRAUSER10502", "displayName": "SonarQube"}, True),
        ({"name": "release", "key": "JIRAUSER10503", "displayName": "Deploy Pipeline"}, True),
        ({"name": "bitbucket", "key": "JIRAUSER10504", "displayName": "Bitbucket Cloud"}, True),
        ({"name": "sarah.jenkins", "key": "JIRAUSER10001", "displayName": "Sarah Jenkins"}, False),
        ({"name": "ctalbot", "key": "ctalbot", "displayName": "Chris Talbot"}, False),
        ({"name": "admin", "key": "admin", "displayName": "admin"}, False),
        (RAE, False),
    ],
)
def test_service_accounts_are_told_by_their_names(user: dict[str, Any], bot: bool) -> None:
    assert looks_like_service_account(user) is bot
    person = person_of(user)
    assert person is not None
    assert person.is_bot is bot


def test_cloud_users_keep_account_type() -> None:
    app = person_of({"accountId": "557058:x", "displayName": "Automation for Jira", "accountType": "app"})
    human = person_of(
        {"accountId": "5ecf", "displayName": "Robot Automation Fan", "accountType": "atlassian"}
    )
    assert app is not None
    assert app.is_bot
    assert human is not None
    assert not human.is_bot


def test_epic_link_keys_get_the_epics_id() -> None:
    story = normalise_issue(dc_issue(customfield_10108="UEC-7"), fields=DC_FIELDS).issues[0]
    subtask = normalise_issue(
        dc_issue(parent={"id": "1040", "key": "UEC-40", "fields": {}}), fields=DC_FIELDS
    ).issues[0]
    assert (story.parent_id, story.parent_key) == (None, "UEC-7")
    assert epic_keys([story, subtask]) == {"UEC-7"}
    resolved, kept = with_parent_ids([story, subtask], {"UEC-7": "1007", "UEC-40": "999"})
    assert (resolved.parent_id, resolved.parent_key) == ("1007", "UEC-7")
    assert kept == subtask  # a parent given by id is left alone
    (unknown,) = with_parent_ids([story], {})
    assert unknown.parent_id is None
