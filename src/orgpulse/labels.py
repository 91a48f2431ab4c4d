"""The words a person reads for orgpulse's ids, in the source language (English), marked for gettext.

Symptoms (title, claim, what to check before acting), levers (the brief's remedies), metrics (name
and unit), severities, directions and verdicts; the words of evidence and explain are in
`labels_evidence`. Every output — the
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


def _label(t: Translator, known: str | None, fallback: str) -> str:
    """A catalogue entry in the reader's language, or `fallback` for a name the catalogue lacks."""
    return t._(known) if known else fallback


def _part(entry: tuple[object, ...] | None, index: int) -> str | None:
    return str(entry[index]) if entry else None


def symptom_title(t: Translator, symptom: str) -> str:
    return _label(t, _part(SYMPTOMS.get(symptom), 0), humanise(symptom))


def symptom_claim(t: Translator, symptom: str) -> str:
    return _label(t, _part(SYMPTOMS.get(symptom), 1), "")


def symptom_check(t: Translator, symptom: str) -> str:
    return _label(t, CHECKS.get(symptom), "")


def lever_name(t: Translator, lever: str) -> str:
    return _label(t, _part(LEVERS.get(lever), 0), humanise(lever))


def lever_remedy(t: Translator, lever: str) -> str:
    return _label(t, _part(LEVERS.get(lever), 1), "")


def metric_name(t: Translator, metric: str) -> str:
    return _label(t, _part(METRICS.get(metric), 0), humanise(metric))


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


def severity_label(t: Translator, severity: str) -> str:
    return _label(t, SEVERITIES.get(severity), severity)


def direction_label(t: Translator, direction: str | None) -> str:
    return _label(t, DIRECTIONS.get(direction), str(direction))


def state_label(t: Translator, state: str) -> str:
    return _label(t, LEVER_STATES.get(state), state)


def outcome_label(t: Translator, outcome: str) -> str:
    return _label(t, OUTCOMES.get(outcome), outcome)


def verdict_text(t: Translator, verdict: str) -> str:
    return _label(t, VERDICTS.get(verdict), verdict)


def humanise(name: str) -> str:
    """A snake_case id as words: "approval_wait_p50_hours" -> "Approval wait p50 hours"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]
