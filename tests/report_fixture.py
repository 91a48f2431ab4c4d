"""A synthetic analysis run for the report tests: 12 teams × 26 weeks × 8 symptoms, stored as
`analyze` stores one, with the issues its evidence names (so keys link to the tracker).

Every alert and watch keeps 20 evidence items, the most `analyze` shows, so the report's size is
measured on a heavy period rather than a light one; likewise every team's week keeps as many
cycle-time points as `analyze` keeps at most (CYCLE_POINTS). Teams are Jira Cloud projects of
https://acme.atlassian.net, except GROWTH, a Linear team whose issues carry their Linear URL.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from orgpulse.analysis.flow import CYCLE_POINTS
from orgpulse.store import Store
from orgpulse.store import schema as t

TEAMS = ["PAY", "CORE", "WEB", "MOBILE", "DATA", "INFRA", "SEC", "OPS", "GROWTH", "SEARCH", "BILL", "AUTH"]
LINEAR_TEAM = "GROWTH"
JIRA_SITE = "https://acme.atlassian.net"
WEEKS = 26
FIRST_WEEK = date(2025, 1, 6)
LATEST_WEEK = FIRST_WEEK + timedelta(weeks=WEEKS - 1)
AS_OF = datetime(2025, 7, 7, 1, 0, tzinfo=UTC)
# symptom -> (decisive metric, watch, alert, another metric reported beside it)
SYMPTOMS = {
    "approval_bottleneck": ("approval_wait_share", 0.15, 0.25, "approval_wait_p50_hours"),
    "cross_team_blocking": ("cross_team_blocked_share", 0.10, 0.20, "blocked_hours_p50"),
    "meeting_driven_process": ("decision_batching", 0.4, 0.6, "median_wait_for_slot_hours"),
    "oversized_team": ("active_people", 7.0, 9.0, "roster_size"),
    "diluted_ownership": ("handoffs_per_issue", 1.5, 2.5, "ping_pong_share"),
    "rigid_workflow": ("queue_share", 0.5, 0.7, "rework_share"),
    "goal_disconnect": ("unlinked_share", 0.4, 0.6, ""),
    "scattered_focus": ("wip_per_person_p50", 3.0, 5.0, "goals_per_person_p50"),
}
SAMPLE_TEXT = "issues completed in W (team at completion)"  # a prose string detectors store
STATUS = "Awaiting approval"  # a status name from the tracker: never translated
PEOPLE = ["person-1a2b3c4d", "person-9f8e7d6c"]
# In the latest week: AUTH has two alerts, OPS one alert (low confidence), WEB one watch.
LATEST = {
    ("AUTH", "approval_bottleneck"): ("alert", 0.92, 0.9),
    ("AUTH", "cross_team_blocking"): ("alert", 0.81, 0.85),
    ("OPS", "cross_team_blocking"): ("alert", 0.78, 0.42),
    ("WEB", "approval_bottleneck"): ("watch", 0.61, 0.95),
}
ALERT_KEY = "AUTH-4242"
EVIDENCE_ITEMS = 20


def score_to_value(score: float, watch: float, alert: float) -> float:
    if score <= 0.5:
        return watch * score / 0.5
    if score <= 0.75:
        return watch + (alert - watch) * (score - 0.5) / 0.25
    return alert + (alert - watch) * (score - 0.75) / 0.25


def issue_key(team: str, i: int) -> str:
    return f"{team}-{100 + i}"


def linear_url(key: str) -> str:
    return f"https://linear.app/acme/issue/{key}/some-title"


def _evidence(team: str, symptom: str, n: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if symptom == "approval_bottleneck":
        items.append({"kind": "approvers", "people": PEOPLE, "external": PEOPLE[:1]})
    for i in range(n):
        key = ALERT_KEY if (team, symptom, i) == ("AUTH", "approval_bottleneck", 0) else issue_key(team, i)
        if symptom == "cross_team_blocking":
            items.append(
                {"kind": "blocked_issue", "issue": key, "hours": 12.25 + i, "blocked_by": [f"CORE-{107 + i}"]}
            )
        else:
            items.append({"kind": "visit", "issue": key, "status": STATUS, "hours": 30.5 + i})
    if symptom == "cross_team_blocking":
        items.append({"kind": "team_pair", "blocked_team": team, "blocking_team": "CORE", "issues": 3})
    return items


def rows(run_id: str, *, seed: int, team_suffix: str = "") -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    symptoms: list[dict[str, Any]] = []
    metrics: list[dict[str, Any]] = []
    for team in TEAMS:
        for symptom, (metric, watch, alert, other) in SYMPTOMS.items():
            # Most (team, symptom) pairs are calm; one in eight is a troubled one, in alert half the time.
            level = 0.74 if rng.random() < 0.125 else rng.uniform(0.05, 0.4)
            history: list[float | None] = []
            for w in range(WEEKS):
                week = FIRST_WEEK + timedelta(weeks=w)
                score: float | None = min(1.0, max(0.0, level + rng.gauss(0, 0.12)))
                severity = "alert" if score >= 0.75 else "watch" if score >= 0.5 else "ok"
                confidence = round(rng.uniform(0.6, 1.0), 3)
                if w == 3 and team == "SEC":
                    score, severity = None, "insufficient_data"
                if week == LATEST_WEEK:
                    severity, score, confidence = LATEST.get((team, symptom), ("ok", 0.2, 0.9))
                before = [s for s in history[-4:] if s is not None]
                direction = None
                if score is not None and len(before) >= 2:
                    delta = score - sum(before) / len(before)
                    direction = "worsening" if delta >= 0.05 else "improving" if delta <= -0.05 else "stable"
                history.append(score)
                value = None if score is None else round(score_to_value(score, watch, alert), 4)
                n = EVIDENCE_ITEMS if severity in ("alert", "watch") else 3
                symptoms.append(
                    {
                        "run_id": run_id,
                        "team": team + team_suffix,
                        "week_start": week,
                        "symptom": symptom,
                        "severity": severity,
                        "score": score,
                        "direction": direction,
                        "confidence": confidence,
                        "sample_size": 12,
                        "evidence": json.dumps(_evidence(team, symptom, n)),
                        "explain": json.dumps(
                            {
                                "thresholds": {metric: {"watch": watch, "alert": alert}, "min_sample": 5},
                                "sample": SAMPLE_TEXT,
                                "confidence_factors": {
                                    "history_complete_share": 1.0,
                                    "known_role_share": confidence,
                                    "team_mapped_share": 1.0,
                                },
                                "low_confidence": confidence < 0.5,
                                "open_visits": {"count": 1, "oldest_age_hours": 52.0},
                            }
                        ),
                    }
                )
                beside = None if value is None else value * 10 if other.endswith("hours") else value / 2
                for name, v in ((metric, value), (other, beside)):
                    if not name:
                        continue
                    metrics.append(
                        {
                            "run_id": run_id,
                            "team": team + team_suffix,
                            "week_start": week,
                            "symptom": symptom,
                            "metric": name,
                            "value": v,
                        }
                    )
    dependencies: list[dict[str, Any]] = []
    for w in range(WEEKS):
        week = FIRST_WEEK + timedelta(weeks=w)
        for blocked in TEAMS:
            for blocking in rng.sample([*TEAMS, "LEGACY"], 3):
                if blocking != blocked:
                    dependencies.append(
                        {
                            "run_id": run_id,
                            "week_start": week,
                            "blocked_team": blocked + team_suffix,
                            "blocking_team": blocking,
                            "blocked_issues": rng.randint(1, 6),
                            "blocked_hours": round(rng.uniform(5, 300), 1),
                        }
                    )
    return {
        "symptom_rows": symptoms,
        "metric_rows": metrics,
        "dependency_rows": dependencies,
        **diagnosis(run_id, symptoms, rng),
    }


STATUSES = ["In Progress", "Code Review", STATUS, "Blocked", "QA", "Ready for release", "Done soon"]
INTERVENTION = "2025-04-14 decision_rights AUTH,WEB"


def diagnosis(
    run_id: str, symptoms: list[dict[str, Any]], rng: random.Random
) -> dict[str, list[dict[str, Any]]]:
    """The diagnosis tables `analyze` writes beside the symptom rows: lever states from the severities
    (DESIGN.md's rule), each team's flow and status time per week, an intervention's effects."""
    from orgpulse.analysis.levers import LEVER_OF, lever_state
    from orgpulse.analysis.result import Severity

    by_lever: dict[tuple[str, date, str], list[dict[str, Any]]] = {}
    for row in symptoms:
        by_lever.setdefault((row["team"], row["week_start"], LEVER_OF[row["symptom"]]), []).append(row)
    levers = [
        {
            "run_id": run_id,
            "team": team,
            "week_start": week,
            "lever": lever,
            "state": lever_state([Severity(r["severity"]) for r in rows]).value,
            "cost_hours": round(rng.uniform(10, 400), 1) if lever != "direction" else None,
            "confidence": min(r["confidence"] for r in rows),
        }
        for (team, week, lever), rows in by_lever.items()
    ]
    flow: list[dict[str, Any]] = []
    status_time: list[dict[str, Any]] = []
    cycle_times: list[dict[str, Any]] = []
    for team in {r["team"] for r in symptoms}:
        for w in range(WEEKS):
            week = FIRST_WEEK + timedelta(weeks=w)
            p50 = rng.uniform(20, 120)
            values = {
                "throughput": float(rng.randint(3, 14)),
                "wip": round(rng.uniform(4, 12), 2),
                "cycle_p50_hours": p50,
                "cycle_p85_hours": p50 * rng.uniform(1.5, 3),
                "lead_p50_hours": p50 * 2,
                "lead_p85_hours": p50 * 4,
                "flow_efficiency": rng.uniform(0.2, 0.6),
                "wip_age_p85_hours": rng.uniform(50, 400),
            }
            flow += [
                {"run_id": run_id, "team": team, "week_start": week, "metric": m, "value": v}
                for m, v in values.items()
            ]
            # As many issues as analyze keeps at most per team and week: the heaviest scatter.
            cycle_times += [
                {
                    "run_id": run_id,
                    "team": team,
                    "week_start": week,
                    # The first of each week is an issue the store holds: its dot links to the tracker.
                    "issue": issue_key(team, w % EVIDENCE_ITEMS)
                    if i == 0
                    else f"{team}-{1000 + w * CYCLE_POINTS + i}",
                    "cycle_hours": round(rng.lognormvariate(4, 0.8), 2),
                }
                for i in range(CYCLE_POINTS)
            ]
            hours = {s: rng.uniform(1, 60) for s in STATUSES}
            total = sum(hours.values())
            status_time += [
                {
                    "run_id": run_id,
                    "team": team,
                    "week_start": week,
                    "status": s,
                    "hours": h,
                    "share": h / total,
                }
                for s, h in hours.items()
            ]
    effects = [
        {
            "run_id": run_id,
            "intervention": INTERVENTION,
            "team": team,
            "metric": "approval_wait_share",
            "before": 0.31,
            "after": 0.12 if team == "AUTH" else 0.29,
            "p_value": 0.004 if team == "AUTH" else 0.41,
            "outcome": "improved" if team == "AUTH" else "no_clear_change",
        }
        for team in ("AUTH", "WEB")
        if team in {r["team"] for r in symptoms}
    ]
    return {
        "diagnosis_rows": levers,
        "flow_rows": flow,
        "status_time_rows": status_time,
        "effect_rows": effects,
        "cycle_time_rows": cycle_times,
    }


def add_issues(store: Store) -> None:
    """The sources and the issues the evidence names: Jira Cloud projects, and GROWTH on Linear."""
    at = AS_OF - timedelta(days=200)
    issue_rows = []
    for team in TEAMS:
        source = "acme-linear" if team == LINEAR_TEAM else "acme-cloud"
        keys = [issue_key(team, i) for i in range(EVIDENCE_ITEMS)] + ([ALERT_KEY] if team == "AUTH" else [])
        for key in keys:
            issue_rows.append(
                {
                    "source": source,
                    "issue_id": f"{source}:{key}",
                    "key": key,
                    "project_key": team,
                    "team_key": team,
                    "type_name": "Story",
                    "is_epic": False,
                    "title": "a title",
                    "labels": "[]",
                    "created": at,
                    "updated": at,
                    "status_id": "1",
                    "flagged": False,
                    "history_complete": True,
                    "components": "[]",
                    "fetched_at": at,
                    "url": linear_url(key) if source == "acme-linear" else None,
                }
            )
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(t.sources),
            [
                {"name": "acme-cloud", "kind": "jira_cloud", "url": JIRA_SITE},
                {"name": "acme-linear", "kind": "linear", "url": "https://api.linear.app/graphql"},
            ],
        )
        conn.execute(sa.insert(t.issues), issue_rows)


def add_run(
    store: Store, run_id: str, *, trigger: str = "manual", at: datetime, seed: int = 1, team_suffix: str = ""
) -> None:
    store.start_run(
        run_id, trigger=trigger, as_of=at, weeks=WEEKS, timezone="Europe/Paris", fingerprint="f" * 16, now=at
    )
    store.finish_run(
        run_id, **rows(run_id, seed=seed, team_suffix=team_suffix), now=at + timedelta(minutes=3)
    )


def count_rows(store: Store, run_id: str, severity: str) -> int:
    s = t.symptom_trends
    query = sa.select(sa.func.count()).where(s.c.run_id == run_id, s.c.severity == severity)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


# -- finding English in a French page ------------------------------------------------------------

# Common English words that are not French words, beside those of the catalogue's source strings.
ENGLISH_WORDS = {
    "the", "of", "and", "to", "with", "for", "is", "are", "this", "that", "week", "weeks", "team",
    "teams", "alert", "alerts", "watch", "watches", "issue", "issues", "hours", "share", "people",
    "yes", "from", "at", "or", "before", "after", "each", "every", "all", "not", "enough", "data",
    "run", "trigger", "finished", "written", "evidence", "severity", "direction", "confidence",
    "sample", "symptom", "symptoms", "lever", "levers", "weak", "risk", "sound", "unknown", "how",
    "read", "what", "check", "acting", "worsening", "improving", "blocked", "blocking", "waits",
    "shown", "rows", "value", "metric", "none", "period", "zone", "time",
}  # fmt: skip
WORD = r"[^\W\d_][^\W\d_'’-]*"


def english_in(text: str, allowed: set[str]) -> set[str]:
    """The words of `text` that are English and not French (the catalogue's English words, minus
    every word its French translations use, plus common English words), apart from `allowed`."""
    import re

    from babel.messages.mofile import read_mo

    from orgpulse.i18n import catalogue_path

    with catalogue_path("fr").open("rb") as compiled:
        catalogue = read_mo(compiled)
    english: set[str] = set(ENGLISH_WORDS)
    french: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, list | tuple) else (message.id,)
        strings = message.string if isinstance(message.string, list | tuple) else (message.string,)
        english |= {w.lower() for s in ids for w in re.findall(WORD, s)}
        french |= {w.lower() for s in strings for w in re.findall(WORD, s)}
    foreign = english - french - {"orgpulse", "doctor", "explain", "w"}
    words = {w.lower() for w in re.findall(WORD, text)}
    return {w for w in words if w in foreign} - {a.lower() for a in allowed}
