"""Jira normalisers on real payloads (shared/api/jira/samples) and small hand-made ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import shared_path
from orgpulse.connectors.jira.changelog import merge_histories
from orgpulse.connectors.jira.normalise import normalise_issue
from orgpulse.connectors.jira.normalise_links import LinkTypeBook, classify_link_type
from orgpulse.connectors.jira.normalise_meta import (
    FieldIds,
    find_custom_fields,
    normalise_statuses,
    parse_jira_datetime,
)
from orgpulse.errors import SchemaDriftError
from orgpulse.model import Category, LinkKind

SAMPLES = ("api", "jira", "samples")
CLOUD_FIELDS = FieldIds(
    sprint="customfield_10020", flagged="customfield_10021", epic_link="customfield_10014"
)
DEFAULT_TYPES = [
    {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
    {"id": "10001", "name": "Cloners", "inward": "is cloned by", "outward": "clones"},
    {"id": "10002", "name": "Duplicate", "inward": "is duplicated by", "outward": "duplicates"},
    {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"},
]


def sample(*parts: str) -> Any:
    return json.loads(shared_path(*SAMPLES, *parts).read_text(encoding="utf-8"))


def cloud_issues() -> list[dict[str, Any]]:
    return [
        row["data"]
        for row in sample("devlake", "extracted", "cloud_agile_board_issues_expand_changelog.json")
    ]


def server_issues() -> dict[str, dict[str, Any]]:
    rows = sample("devlake", "extracted", "server_agile_board_issues_with_issuelinks.json")
    return {row["data"]["key"]: row["data"] for row in rows}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def issue(
    histories: list[dict[str, Any]] | None = None, *, total: int | None = None, **fields: Any
) -> dict[str, Any]:
    """A small Cloud search-result issue."""
    doc: dict[str, Any] = {
        "summary": "A thing",
        "issuetype": {"id": "1", "name": "Story", "hierarchyLevel": 0},
        "status": {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
        "project": {"id": "100", "key": "PAY"},
        "created": "2024-01-02T10:00:00.000+0100",
        "updated": "2024-01-05T10:00:00.000+0100",
        "labels": [],
        "issuelinks": [],
    }
    doc.update(fields)
    histories = histories or []
    return {
        "id": "500",
        "key": "PAY-5",
        "fields": doc,
        "changelog": {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories) if total is None else total,
            "histories": histories,
        },
    }


def history(
    history_id: str, created: str, *items: dict[str, Any], author: str | None = "u1"
) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": history_id, "created": created, "items": list(items)}
    if author is not None:
        entry["author"] = {"accountId": author, "displayName": author.upper(), "accountType": "atlassian"}
    return entry


# --- times ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-06-12T08:13:13.360+0800", utc(2020, 6, 12, 0, 13, 13, 360000)),
        ("2023-07-27T06:11:04.099+0000", utc(2023, 7, 27, 6, 11, 4, 99000)),
        ("2015-12-02T07:39:15.000-0800", utc(2015, 12, 2, 15, 39, 15)),
        ("2020-06-12T00:38:51.882Z", utc(2020, 6, 12, 0, 38, 51, 882000)),
        ("2020-06-12T08:38:51+08:00", utc(2020, 6, 12, 0, 38, 51)),
        (1718000000000, utc(2024, 6, 10, 6, 13, 20)),  # epoch milliseconds
        (1492070429, utc(2017, 4, 13, 8, 0, 29)),  # the bulk changelog spec example: seconds
    ],
)
def test_parse_jira_datetime(value: object, expected: datetime) -> None:
    parsed = parse_jira_datetime(value)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [None, "", "yesterday", "2020-06-12T08:13:13", True, {}])
def test_parse_jira_datetime_refuses(value: object) -> None:
    with pytest.raises(SchemaDriftError):
        parse_jira_datetime(value)


# --- real Cloud issues (newest-first embedded changelog, +0800, Chinese names) -------------------


def test_cloud_sample_histories_come_out_complete_oldest_first() -> None:
    raw = cloud_issues()[0]
    assert raw["key"] == "EE-1"
    batch = normalise_issue(raw, fields=CLOUD_FIELDS)
    assert batch.quarantined == []
    (ee1,) = batch.issues
    assert ee1.created == utc(2020, 6, 12, 0, 13, 13, 360000)
    assert ee1.history_total == 25
    assert len(batch.histories) == 25
    times = [h.at for h in batch.histories]
    assert times == sorted(times)
    assert batch.histories[0].history_id == "10659"  # the oldest: the Epic Link set at creation
    assert batch.histories[-1].history_id == "90706"
    assert batch.history_complete == {"10063": True}
    # The embed is newest-first: what came first in the payload ends last.
    assert raw["changelog"]["histories"][0]["id"] == "90706"


def test_cloud_sample_keeps_localized_statuses_by_id() -> None:
    batch = normalise_issue(cloud_issues()[0], fields=CLOUD_FIELDS)
    issue_ = batch.issues[0]
    assert issue_.status_id == "10068"  # named 已完成 on that site
    assert issue_.type_name == "故事"
    last = batch.status_changes[-1]
    assert (last.history_id, last.from_status, last.to_status) == ("86412", "6", "10068")
    assert all(c.from_status is None or c.from_status.isdigit() for c in batch.status_changes)
    assert [a.to_person for a in batch.assignee_changes] == ["5ecfbd0c730ec90c1999cadf"]


def test_every_cloud_sample_issue_normalises_completely() -> None:
    raws = cloud_issues()
    histories = sessions = 0
    for raw in raws:
        batch = normalise_issue(raw, fields=CLOUD_FIELDS)
        assert batch.quarantined == []
        assert len(batch.issues) == 1
        assert len(batch.histories) == raw["changelog"]["total"]
        assert all(batch.history_complete.values())
        histories += len(batch.histories)
        sessions += 1
    assert sessions == 33
    assert histories == sum(r["changelog"]["total"] for r in raws)


def test_cloud_sample_entry_with_two_items_of_one_field_keeps_both() -> None:
    raw = cloud_issues()[0]
    batch = normalise_issue(raw, fields=CLOUD_FIELDS)
    fix_versions = [h for h in batch.histories if h.history_id == "18876"]
    assert fix_versions[0].item_count == 2


def test_two_status_items_in_one_history_are_both_kept() -> None:
    raw = issue(
        [
            history(
                "7",
                "2024-01-03T10:00:00.000+0000",
                {"field": "status", "fieldId": "status", "from": "1", "to": "2"},
                {"field": "resolution", "fieldId": "resolution", "from": None, "to": "10000"},
                {"field": "status", "fieldId": "status", "from": "2", "to": "3"},
            )
        ]
    )
    batch = normalise_issue(raw)
    assert [(c.history_id, c.item_index, c.to_status) for c in batch.status_changes] == [
        ("7", 0, "2"),
        ("7", 2, "3"),
    ]
    assert batch.histories[0].item_count == 3


def test_epic_and_parent_from_the_external_epics_sample() -> None:
    rows = {
        r["data"]["key"]: r["data"]
        for r in sample("devlake", "extracted", "cloud_external_epics_expand_changelog.json")
    }
    epic = normalise_issue(rows["K5-4"], fields=CLOUD_FIELDS).issues[0]
    assert epic.is_epic
    story = normalise_issue(rows["K5-2"], fields=CLOUD_FIELDS).issues[0]
    assert not story.is_epic
    assert (story.parent_id, story.parent_key) == ("20707", "K5-1")


def test_parent_from_the_epic_link_field_when_no_parent() -> None:
    raw = issue(customfield_10014="PAY-1", parent=None)
    assert normalise_issue(raw, fields=CLOUD_FIELDS).issues[0].parent_key == "PAY-1"
    assert normalise_issue(raw).issues[0].parent_key is None  # the field is only read by its found id


def test_epic_by_type_name_and_subtask_level() -> None:
    epic = issue(issuetype={"id": "9", "name": "Epic"})
    assert normalise_issue(epic).issues[0].is_epic
    subtask = issue(issuetype={"id": "9", "name": "Sub-task", "hierarchyLevel": -1})
    assert not normalise_issue(subtask).issues[0].is_epic


# --- histories: completeness, order, moves, flags, actors ----------------------------------------


def test_truncated_embed_is_incomplete_until_merged_with_the_bulk_histories() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    every = [
        history(
            str(1000 + n),
            (start + timedelta(hours=n)).isoformat().replace("+00:00", "Z"),
            {"field": "status", "fieldId": "status", "from": str(n), "to": str(n + 1)},
        )
        for n in range(45)
    ]
    newest_40 = list(reversed(every))[:40]
    raw = issue(newest_40, total=45)
    assert normalise_issue(raw).history_complete == {"500": False}
    merged = merge_histories(every, newest_40)  # overlapping ids come once
    batch = normalise_issue(raw, merged)
    assert batch.history_complete == {"500": True}
    assert [h.history_id for h in batch.histories] == [str(1000 + n) for n in range(45)]
    assert batch.status_changes[0].from_status == "0"


def test_an_issue_without_its_changelog_is_not_complete() -> None:
    raw = issue()
    del raw["changelog"]
    assert normalise_issue(raw).history_complete == {"500": False}
    assert normalise_issue(raw, []).history_complete == {"500": True}  # the caller fetched it whole


def test_the_changelog_endpoint_sample_is_oldest_first_and_counts() -> None:
    rows = sample("devlake", "extracted", "cloud_issue_changelog_endpoint_values.json")
    values = [r["data"] for r in rows if "/issue/13954/changelog" in r["request_url"]]
    raw = issue(total=len(values))
    raw["id"] = "13954"
    batch = normalise_issue(raw, values)
    assert len(batch.histories) == len(values) == 100
    assert batch.history_complete == {"13954": True}
    times = [h.at for h in batch.histories]
    assert times == sorted(times)


def test_moved_issue_changes_team_by_key_prefix() -> None:
    raw = issue(
        [
            history(
                "9",
                "2024-01-03T10:00:00.000+0000",
                {
                    "field": "project",
                    "fieldtype": "jira",
                    "from": "200",
                    "fromString": "Core",
                    "to": "100",
                    "toString": "Payments",
                },
                {
                    "field": "Key",
                    "fieldtype": "jira",
                    "from": None,
                    "fromString": "CORE-7",
                    "to": None,
                    "toString": "PAY-5",
                },
            )
        ]
    )
    batch = normalise_issue(raw)
    (change,) = batch.team_changes
    assert (change.from_team, change.to_team, change.item_index) == ("CORE", "PAY", 1)
    assert batch.issues[0].team_key == "PAY"


def test_flag_changes_and_flagged_field() -> None:
    raw = issue(
        [
            history(
                "1",
                "2024-01-03T10:00:00.000+0000",
                {
                    "field": "Flagged",
                    "fieldId": "customfield_10021",
                    "from": None,
                    "to": "10019",
                    "toString": "Impediment",
                },
            ),
            history(
                "2",
                "2024-01-04T10:00:00.000+0000",
                {
                    "field": "Flagged",
                    "fieldId": "customfield_10021",
                    "from": "10019",
                    "fromString": "Impediment",
                    "to": None,
                    "toString": "",
                },
            ),
        ],
        customfield_10021=[{"value": "Impediment", "id": "10019"}],
    )
    batch = normalise_issue(raw, fields=CLOUD_FIELDS)
    assert [f.flagged for f in batch.flag_changes] == [True, False]
    assert batch.issues[0].flagged
    # Without the site's field id, the item is still known by its name.
    assert [f.flagged for f in normalise_issue(raw).flag_changes] == [True, False]


def test_entry_without_author_has_no_actor_and_bots_are_flagged() -> None:
    raw = issue(
        [
            history(
                "1",
                "2024-01-03T10:00:00.000+0000",
                {"field": "status", "fieldId": "status", "from": "1", "to": "3"},
                author=None,
            ),
            history(
                "2",
                "2024-01-04T10:00:00.000+0000",
                {"field": "labels", "fieldId": "labels", "from": None, "to": "x"},
            ),
        ],
        assignee={"accountId": "bot-1", "displayName": "Automation", "accountType": "app"},
    )
    raw["changelog"]["histories"][1]["author"]["accountType"] = "app"
    batch = normalise_issue(raw)
    assert batch.histories[0].actor_id is None
    assert batch.status_changes[0].actor_id is None
    assert len(batch.histories) == 2  # an entry with no interesting item is still a history
    people = {p.person_id: p for p in batch.people}
    assert people["bot-1"].is_bot
    assert people["u1"].is_bot


def test_unreadable_history_is_quarantined_and_the_issue_kept() -> None:
    raw = issue(
        [
            history("1", "not a time", {"field": "status", "fieldId": "status", "from": "1", "to": "3"}),
            history(
                "2",
                "2024-01-04T10:00:00.000+0000",
                {"field": "status", "fieldId": "status", "from": "3", "to": "4"},
            ),
        ]
    )
    batch = normalise_issue(raw)
    assert len(batch.issues) == 1
    assert [(q.native_id, q.kind) for q in batch.quarantined] == [("500:1", "jira_history")]
    assert [h.history_id for h in batch.histories] == ["2"]


def test_unreadable_issue_is_quarantined_whole() -> None:
    raw = {"id": "77", "key": "PAY-77", "changelog": {"total": 0, "histories": []}}
    batch = normalise_issue(raw, keep_raw=True)
    assert batch.issues == []
    assert batch.raw == []
    (q,) = batch.quarantined
    assert (q.native_id, q.kind) == ("77", "jira_issue")
    assert json.loads(q.payload)["key"] == "PAY-77"


def test_raw_keeps_the_complete_history_oldest_first() -> None:
    raw = cloud_issues()[0]
    batch = normalise_issue(raw, fields=CLOUD_FIELDS, keep_raw=True)
    ((kind, native, text),) = batch.raw
    assert (kind, native) == ("jira_issue", "10063")
    kept = json.loads(text)["changelog"]["histories"]
    assert len(kept) == 25
    assert kept[0]["id"] == "10659"


def test_statuses_unknown_to_the_site_are_named_from_the_changelog() -> None:
    batch = normalise_issue(
        cloud_issues()[0], fields=CLOUD_FIELDS, known_statuses={"10068", "10020", "10029", "1", "3"}
    )
    unknown = {s.status_id: s for s in batch.statuses}
    assert unknown["6"].name == "Closed"
    assert unknown["6"].category_known is False
    assert "10068" not in unknown


# --- metadata ------------------------------------------------------------------------------------


def test_status_categories_from_real_statuses() -> None:
    rows = sample("devlake", "extracted", "cloud_statuses.json")
    statuses, quarantined = normalise_statuses([r["data"] for r in rows])
    assert quarantined == []
    assert len(statuses) == 53
    by_id = {s.status_id: s for s in statuses}
    assert by_id["3"].category is Category.IN_PROGRESS
    assert by_id["3"].category_known
    go = sample("go-jira", "all_statuses.json")
    go_statuses = {s.status_id: s for s in normalise_statuses(go)[0]}
    archived = go_statuses["10000"]  # statusCategory "undefined" (No Category)
    assert (archived.category, archived.category_known) == (Category.TODO, False)
    assert go_statuses["1"].category is Category.TODO
    assert go_statuses["1"].category_known


def test_custom_fields_are_found_by_schema_not_id() -> None:
    fields = [
        {"id": "summary", "name": "Summary", "schema": {"type": "string", "system": "summary"}},
        {
            "id": "customfield_20001",
            "name": "Sprint",
            "schema": {"type": "array", "items": "json", "custom": "com.pyxis.greenhopper.jira:gh-sprint"},
        },
        {
            "id": "customfield_20002",
            "name": "Epic Link",
            "schema": {"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link"},
        },
        {
            "id": "customfield_20003",
            "name": "Approvers",
            "clauseNames": ["Approvers"],
            "schema": {
                "type": "array",
                "custom": "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
            },
        },
        {
            "id": "customfield_20004",
            "name": "Markiert",
            "clauseNames": ["Flagged", "Flagged[Checkboxes]"],
            "schema": {
                "type": "array",
                "custom": "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
            },
        },
        {
            "id": "customfield_20005",
            "name": "Team",
            "schema": {
                "type": "team",
                "custom": "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team",
            },
        },
    ]
    found = find_custom_fields(fields)
    assert found == FieldIds(
        sprint="customfield_20001",
        flagged="customfield_20004",
        epic_link="customfield_20002",
        team="customfield_20005",
    )
    legacy_team = {
        "id": "customfield_9",
        "name": "Team",
        "schema": {"type": "any", "custom": "com.atlassian.teams:rm-teams-custom-field-team"},
    }
    assert find_custom_fields([legacy_team]).team == "customfield_9"
    assert FieldIds.from_json(found.to_json()) == found


# --- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "outward_blocks"),
    [
        (
            {"id": "1", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
            LinkKind.BLOCKS,
            True,
        ),
        ({"id": "2", "name": "Blocks", "inward": "Blocked by", "outward": "Blocks"}, LinkKind.BLOCKS, True),
        (
            {"id": "3", "name": "Blocker", "inward": "is blocked by", "outward": "blocks"},
            LinkKind.BLOCKS,
            True,
        ),
        (
            {"id": "4", "name": "Dependency", "inward": "is depended on by", "outward": "depends on"},
            LinkKind.BLOCKS,
            False,
        ),
        (
            {"id": "5", "name": "dependent", "inward": "is depended upon by", "outward": "depends upon"},
            LinkKind.BLOCKS,
            False,
        ),
        (
            {"id": "6", "name": "Bloquant", "inward": "est bloqué par", "outward": "bloque"},
            LinkKind.BLOCKS,
            True,
        ),
        (
            {"id": "7", "name": "Dépendance", "inward": "est une dépendance de", "outward": "dépend de"},
            LinkKind.BLOCKS,
            False,
        ),
        (
            {"id": "8", "name": "Relates", "inward": "relates to", "outward": "relates to"},
            LinkKind.RELATES,
            True,
        ),
        (
            {"id": "9", "name": "Duplicate", "inward": "is duplicated by", "outward": "duplicates"},
            LinkKind.DUPLICATES,
            True,
        ),
        (
            {"id": "10", "name": "Cloners", "inward": "is cloned by", "outward": "clones"},
            LinkKind.RELATES,
            True,
        ),
        ({"id": "11", "name": "Blocks", "inward": "Blocked", "outward": "Blocked"}, LinkKind.RELATES, True),
    ],
)
def test_link_types_are_judged_by_description(
    raw: dict[str, str], kind: LinkKind, outward_blocks: bool
) -> None:
    info = classify_link_type(raw)
    assert info is not None
    assert info.kind is kind
    if kind is LinkKind.BLOCKS:
        assert info.outward_blocks is outward_blocks


def test_configured_ids_make_a_type_blocking() -> None:
    raw = {"id": "12310361", "name": "Blocked", "inward": "Blocked", "outward": "Blocked"}
    info = classify_link_type(raw, ("12310361",))
    assert info is not None
    assert info.kind is LinkKind.BLOCKS


def test_apache_link_types_sample() -> None:
    book = LinkTypeBook.of(sample("go-jira", "all_issuelinktypes.json"))
    kinds = {info.name: info.kind for info in book.types.values()}
    assert kinds["Blocker"] is LinkKind.BLOCKS
    assert kinds["dependent"] is LinkKind.BLOCKS
    assert kinds["Required"] is LinkKind.BLOCKS
    assert kinds["Duplicate"] is LinkKind.DUPLICATES
    assert kinds["Reference"] is LinkKind.RELATES


def test_server_sample_link_direction_both_ways() -> None:
    issues = server_issues()
    book = LinkTypeBook.of(DEFAULT_TYPES)
    links = {link.link_id: link for link in normalise_issue(issues["DZFNK0168-20"], links=book).links}
    outward = links["10100"]  # outwardIssue: "DZFNK0168-20 blocks IP8CUD168-35304"
    assert (outward.kind, outward.from_issue_key, outward.to_issue_key) == (
        LinkKind.BLOCKS,
        "DZFNK0168-20",
        "IP8CUD168-35304",
    )
    assert (outward.from_issue_id, outward.to_issue_id) == ("10821", "116582")
    assert outward.created_at == utc(2023, 7, 27, 6, 11, 4, 99000)
    inward = links["10102"]  # inwardIssue: "DZFNK0168-20 is blocked by IP8CUD168-35406"
    assert (inward.from_issue_key, inward.to_issue_key) == ("IP8CUD168-35406", "DZFNK0168-20")
    assert inward.created_at == utc(2023, 7, 27, 6, 11, 41, 166000)
    assert inward.from_done is False
    assert inward.to_done is False
    # The same link read from its other end is the same record.
    other = {link.link_id: link for link in normalise_issue(issues["DZFNK0168-22"], links=book).links}[
        "10110"
    ]
    mine = {link.link_id: link for link in normalise_issue(issues["DZFNK0168-2"], links=book).links}["10110"]
    assert (
        (other.from_issue_key, other.to_issue_key)
        == (mine.from_issue_key, mine.to_issue_key)
        == ("DZFNK0168-2", "DZFNK0168-22")
    )


def test_server_sample_removed_link() -> None:
    batch = normalise_issue(server_issues()["DZFNK0168-20"], links=LinkTypeBook.of(DEFAULT_TYPES))
    (removed,) = [link for link in batch.links if link.removed_at is not None]
    assert (removed.kind, removed.from_issue_key, removed.to_issue_key) == (
        LinkKind.BLOCKS,
        "IP8CUD168-35404",
        "DZFNK0168-20",
    )
    assert removed.created_at == utc(2023, 7, 27, 6, 11, 17, 106000)
    assert removed.removed_at == utc(2023, 7, 27, 6, 11, 29, 146000)
    assert (removed.from_issue_id, removed.to_issue_id) == (None, "10821")


def test_removed_link_has_the_same_id_from_both_sides() -> None:
    book = LinkTypeBook.of(DEFAULT_TYPES)
    blocked = issue(
        [
            history(
                "1",
                "2024-02-01T10:00:00.541+0000",
                {
                    "field": "Link",
                    "from": None,
                    "to": "CORE-9",
                    "toString": "This issue is blocked by CORE-9",
                },
            ),
            history(
                "2",
                "2024-02-03T10:00:00.999+0000",
                {
                    "field": "Link",
                    "from": "CORE-9",
                    "fromString": "This issue is blocked by CORE-9",
                    "to": None,
                },
            ),
        ]
    )
    blocker = issue(
        [
            history(
                "3",
                "2024-02-01T10:00:00.548+0000",
                {"field": "Link", "from": None, "to": "PAY-5", "toString": "This issue blocks PAY-5"},
            ),
            history(
                "4",
                "2024-02-03T10:00:01.004+0000",
                {"field": "Link", "from": "PAY-5", "fromString": "This issue blocks PAY-5", "to": None},
            ),
        ]
    )
    blocker["id"], blocker["key"] = "900", "CORE-9"
    a = [link for link in normalise_issue(blocked, links=book).links if link.removed_at]
    b = [link for link in normalise_issue(blocker, links=book).links if link.removed_at]
    assert len(a) == len(b) == 1
    assert a[0].link_id == b[0].link_id
    assert (
        (a[0].from_issue_key, a[0].to_issue_key)
        == (b[0].from_issue_key, b[0].to_issue_key)
        == ("CORE-9", "PAY-5")
    )
    assert a[0].from_issue_id is None
    assert a[0].to_issue_id == "500"
    assert b[0].from_issue_id == "900"
    assert b[0].to_issue_id is None


def test_blocking_type_whose_name_is_not_blocks_both_ways() -> None:
    dependency = {"id": "10500", "name": "Dependency", "inward": "is depended on by", "outward": "depends on"}
    book = LinkTypeBook.of([*DEFAULT_TYPES, dependency])
    far = {"id": "900", "key": "CORE-9", "fields": {"status": {"id": "5", "statusCategory": {"key": "done"}}}}
    # On PAY-5, outwardIssue CORE-9 reads "PAY-5 depends on CORE-9": CORE-9 is the blocker.
    out = issue(
        [
            history(
                "1",
                "2024-02-01T10:00:00.000+0000",
                {"field": "Link", "from": None, "to": "CORE-9", "toString": "This issue depends on CORE-9"},
            )
        ],
        issuelinks=[{"id": "77", "type": dependency, "outwardIssue": far}],
    )
    (link,) = normalise_issue(out, links=book).links
    assert (link.kind, link.from_issue_key, link.to_issue_key) == (LinkKind.BLOCKS, "CORE-9", "PAY-5")
    assert (link.from_issue_id, link.to_issue_id) == ("900", "500")
    assert (link.from_done, link.to_done) == (True, False)
    assert link.created_at == utc(2024, 2, 1, 10)
    # On PAY-5, inwardIssue CORE-9 reads "PAY-5 is depended on by CORE-9": PAY-5 is the blocker.
    inn = issue(issuelinks=[{"id": "78", "type": dependency, "inwardIssue": far}])
    (link,) = normalise_issue(inn, links=book).links
    assert (link.from_issue_key, link.to_issue_key) == ("PAY-5", "CORE-9")
    assert link.created_at is None


def test_cloud_changelog_link_item_dates_a_current_link() -> None:
    rows = sample("devlake", "extracted", "cloud_issue_changelog_endpoint_values.json")
    values = [r["data"] for r in rows if "/issue/13383/changelog" in r["request_url"]]
    far = {
        "id": "13300",
        "key": "EE-2880",
        "fields": {"status": {"statusCategory": {"key": "indeterminate"}}},
    }
    raw = issue(total=len(values), issuelinks=[{"id": "4242", "type": DEFAULT_TYPES[0], "inwardIssue": far}])
    raw["id"], raw["key"] = "13383", "EE-2700"
    (link,) = normalise_issue(raw, values, links=LinkTypeBook.of(DEFAULT_TYPES)).links
    assert (link.from_issue_key, link.to_issue_key) == ("EE-2880", "EE-2700")
    assert link.created_at == parse_jira_datetime("2021-01-25T11:55:29.086+0800")


def test_link_without_the_far_issue_is_quarantined() -> None:
    raw = issue(issuelinks=[{"id": "1", "type": DEFAULT_TYPES[0]}])
    batch = normalise_issue(raw)
    assert batch.links == []
    assert [(q.kind, q.native_id) for q in batch.quarantined] == [("jira_link", "500:1")]


def test_parent_items_become_parent_changes_with_ids_and_keys() -> None:
    raw = issue(
        [
            history(
                "900",
                "2024-01-03T10:00:00.000+0100",
                {
                    "field": "Epic Link",
                    "fieldtype": "custom",
                    "fieldId": "customfield_10014",
                    "from": None,
                    "fromString": None,
                    "to": "20707",
                    "toString": "K5-1",
                },
                {
                    "field": "IssueParentAssociation",
                    "fieldtype": "jira",
                    "from": None,
                    "fromString": None,
                    "to": "20707",
                    "toString": "K5-1",
                },
            ),
            history(
                "901",
                "2024-01-04T10:00:00.000+0100",
                {
                    "field": "Parent",
                    "fieldtype": "jira",
                    "from": "20707",
                    "fromString": "K5-1",
                    "to": None,
                    "toString": None,
                },
            ),
        ]
    )
    batch = normalise_issue(raw)
    changes = [(c.history_id, c.item_index, c.from_parent_key, c.to_parent_id, c.to_parent_key)
               for c in batch.parent_changes]  # fmt: skip
    assert changes == [("900", 0, None, "20707", "K5-1"), ("900", 1, None, "20707", "K5-1"),
                       ("901", 0, "K5-1", None, None)]  # fmt: skip
    assert batch.parent_changes[0].at == utc(2024, 1, 3, 9)


def test_components_and_the_team_field_are_kept_for_team_mapping() -> None:
    raw = issue(
        components=[{"id": "1", "name": "Checkout API"}, {"id": "2", "name": "Web"}],
        customfield_10001={"id": "36885b3c", "name": "Squad Falcon", "title": "Squad Falcon"},
    )
    (found,) = normalise_issue(raw, fields=FieldIds(team="customfield_10001")).issues
    assert found.components == ("Checkout API", "Web")
    assert found.team_field == "Squad Falcon"
    bare = issue(customfield_10001="36885b3c-uuid")  # some tenants return a bare UUID
    assert (
        normalise_issue(bare, fields=FieldIds(team="customfield_10001")).issues[0].team_field
        == "36885b3c-uuid"
    )


def test_resolution_items_are_kept_by_name_with_their_entry() -> None:
    raw = issue(
        [
            history(
                "7",
                "2024-01-03T10:00:00.000+0000",
                {"field": "status", "fieldId": "status", "from": "1", "to": "10400"},
                {"field": "resolution", "fieldId": "resolution", "from": None, "to": "10000",
                 "fromString": None, "toString": "Done"},
            ),
            history(
                "8",
                "2024-01-04T10:00:00.000+0000",
                {"field": "resolution", "from": "10000", "to": None, "fromString": "Done", "toString": None},
            ),
        ]
    )  # fmt: skip
    batch = normalise_issue(raw)
    kept = [
        (c.history_id, c.item_index, c.from_resolution, c.to_resolution) for c in batch.resolution_changes
    ]
    assert kept == [("7", 1, None, "Done"), ("8", 0, "Done", None)]


def test_cloud_sample_resolution_items_are_all_kept() -> None:
    raws = [
        r["data"] for r in sample("devlake", "extracted", "cloud_agile_board_issues_expand_changelog.json")
    ]
    expected = sum(
        1
        for raw in raws
        for entry in raw["changelog"]["histories"]
        for item in entry["items"]
        if item.get("field") == "resolution"
    )
    kept = sum(len(normalise_issue(raw, fields=CLOUD_FIELDS).resolution_changes) for raw in raws)
    assert expected > 0
    assert kept == expected


def test_a_sources_bot_accounts_and_patterns_mark_people_as_bots() -> None:
    from orgpulse.connectors.jira.normalise_dc import BotRules

    move = {"field": "status", "fieldId": "status", "from": "1", "to": "3"}
    raw = issue(
        [
            history("7", "2024-01-03T10:00:00.000+0000", move, author="acc-rm"),
            history("8", "2024-01-04T10:00:00.000+0000", move, author="acc-ann"),
            history("9", "2024-01-05T10:00:00.000+0000", move, author="tempo-x"),
        ]
    )
    plain = {p.person_id: p.is_bot for p in normalise_issue(raw).people}
    assert plain == {"acc-rm": False, "acc-ann": False, "tempo-x": False}
    rules = BotRules.of(["acc-rm"], ["Tempo X"])  # display names are the ids upper-cased here
    marked = {p.person_id: p.is_bot for p in normalise_issue(raw, bots=rules).people}
    assert marked == {"acc-rm": True, "acc-ann": False, "tempo-x": True}
