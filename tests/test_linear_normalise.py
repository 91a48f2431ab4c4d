"""Linear normalisers on real payloads (shared/api/linear/samples) and small hand-made ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from conftest import shared_path
from orgpulse.connectors.linear.normalise import PROJECT_PREFIX, bot_person, normalise_issue
from orgpulse.connectors.linear.normalise_meta import (
    category_of,
    normalise_team,
    normalise_users,
    normalise_workflow_states,
    parse_linear_datetime,
)
from orgpulse.errors import SchemaDriftError
from orgpulse.model import Category, LinkKind, Status, WorkflowStatus


def recorded(name: str) -> list[dict[str, Any]]:
    """The JSON bodies of a saved go-vcr cassette, in order."""
    cassette = yaml.safe_load(shared_path("api", "linear", "samples", name).read_text(encoding="utf-8"))
    return [json.loads(i["response"]["body"]) for i in cassette["interactions"]]


def at(minute: int) -> str:
    return f"2026-03-02T09:{minute:02d}:00.000Z"


def entry(n: int, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": f"h{n}", "createdAt": at(n), "actorId": "u1", "botActor": None}
    base.update(changes)
    return base


def issue(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "i1",
        "identifier": "ENG-1",
        "url": "https://linear.app/acme/issue/ENG-1/ship-it",
        "title": "Ship it",
        "priorityLabel": "High",
        "createdAt": at(0),
        "updatedAt": at(30),
        "archivedAt": None,
        "completedAt": None,
        "canceledAt": None,
        "trashed": None,
        "labelIds": ["l1", "l-new"],
        "team": {"id": "t-eng", "key": "ENG"},
        "state": {"id": "s-started", "name": "In Progress", "type": "started"},
        "assignee": {"id": "u2"},
        "project": None,
        "parent": None,
        "history": {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}},
        "relations": {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}},
        "inverseRelations": {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}},
    }
    doc.update(overrides)
    return doc


def connection(*rows: dict[str, Any], more: bool = False) -> dict[str, Any]:
    return {
        "nodes": list(rows),
        "pageInfo": {"hasNextPage": more, "endCursor": rows[-1]["id"] if rows else None},
    }


# -- real payloads --------------------------------------------------------------------------------


def test_the_recorded_issue_normalises() -> None:
    payload = recorded("get_issue_handler_Valid_issue.yaml")[1]["data"]["issue"]
    batch = normalise_issue(payload, keep_raw=True)
    assert batch.quarantined == []
    (found,) = batch.issues
    assert (found.issue_id, found.key, found.team_key, found.project_key) == (
        "1c2de93f-4321-4015-bfde-ee893ef7976f",
        "TEST-10",
        "TEST",
        "TEST",
    )
    assert found.created == datetime(2025, 3, 3, 11, 34, 49, 241000, tzinfo=UTC)
    assert found.updated.tzinfo is UTC
    assert found.assignee_id == "cc24eee4-9edc-4bfe-b91b-fedde125ba85"
    # Linear's own page of the issue, where the report's evidence links to.
    assert found.url == "https://linear.app/linear-mcp-go-test/issue/TEST-10/updated-test-issue"
    # The project is the goal parent, namespaced so it never clashes with an issue id.
    assert found.parent_id == PROJECT_PREFIX + "01bff2dd-ab7f-4464-b425-97073862013f"
    assert found.parent_key == "MCP tool investigation"
    assert not found.is_epic
    assert found.resolved is None
    # The recording selected no state type: the status is kept, its category marked unknown.
    assert batch.statuses == [Status("42f7ad15-fca3-4d11-b349-0e3c1385c256", "Backlog", Category.TODO, False)]
    assert batch.links == []
    # It selected no history either: nothing vouches for completeness.
    assert batch.history_complete == {found.issue_id: False}
    assert batch.raw[0][:2] == ("linear_issue", found.issue_id)


def test_recorded_search_results_without_times_are_quarantined_not_dropped() -> None:
    nodes = recorded("search_issues_handler_Search_by_team.yaml")[0]["data"]["issues"]["nodes"]
    assert len(nodes) == 5
    for payload in nodes:
        batch = normalise_issue(payload)
        assert batch.issues == []
        (bad,) = batch.quarantined
        assert bad.native_id == payload["id"]
        assert bad.kind == "linear_issue"
        assert "team" in bad.reason
        assert json.loads(bad.payload)["identifier"] == payload["identifier"]


def test_the_recorded_team_and_its_states() -> None:
    (team,) = recorded("get_teams_handler_Get_Teams.yaml")[0]["data"]["teams"]["nodes"]
    team_id, key, members = normalise_team(team)
    assert (team_id, key, members) == ("234c5451-a839-4c8f-98d9-da00973f1060", "TEST", [])
    statuses, workflows, bad = normalise_workflow_states(team["states"]["nodes"])
    assert bad == []
    assert workflows == []
    assert [s.name for s in statuses] == ["Done", "Todo", "Backlog", "Canceled", "Duplicate", "In Progress"]
    assert all(not s.category_known for s in statuses)


def test_recorded_comment_authors_are_people() -> None:
    bodies = recorded("get_issue_comments_handler_Thread_with_pagination.yaml")
    users = [
        node["user"]
        for body in bodies
        for node in (body.get("data") or {}).get("issue", {}).get("comments", {}).get("nodes", [])
        if isinstance(node, dict) and node.get("user")
    ]
    people, bad = normalise_users(users)
    assert bad == []
    assert people
    assert all(p.person_id and not p.is_bot for p in people)


# -- hand-made ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state_type", "category", "known"),
    [
        ("triage", Category.TODO, True),
        ("backlog", Category.TODO, True),
        ("unstarted", Category.TODO, True),
        ("started", Category.IN_PROGRESS, True),
        ("completed", Category.DONE, True),
        ("canceled", Category.CANCELED, True),
        ("duplicate", Category.CANCELED, True),
        ("paused", Category.TODO, False),
        (None, Category.TODO, False),
    ],
)
def test_state_types_map_to_categories(state_type: str | None, category: Category, known: bool) -> None:
    assert category_of(state_type) == (category, known)


def test_workflows_list_the_live_states_of_the_chosen_teams() -> None:
    states = [
        {
            "id": "s1",
            "name": "Todo",
            "type": "unstarted",
            "archivedAt": None,
            "team": {"id": "t1", "key": "ENG"},
        },
        {
            "id": "s2",
            "name": "Old",
            "type": "started",
            "archivedAt": at(1),
            "team": {"id": "t1", "key": "ENG"},
        },
        {
            "id": "s3",
            "name": "Todo",
            "type": "unstarted",
            "archivedAt": None,
            "team": {"id": "t2", "key": "OPS"},
        },
        {"name": "no id", "type": "started"},
    ]
    statuses, workflows, bad = normalise_workflow_states(states, {"ENG"})
    assert [s.status_id for s in statuses] == ["s1", "s2", "s3"]  # archived states still name old rows
    assert workflows == [WorkflowStatus("ENG", "s1")]
    assert [b.kind for b in bad] == ["linear_state"]
    assert len(normalise_workflow_states(states)[1]) == 2


def test_users_disabled_and_apps() -> None:
    people, bad = normalise_users(
        [
            {"id": "u1", "name": "Ada", "displayName": "ada", "active": True, "app": False},
            {"id": "u2", "name": "Gone", "displayName": "", "active": False, "app": False},
            {"id": "u3", "name": "GitHub", "displayName": "github", "active": True, "app": True},
            {"name": "no id"},
        ]
    )
    assert [(p.person_id, p.display_name, p.is_bot) for p in people] == [
        ("u1", "ada", False),
        ("u2", "Gone", False),
        ("u3", "github", True),
    ]
    assert len(bad) == 1


def test_team_memberships_with_leavers() -> None:
    team = {
        "id": "t1",
        "key": "ENG",
        "memberships": connection(
            {"id": "m1", "owner": True, "createdAt": at(1), "archivedAt": None, "user": {"id": "u1"}},
            {"id": "m2", "owner": False, "createdAt": at(2), "archivedAt": at(9), "user": {"id": "u2"}},
            {"id": "m3", "owner": False, "createdAt": at(2), "archivedAt": None, "user": None},
        ),
    }
    _, _, members = normalise_team(team)
    assert [(m.person_id, m.owner, m.until is not None) for m in members] == [
        ("u1", True, False),
        ("u2", False, True),
    ]
    with pytest.raises(SchemaDriftError):
        normalise_team({"id": "t2"})


def test_times_are_aware_utc_or_refused() -> None:
    assert parse_linear_datetime("2026-03-02T10:00:00.000+01:00") == datetime(2026, 3, 2, 9, tzinfo=UTC)
    for bad in ("2026-03-02T10:00:00", "yesterday", None, ""):
        with pytest.raises(SchemaDriftError):
            parse_linear_datetime(bad)


def test_history_becomes_histories_and_changes() -> None:
    history = connection(
        entry(3, fromStateId="s-todo", toStateId="s-started", fromAssigneeId=None, toAssigneeId="u2"),
        entry(1, title_only=True),  # a title edit: a history entry with no change orgpulse reads
        entry(
            5,
            actorId=None,
            botActor={"id": "bot-gh", "name": "GitHub", "type": "github"},
            fromStateId="s-started",
            toStateId="s-done",
        ),
        entry(7, actorId=None, fromTeamId="t-ops", toTeamId="t-eng"),
        entry(
            8,
            actorId=None,
            botActor={"id": None, "name": "Triage", "type": "workflow"},
            fromAssigneeId="u2",
            toAssigneeId=None,
        ),
        entry(5, fromStateId="dup", toStateId="dup"),  # the same id twice: kept once
    )
    batch = normalise_issue(issue(history=history), team_keys={"t-eng": "ENG", "t-ops": "OPS"})
    assert [h.history_id for h in batch.histories] == ["h1", "h3", "h5", "h7", "h8"]
    assert [h.item_count for h in batch.histories] == [0, 2, 1, 1, 1]
    assert [(c.from_status, c.to_status, c.actor_id) for c in batch.status_changes] == [
        ("s-todo", "s-started", "u1"),
        ("s-started", "s-done", "bot-gh"),
    ]
    assert [(c.from_person, c.to_person, c.actor_id) for c in batch.assignee_changes] == [
        (None, "u2", "u1"),
        ("u2", None, "bot:workflow:Triage"),
    ]
    assert [(c.from_team, c.to_team, c.actor_id) for c in batch.team_changes] == [("OPS", "ENG", None)]
    assert {(p.person_id, p.is_bot) for p in batch.people} == {
        ("bot-gh", True),
        ("bot:workflow:Triage", True),
    }
    keys = {(c.history_id, c.item_index) for c in [*batch.status_changes, *batch.assignee_changes]}
    assert len(keys) == 4  # (history id, item index) never collide
    assert all(c.at.tzinfo is UTC for c in batch.status_changes)
    assert batch.history_complete == {"i1": True}


def test_a_history_with_a_next_page_is_incomplete_and_a_bad_entry_is_quarantined() -> None:
    history = connection(
        entry(1, fromStateId="a", toStateId="b"), {"id": "h2", "createdAt": "never"}, more=True
    )
    batch = normalise_issue(issue(history=history))
    assert batch.history_complete == {"i1": False}
    assert [q.native_id for q in batch.quarantined] == ["i1:h2"]
    assert len(batch.status_changes) == 1


def test_projects_and_parents_make_one_goal_timeline() -> None:
    history = connection(
        entry(1, fromParentId=None, toParentId="i-parent"),
        entry(2, fromProjectId=None, toProjectId="p1"),
        entry(3, fromParentId="i-parent", toParentId=None),  # the project still holds the goal
        entry(4, fromProjectId="p1", toProjectId="p2"),
    )
    payload = issue(history=history, project={"id": "p2", "name": "Payments v2"}, parent=None)
    batch = normalise_issue(payload)
    (found,) = batch.issues
    assert (found.parent_id, found.parent_key) == ("project:p2", "Payments v2")
    assert [
        (c.history_id, c.from_parent_id, c.to_parent_id, c.to_parent_key) for c in batch.parent_changes
    ] == [
        ("h1", None, "i-parent", None),
        ("h2", "i-parent", "project:p1", None),
        ("h4", "project:p1", "project:p2", "Payments v2"),
    ]
    assert [h.item_count for h in batch.histories] == [1, 1, 1, 1]
    assert {c.item_index for c in batch.parent_changes} == {3}


def test_a_sub_issue_without_project_has_its_parent_issue_as_parent() -> None:
    batch = normalise_issue(issue(parent={"id": "i0", "identifier": "ENG-0"}))
    assert (batch.issues[0].parent_id, batch.issues[0].parent_key) == ("i0", "ENG-0")


def test_labels_priority_resolution_and_archived_issues() -> None:
    payload = issue(
        archivedAt=at(40),
        completedAt=at(20),
        state={"id": "s-done", "name": "Done", "type": "completed"},
    )
    batch = normalise_issue(payload, label_names={"l1": "meeting"})
    (found,) = batch.issues
    assert found.labels == ("meeting", "l-new")  # an unknown label keeps its id
    assert found.priority == "High"
    assert found.resolved == parse_linear_datetime(at(20))
    assert batch.statuses[0].category is Category.DONE


def relation(
    rel_id: str, kind: str, other: str, *, outward: bool, archived: str | None = None
) -> dict[str, Any]:
    far = {
        "id": f"id-{other}",
        "identifier": other,
        "completedAt": None,
        "canceledAt": at(3) if other == "OPS-9" else None,
    }
    doc: dict[str, Any] = {"id": rel_id, "type": kind, "createdAt": at(1), "archivedAt": archived}
    doc["relatedIssue" if outward else "issue"] = far
    return doc


def test_relations_both_ways_and_their_kinds() -> None:
    blocker = issue(
        relations=connection(
            relation("r1", "blocks", "ENG-2", outward=True),
            relation("r2", "duplicate", "ENG-3", outward=True),
            relation("r3", "similar", "ENG-4", outward=True),
            relation("r4", "blocks", "ENG-5", outward=True, archived=at(9)),
            relation("r5", "somethingNew", "ENG-6", outward=True),
        ),
        inverseRelations=connection(relation("r6", "blocks", "OPS-9", outward=False)),
    )
    links = {link.link_id: link for link in normalise_issue(blocker).links}
    r1 = links["r1"]
    assert (r1.kind, r1.from_issue_key, r1.to_issue_key, r1.from_issue_id, r1.to_issue_id) == (
        LinkKind.BLOCKS,
        "ENG-1",
        "ENG-2",
        "i1",
        "id-ENG-2",
    )
    assert (r1.from_done, r1.to_done, r1.created_at) == (False, False, parse_linear_datetime(at(1)))
    assert links["r2"].kind is LinkKind.DUPLICATES
    assert links["r3"].kind is LinkKind.RELATES
    assert links["r4"].removed_at == parse_linear_datetime(at(9))
    assert links["r5"].kind is LinkKind.RELATES
    assert links["r5"].type_id == "somethingNew"
    # Seen from the blocked side, the blocker is the inverse relation's `issue`.
    r6 = links["r6"]
    assert (r6.kind, r6.from_issue_key, r6.to_issue_key, r6.from_done, r6.to_done) == (
        LinkKind.BLOCKS,
        "OPS-9",
        "ENG-1",
        True,
        False,
    )


def test_both_sides_of_a_relation_give_the_same_link() -> None:
    a = issue(relations=connection(relation("r1", "blocks", "ENG-2", outward=True)))
    b_relation = relation("r1", "blocks", "ENG-1", outward=False)
    b_relation["issue"]["id"] = "i1"
    b = issue(
        id="id-ENG-2",
        identifier="ENG-2",
        state={"id": "s-todo", "name": "Todo", "type": "unstarted"},
        inverseRelations=connection(b_relation),
    )
    assert normalise_issue(a).links == normalise_issue(b).links


def test_a_relation_without_its_far_side_is_quarantined() -> None:
    broken = {"id": "r9", "type": "blocks", "createdAt": at(1), "archivedAt": None, "relatedIssue": None}
    batch = normalise_issue(issue(relations=connection(broken)))
    assert batch.links == []
    assert [q.kind for q in batch.quarantined] == ["linear_relation"]
    assert len(batch.issues) == 1


def test_bot_persons() -> None:
    assert bot_person(None) is None
    assert bot_person({"id": "b1", "name": "Zapier", "type": "zapier"}).is_bot  # type: ignore[union-attr]
