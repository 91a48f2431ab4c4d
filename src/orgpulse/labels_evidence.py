"""The words of stored evidence and explain, in the source language (English), marked for gettext.

The keys of evidence and explain items (the detectors' own names) as column headings, and the prose
detectors store in `explain` with the status roles they name. Like `labels`, an id these tables do
not know is shown humanised, in English.
"""

from __future__ import annotations

from orgpulse.i18n import N_, Translator
from orgpulse.labels import METRICS, humanise, metric_name

# Keys of stored evidence and explain items (the detectors' own names), as column headings.
FIELDS: dict[str, str] = {
    "active_people": N_("active people"),
    "alert": N_("alert at"),
    "approval_exits": N_("approval exits"),
    "approvers": N_("approvers"),
    "batching_window": N_("batching window"),
    "blocked": N_("blocked"),
    "blocked_by": N_("blocked by"),
    "blocked_episode": N_("blocked episode"),
    "blocked_issue": N_("blocked issue"),
    "blocked_team": N_("blocked team"),
    "blocker_done_now": N_("blockers done today"),
    "blocking_team": N_("blocking team"),
    "blocking_teams": N_("blocking teams"),
    "bot_exits_excluded": N_("bot exits left out"),
    "completed": N_("completed"),
    "completed_issue": N_("completed issue"),
    "concurrent_hours": N_("concurrent hours"),
    "concurrent_issue": N_("concurrent issue"),
    "confidence": N_("confidence"),
    "confidence_factors": N_("confidence factors"),
    "coordination_artefacts": N_("coordination issues"),
    "coordination_issue": N_("coordination issue"),
    "coordination_patterns": N_("coordination patterns"),
    "cost": N_("waiting cost"),
    "count": N_("count"),
    "counted": N_("counted"),
    "created": N_("created"),
    "cycle_hours": N_("cycle hours"),
    "decision_exits": N_("decision exits"),
    "entered": N_("entered"),
    "exits": N_("exits"),
    "exits_in_slot": N_("exits in the slot"),
    "external": N_("outside the team"),
    "from_team": N_("from team"),
    "gate": N_("gate"),
    "goal": N_("goal"),
    "handoffs": N_("hand-offs"),
    "history_complete_share": N_("share of complete histories"),
    "hours": N_("hours"),
    "in_progress": N_("in progress"),
    "issue": N_("issue"),
    "issue_key": N_("issue"),
    "issue_count": N_("issues counted"),
    "issues": N_("issues"),
    "item": N_("item"),
    "key": N_("issue"),
    "kind": N_("kind"),
    "known_role_share": N_("share of time in statuses with a known role"),
    "lead_hours": N_("lead hours"),
    "level": N_("level"),
    "link_days": N_("days to link a goal"),
    "low_confidence": N_("low confidence"),
    "members": N_("members"),
    "min_sample": N_("minimum sample"),
    "not_on_roster": N_("not on the roster"),
    "of": N_("of"),
    "oldest_age_hours": N_("oldest, hours"),
    "on_roster_not_active": N_("on the roster, not active"),
    "open_episode": N_("open episode"),
    "open_episodes": N_("open episodes"),
    "open_visit": N_("open visit"),
    "open_visits": N_("open visits"),
    "outside_blockers": N_("blockers outside the sync"),
    "owners": N_("owners"),
    "passed": N_("passed"),
    "people": N_("people"),
    "ping_pong": N_("back and forth"),
    "privacy": N_("privacy"),
    "queue_roles": N_("waiting roles"),
    "released_in_slot": N_("released in the slot"),
    "rework": N_("rework"),
    "role": N_("role"),
    "roster": N_("roster"),
    "sample": N_("sample"),
    "sample_issue_keys": N_("sample issues"),
    "sample_size": N_("sample size"),
    "share": N_("share"),
    "slot": N_("slot"),
    "source": N_("source"),
    "status": N_("status"),
    "statuses": N_("statuses"),
    "strict": N_("strict"),
    "team": N_("team"),
    "team_crossings": N_("team changes"),
    "team_mapped_share": N_("share of issues mapped to a team"),
    "team_pair": N_("team pair"),
    "thresholds": N_("thresholds"),
    "timezone": N_("time zone"),
    "to_team": N_("to team"),
    "touched_issue": N_("touched issue"),
    "trailing_window": N_("trailing window"),
    "unlinked": N_("unlinked"),
    "unlinked_issue": N_("unlinked issue"),
    "unowned_wip": N_("unowned work in progress"),
    "unused_entry_share": N_("unused below"),
    "unused_status": N_("unused status"),
    "unused_status_window": N_("window for unused statuses"),
    "unused_weeks": N_("weeks for unused statuses"),
    "unit": N_("unit"),
    "value": N_("value"),
    "visit": N_("visit"),
    "visits": N_("visits"),
    "watch": N_("watch at"),
    "week": N_("week"),
}

# The prose detectors store in `explain` (their exact words), and the status roles they name.
EXPLAIN_TEXTS: tuple[str, ...] = (
    N_(
        "a blocker outside the synced projects counts as unresolved while the link lives, owned by its "
        "project key (blocker_done_now lists those done today)"
    ),
    N_(
        "a parent epic, Linear project or initiative, or a parent outside the synced projects, reached "
        "through the parent chain; a parent story is not a goal"
    ),
    N_("changes between two different human assignees; unassigned spells and bots are ignored"),
    N_("human exits from approval and meeting statuses in W-5..W"),
    N_("human exits from approval statuses in W-3..W"),
    N_("issues completed in W (team at completion)"),
    N_("issues created in W (team at creation), epics excluded"),
    N_("issues in progress during W (more than 0 s after commitment, before completion)"),
    N_("people assigned to the team's in-progress issues during W"),
    N_(
        "people who were assignee of, or moved, at least 3 of the team's issues in W-3..W (approval and "
        "meeting exits aside); bots never count"
    ),
    N_("person-level values are aggregated per team; no person is named or ranked"),
    N_("the team's issues touched (assigned or moved) in W-3..W"),
    # What a finding's waiting cost counted (explain's "cost").
    N_("hours in approval statuses"),
    N_("hours in meeting statuses"),
    N_("hours with an open blocker owned by another team (union over blockers)"),
    N_("hours of committed issues in queue, approval, meeting and blocked statuses"),
    N_("in-progress issue-hours with no assignee"),
    N_("issue-hours inside the week"),
    N_("active"),
    N_("queue"),
    N_("approval"),
    N_("blocked"),
    N_("meeting"),
    N_("review"),
    N_("none"),
)
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def field_name(t: Translator, key: str) -> str:
    known = FIELDS.get(key)
    if known:
        return t._(known)
    return metric_name(t, key).lower() if key in METRICS else humanise(key)


def explain_text(t: Translator, text: str) -> str:
    """A string stored in evidence or explain: known prose and role names translated, a weekly slot's
    weekday translated ("Tuesday 08:00–10:00"); anything else (status names, patterns, dates) as is."""
    if text in EXPLAIN_TEXTS:
        return t._(text)
    day, _, rest = text.partition(" ")
    if day in WEEKDAYS and rest[:1].isdigit():
        return f"{t._(day)} {rest}"
    return text
