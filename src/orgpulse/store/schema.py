"""The SQL tables of the store, as SQLAlchemy Core objects (the migrations create them).

Every canonical table is keyed by (source, native id): never by a Jira key, which changes when an
issue moves. History items are keyed by (history id, item index) so two changes of one field in
one history entry are both kept. Trend tables are append-only, keyed by the analysis run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (no zone support) and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} reached the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            raise TypeError(f"the store returned {type(value).__name__} for a datetime column")
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


metadata = sa.MetaData()


def _source() -> sa.Column[str]:
    return sa.Column("source", sa.Text, primary_key=True)


def _change_table(name: str, *columns: sa.Column[Any] | sa.Index) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        _source(),
        sa.Column("issue_id", sa.Text, primary_key=True),
        sa.Column("history_id", sa.Text, primary_key=True),
        sa.Column("item_index", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor_id", sa.Text),
        *columns,
    )


meta = sa.Table("meta", metadata, sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text))

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
)

statuses = sa.Table(
    "statuses",
    metadata,
    _source(),
    sa.Column("status_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("category_known", sa.Boolean, nullable=False),
)

people = sa.Table(
    "people",
    metadata,
    _source(),
    sa.Column("person_id", sa.Text, primary_key=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("is_bot", sa.Boolean, nullable=False),
)

issues = sa.Table(
    "issues",
    metadata,
    _source(),
    sa.Column("issue_id", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("project_key", sa.Text, nullable=False),
    sa.Column("team_key", sa.Text),
    sa.Column("type_name", sa.Text, nullable=False),
    sa.Column("is_epic", sa.Boolean, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("labels", sa.Text, nullable=False),  # JSON list
    sa.Column("priority", sa.Text),
    sa.Column("parent_id", sa.Text),
    sa.Column("parent_key", sa.Text),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("updated", UTCDateTime, nullable=False),
    sa.Column("resolved", UTCDateTime),
    sa.Column("resolution", sa.Text),
    sa.Column("status_id", sa.Text, nullable=False),
    sa.Column("assignee_id", sa.Text),
    sa.Column("flagged", sa.Boolean, nullable=False),
    sa.Column("history_total", sa.Integer),
    sa.Column("history_complete", sa.Boolean, nullable=False),
    sa.Column("components", sa.Text, nullable=False, server_default="[]"),  # JSON list of names
    sa.Column("team_field", sa.Text),  # the Team field's value (Jira), for team mapping
    sa.Column("url", sa.Text),  # the issue's page when the source gives one (Linear)
    sa.Column("deleted_at", UTCDateTime),
    sa.Column("fetched_at", UTCDateTime, nullable=False),
    # Window-bounded analysis reads (store/window.py): live issues by last update, references by key.
    sa.Index("ix_issues_source_key", "source", "key"),
    sa.Index("ix_issues_source_updated", "source", "updated"),
    sa.Index("ix_issues_source_project_created", "source", "project_key", "created"),  # teams named
)

histories = sa.Table(
    "histories",
    metadata,
    _source(),
    sa.Column("issue_id", sa.Text, primary_key=True),
    sa.Column("history_id", sa.Text, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.Text),
    sa.Column("item_count", sa.Integer, nullable=False),
    sa.Index("ix_histories_source_issue_at", "source", "issue_id", "at"),
)

status_changes = _change_table(
    "status_changes",
    sa.Column("from_status", sa.Text),
    sa.Column("to_status", sa.Text),
    sa.Index("ix_status_changes_source_to_status", "source", "to_status"),  # retired statuses' entries
)
assignee_changes = _change_table(
    "assignee_changes", sa.Column("from_person", sa.Text), sa.Column("to_person", sa.Text)
)
team_changes = _change_table("team_changes", sa.Column("from_team", sa.Text), sa.Column("to_team", sa.Text))
flag_changes = _change_table("flag_changes", sa.Column("flagged", sa.Boolean, nullable=False))
parent_changes = _change_table(
    "parent_changes",
    sa.Column("from_parent_id", sa.Text),
    sa.Column("from_parent_key", sa.Text),
    sa.Column("to_parent_id", sa.Text),
    sa.Column("to_parent_key", sa.Text),
)

resolution_changes = _change_table(
    "resolution_changes", sa.Column("from_resolution", sa.Text), sa.Column("to_resolution", sa.Text)
)

workflow_statuses = sa.Table(
    "workflow_statuses",
    metadata,
    _source(),
    sa.Column("project_key", sa.Text, primary_key=True),
    sa.Column("status_id", sa.Text, primary_key=True),
)

links = sa.Table(
    "links",
    metadata,
    _source(),
    sa.Column("link_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("from_issue_id", sa.Text),
    sa.Column("from_issue_key", sa.Text, nullable=False),
    sa.Column("to_issue_id", sa.Text),
    sa.Column("to_issue_key", sa.Text, nullable=False),
    sa.Column("type_id", sa.Text),
    sa.Column("created_at", UTCDateTime),
    sa.Column("removed_at", UTCDateTime),
    sa.Column("from_done", sa.Boolean),
    sa.Column("to_done", sa.Boolean),
    sa.Index("ix_links_source_from_issue_id", "source", "from_issue_id"),
    sa.Index("ix_links_source_to_issue_id", "source", "to_issue_id"),
    sa.Index("ix_links_source_from_issue_key", "source", "from_issue_key"),
    sa.Index("ix_links_source_to_issue_key", "source", "to_issue_key"),
)

team_memberships = sa.Table(
    "team_memberships",
    metadata,
    _source(),
    sa.Column("team_key", sa.Text, primary_key=True),
    sa.Column("person_id", sa.Text, primary_key=True),
    sa.Column("since", UTCDateTime),
    sa.Column("until", UTCDateTime),
)

raw_records = sa.Table(
    "raw_records",
    metadata,
    _source(),
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("native_id", sa.Text, primary_key=True),
    sa.Column("fetched_at", UTCDateTime, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),  # JSON, Zstandard (older rows: zlib); read_raw
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    _source(),
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("native_id", sa.Text, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime),
)

sync_cursors = sa.Table(
    "sync_cursors",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("cursor", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


def _trend_table(name: str, *columns: sa.Column[Any], clustered: bool = True) -> sa.Table:
    """A table appended to by each analysis run: its rows keyed by the run first. `clustered`: on
    SQLite, stored in its key's order with no rowid (migration 0017), for tables of small rows."""
    # No foreign key to analysis_runs (migration 0018): PostgreSQL checked it row by row.
    run_id = sa.Column("run_id", sa.String(36), primary_key=True)
    return sa.Table(name, metadata, run_id, *columns, sqlite_with_rowid=not clustered)


def _team_week_table(name: str, *columns: sa.Column[Any], clustered: bool = True) -> sa.Table:
    """A trend table with a row per run, team, ISO week and what `columns` key further."""
    team = sa.Column("team", sa.Text, primary_key=True)
    week = sa.Column("week_start", sa.Date, primary_key=True)
    return _trend_table(name, team, week, *columns, clustered=clustered)


analysis_runs = sa.Table(
    "analysis_runs",
    metadata,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("status", sa.String(20), nullable=False),  # running | completed | aborted
    sa.Column("trigger", sa.String(20), nullable=False),  # manual | schedule
    sa.Column("as_of", UTCDateTime, nullable=False),
    sa.Column("weeks", sa.Integer, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.Text, nullable=False),
)

symptom_trends = _team_week_table(
    "symptom_trends",
    sa.Column("symptom", sa.String(40), primary_key=True),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("direction", sa.String(20)),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("sample_size", sa.Integer, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),  # JSON list, full
    sa.Column("explain", sa.Text, nullable=False),  # JSON object
    clustered=False,  # its rows carry the evidence text, kilobytes each
)

metric_trends = _team_week_table(
    "metric_trends",
    sa.Column("symptom", sa.String(40), primary_key=True),
    sa.Column("metric", sa.String(60), primary_key=True),
    sa.Column("value", sa.Float),
)

dependency_trends = _trend_table(
    "dependency_trends",
    sa.Column("week_start", sa.Date, primary_key=True),
    sa.Column("blocked_team", sa.Text, primary_key=True),
    sa.Column("blocking_team", sa.Text, primary_key=True),
    sa.Column("blocked_issues", sa.Integer, nullable=False),
    sa.Column("blocked_hours", sa.Float, nullable=False),
)

diagnosis_trends = _team_week_table(
    "diagnosis_trends",
    sa.Column("lever", sa.String(40), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),  # weak | at_risk | sound | unknown
    sa.Column("cost_hours", sa.Float),
    sa.Column("confidence", sa.Float, nullable=False),
)

flow_trends = _team_week_table(
    "flow_trends",
    sa.Column("metric", sa.String(60), primary_key=True),
    sa.Column("value", sa.Float),
)

status_time_trends = _team_week_table(
    "status_time_trends",
    sa.Column("status", sa.Text, primary_key=True),
    sa.Column("hours", sa.Float, nullable=False),
    sa.Column("share", sa.Float),
)

cycle_time_trends = _team_week_table(
    "cycle_time_trends",
    sa.Column("issue", sa.Text, primary_key=True),  # its key
    sa.Column("cycle_hours", sa.Float, nullable=False),
)

intervention_effects = _trend_table(
    "intervention_effects",
    sa.Column("intervention", sa.Text, primary_key=True),  # "<date> <lever or *> <teams or *>"
    sa.Column("team", sa.Text, primary_key=True),
    sa.Column("metric", sa.String(60), primary_key=True),
    sa.Column("before", sa.Float),
    sa.Column("after", sa.Float),
    sa.Column("p_value", sa.Float),
    sa.Column("outcome", sa.String(20), nullable=False),  # improved | worsened | no_clear_change | too_early
)

TREND_TABLES = (
    symptom_trends,
    metric_trends,
    dependency_trends,
    diagnosis_trends,
    flow_trends,
    status_time_trends,
    cycle_time_trends,
    intervention_effects,
)

CHANGE_TABLES = {
    "status_changes": status_changes,
    "assignee_changes": assignee_changes,
    "team_changes": team_changes,
    "flag_changes": flag_changes,
    "parent_changes": parent_changes,
    "resolution_changes": resolution_changes,
}

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # sync | analyze
    sa.Column("source", sa.Text),  # None for analyze
    sa.Column("trigger", sa.String(20), nullable=False),  # manual | schedule
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("outcome", sa.String(20), nullable=False),  # running | ok | failed | aborted
    sa.Column("issues", sa.Integer),
    sa.Column("status_changes", sa.Integer),
    sa.Column("assignee_changes", sa.Integer),
    sa.Column("links", sa.Integer),
    sa.Column("quarantined", sa.Integer),
    sa.Column("requests", sa.Integer),
    sa.Column("error_class", sa.String(60)),
    sa.Column("error_message", sa.Text),
    sa.Index("ix_runs_kind_source_started", "kind", "source", "started_at"),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),  # "sync:<source>" | "store"
    sa.Column("holder", sa.Text, nullable=False),  # a token unique to the holding process and lock
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

schedule_claims = sa.Table(
    "schedule_claims",
    metadata,
    # The cron's wall-clock time in the schedule's zone ("2026-10-25T02:30"): a daylight-saving
    # double fire of one cron minute maps to one tick.
    sa.Column("tick", sa.String(32), primary_key=True),
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("worker", sa.Text, nullable=False),
    sa.Column("claimed_at", UTCDateTime, nullable=False),
)
