"""The words a person reads for orgpulse's ids, in the source language (English), marked for gettext.

Symptoms (title, claim, what to check before acting), levers (the brief's remedies), metrics (name
and unit), evidence and explain fields, severities, directions and verdicts. Every output — the
report, `analyze`, `explain` — names an id through these tables and a `Translator`; an id the
tables do not know (a detector added later) is shown humanised, in English, rather than hidden.
"""

from __future__ import annotations

from typing import Literal

from orgpulse.i18n import N_, Translator

Unit = Literal["share", "hours", "people", "count", "number"]

SYMPTOMS: dict[str, tuple[str, str]] = {
    "approval_bottleneck": (N_("Approval bottleneck"), N_("decisions wait on a few people outside the team")),
    "cross_team_blocking": (N_("Cross-team blocking"), N_("teams cannot move in parallel")),
    "meeting_driven_process": (N_("Meeting-driven process"), N_("coordination replaces collaboration")),
    "oversized_team": (N_("Oversized team"), N_("more than 7 people share one scope")),
    "diluted_ownership": (N_("Diluted ownership"), N_("nobody owns the result end to end")),
    "rigid_workflow": (N_("Rigid workflow"), N_("process matters more than flexibility")),
    "goal_disconnect": (N_("Goal disconnect"), N_("a task list instead of a direction")),
    "scattered_focus": (N_("Scattered focus"), N_("everyone on every front, so on none")),
}

# What to check by hand before acting on a row (docs/how-to-read.md, "Check").
CHECKS: dict[str, str] = {
    "approval_bottleneck": N_(
        "Are the approvers in the evidence really outside the team (a declared roster beats inferred "
        "membership)? Is the approval status a real decision gate, or a misnamed release step? Visits "
        "still open at the end of the week are listed apart."
    ),
    "cross_team_blocking": N_(
        "Which link types were read as blocking (orgpulse doctor)? Is the blocking team a platform team "
        "everyone depends on (a design choice) or a peer team (a coordination problem)? Blockers outside "
        "the synced projects are named by their project key and count as unresolved while linked."
    ),
    "meeting_driven_process": N_(
        "Does the slot in the evidence match a real recurring meeting? A release train can look like "
        "batching too."
    ),
    "oversized_team": N_(
        "Shared service accounts are excluded as bots; people helping out for a week count: compare "
        "with the declared roster."
    ),
    "diluted_ownership": N_(
        "A workflow where the assignee changes at each stage by design (dev, QA, ops) makes hand-offs "
        "without any dysfunction: read the evidence issues."
    ),
    "rigid_workflow": N_(
        "Unused statuses are the cheapest fix; waiting time after the commitment point is what the "
        "team feels."
    ),
    "goal_disconnect": N_(
        "Bugs and support work are legitimately unlinked in some teams: look at the types of the "
        "evidence issues."
    ),
    "scattered_focus": N_("Only ever aggregated per team: no person is named or ranked, by design."),
}
CHECK_ALWAYS = N_(
    "Before acting: look at the confidence factors, run orgpulse doctor to see the role each status "
    "was given, and open three of the evidence issues in the tracker."
)

# The brief's remedies (DESIGN.md, Diagnosis): lever -> (name, remedy, symptoms that evidence it).
LEVERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "decision_rights": (
        N_("Decision rights"),
        N_("give teams the power to decide inside their scope"),
        ("approval_bottleneck",),
    ),
    "dependencies": (
        N_("Dependencies"),
        N_("reduce dependencies so teams move in parallel"),
        ("cross_team_blocking",),
    ),
    "team_scope": (
        N_("Team scope"),
        N_("teams of at most 7 with a clear scope"),
        ("oversized_team", "scattered_focus"),
    ),
    "accountability": (
        N_("Accountability"),
        N_("one person accountable end to end (merge PO and PM)"),
        ("diluted_ownership",),
    ),
    "direction": (
        N_("Direction"),
        N_("set a course (objectives), not a task list"),
        ("goal_disconnect",),
    ),
    "process_weight": (
        N_("Process weight"),
        N_("simplify before adding process; collaboration over coordination"),
        ("rigid_workflow", "meeting_driven_process"),
    ),
}
LEVER_STATES = {
    "weak": N_("weak"),
    "at_risk": N_("at risk"),
    "sound": N_("sound"),
    "unknown": N_("unknown"),
}
VERDICTS = {
    "foundations_first": N_(
        "Fix the foundations first: at least one lever is weak in a quarter or more of the teams. "
        "A new role would paper over these causes."
    ),
    "foundations_sound": N_(
        "The foundations hold: no lever is weak in a quarter of the teams. Look at the teams one by one."
    ),
}
SEVERITIES = {
    "alert": N_("alert"),
    "watch": N_("watch"),
    "ok": N_("ok"),
    "insufficient_data": N_("not enough data"),
}
DIRECTIONS = {
    "worsening": N_("worsening"),
    "improving": N_("improving"),
    "stable": N_("stable"),
    None: N_("no baseline yet"),
}
OUTCOMES = {
    "improved": N_("improved"),
    "worsened": N_("worsened"),
    "no_clear_change": N_("no clear change"),
    "too_early": N_("too early to tell"),
}

METRICS: dict[str, tuple[str, Unit]] = {
    "approval_wait_share": (N_("Share of lead time in approval"), "share"),
    "approval_wait_p50_hours": (N_("Wait per approval visit, median"), "hours"),
    "approval_wait_p85_hours": (N_("Wait per approval visit, 85th percentile"), "hours"),
    "approver_concentration": (N_("Approval exits by the two most frequent approvers"), "share"),
    "external_approver_share": (N_("Approval exits by people outside the team"), "share"),
    "open_visits": (N_("Approval visits still open"), "count"),
    "open_visit_oldest_hours": (N_("Oldest open approval visit"), "hours"),
    "cross_team_blocked_share": (N_("In-progress issues blocked by another team"), "share"),
    "blocked_hours_p50": (N_("Blocked time per blocked issue, median"), "hours"),
    "open_blocked_issues": (N_("Issues still blocked"), "count"),
    "open_blocked_oldest_hours": (N_("Oldest open block"), "hours"),
    "coordination_share": (N_("Coordination issues among those created"), "share"),
    "meeting_wait_share": (N_("Share of lead time in committee statuses"), "share"),
    "decision_batching": (N_("Decisions released in one weekly slot"), "share"),
    "median_wait_for_slot_hours": (N_("Wait for the slot, median"), "hours"),
    "active_people": (N_("Active people"), "people"),
    "roster_size": (N_("Declared roster"), "people"),
    "handoffs_per_issue": (N_("Hand-offs per completed issue"), "number"),
    "multi_owner_share": (N_("Completed issues with 3 or more owners"), "share"),
    "ping_pong_share": (N_("Completed issues that went back and forth"), "share"),
    "unowned_wip_share": (N_("In-progress time with no assignee"), "share"),
    "team_crossings_per_issue": (N_("Team changes per completed issue"), "number"),
    "statuses_per_issue_p50": (N_("Statuses visited per issue, median"), "number"),
    "workflow_size": (N_("Statuses in the workflows"), "count"),
    "unused_status_share": (N_("Statuses almost never used"), "share"),
    "rework_share": (N_("Completed issues that moved backwards"), "share"),
    "queue_share": (N_("Share of cycle time spent waiting"), "share"),
    "unlinked_share": (N_("Created issues with no goal"), "share"),
    "wip_per_person_p50": (N_("Concurrent work per person, median"), "number"),
    "goals_per_person_p50": (N_("Goals per person, median"), "number"),
    # Flow (DESIGN.md, Diagnosis).
    "throughput": (N_("Throughput (issues completed)"), "count"),
    "wip": (N_("Work in progress (time-weighted)"), "number"),
    "cycle_p50_hours": (N_("Cycle time, median"), "hours"),
    "cycle_p85_hours": (N_("Cycle time, 85th percentile"), "hours"),
    "lead_p50_hours": (N_("Lead time, median"), "hours"),
    "lead_p85_hours": (N_("Lead time, 85th percentile"), "hours"),
    "flow_efficiency": (N_("Flow efficiency"), "share"),
    "wip_age_p85_hours": (N_("Age of work in progress, 85th percentile"), "hours"),
}

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


def symptom_title(t: Translator, symptom: str) -> str:
    known = SYMPTOMS.get(symptom)
    return t._(known[0]) if known else humanise(symptom)


def symptom_claim(t: Translator, symptom: str) -> str:
    known = SYMPTOMS.get(symptom)
    return t._(known[1]) if known else ""


def symptom_check(t: Translator, symptom: str) -> str:
    known = CHECKS.get(symptom)
    return t._(known) if known else ""


def lever_name(t: Translator, lever: str) -> str:
    known = LEVERS.get(lever)
    return t._(known[0]) if known else humanise(lever)


def lever_remedy(t: Translator, lever: str) -> str:
    known = LEVERS.get(lever)
    return t._(known[1]) if known else ""


def metric_name(t: Translator, metric: str) -> str:
    known = METRICS.get(metric)
    return t._(known[0]) if known else humanise(metric)


def metric_unit(metric: str) -> Unit:
    """The unit a metric is read in; unknown names guessed from their suffix."""
    known = METRICS.get(metric)
    if known:
        return known[1]
    if metric.endswith(("_share", "_concentration")):
        return "share"
    if metric.endswith("_hours"):
        return "hours"
    return "number"


def metric_value(t: Translator, metric: str, value: float | None) -> str:
    """A metric's value in its own unit: "23%", "52 h (2.2 d)", "9 people", "1.4"."""
    if value is None:
        return "—"
    unit = metric_unit(metric)
    if unit == "share":
        return t.share(value)
    if unit == "hours":
        return t.hours(value)
    if unit == "people":
        return t.n_("{n} person", "{n} people", round(value)).format(n=t.number(value, digits=0))
    if unit == "count":
        return t.number(value, digits=0)
    return t.number(value)


def field_name(t: Translator, key: str) -> str:
    known = FIELDS.get(key)
    if known:
        return t._(known)
    return metric_name(t, key).lower() if key in METRICS else humanise(key)


def severity_label(t: Translator, severity: str) -> str:
    known = SEVERITIES.get(severity)
    return t._(known) if known else severity


def direction_label(t: Translator, direction: str | None) -> str:
    known = DIRECTIONS.get(direction)
    return t._(known) if known else str(direction)


def state_label(t: Translator, state: str) -> str:
    known = LEVER_STATES.get(state)
    return t._(known) if known else state


def outcome_label(t: Translator, outcome: str) -> str:
    known = OUTCOMES.get(outcome)
    return t._(known) if known else outcome


def verdict_text(t: Translator, verdict: str) -> str:
    known = VERDICTS.get(verdict)
    return t._(known) if known else verdict


def explain_text(t: Translator, text: str) -> str:
    """A string stored in evidence or explain: known prose and role names translated, a weekly slot's
    weekday translated ("Tuesday 08:00–10:00"); anything else (status names, patterns, dates) as is."""
    if text in EXPLAIN_TEXTS:
        return t._(text)
    day, _, rest = text.partition(" ")
    if day in WEEKDAYS and rest[:1].isdigit():
        return f"{t._(day)} {rest}"
    return text


def humanise(name: str) -> str:
    """A snake_case id as words: "approval_wait_p50_hours" -> "Approval wait p50 hours"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]
