"""The diagnosis of an analysis as rows of its trend tables (diagnosis, flow, status time, effects)."""

from __future__ import annotations

from typing import Any

from orgpulse.analysis.result import AnalysisResult


def diagnosis_rows(run_id: str, result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "team": row.team,
            "week_start": row.week_start,
            "lever": row.lever,
            "state": row.state.value,
            "cost_hours": row.cost_hours,
            "confidence": row.confidence,
        }
        for row in result.diagnosis.teams
    ]


def flow_rows(run_id: str, result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {"run_id": run_id, "team": row.team, "week_start": row.week_start, "metric": name, "value": value}
        for row in result.flow
        for name, value in row.metrics.items()
    ]


def status_time_rows(run_id: str, result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "team": row.team,
            "week_start": row.week_start,
            "status": spent.status,
            "hours": spent.hours,
            "share": spent.share,
        }
        for row in result.flow
        for spent in row.status_time
    ]


def effect_rows(run_id: str, result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "intervention": found.intervention.key,
            "team": effect.team,
            "metric": effect.metric,
            "before": effect.before,
            "after": effect.after,
            "p_value": effect.p_value,
            "outcome": effect.outcome,
        }
        for found in result.interventions
        for effect in found.effects
    ]
