"""The doctor use case: check each source's config, credentials and permissions, and show what
orgpulse will make of it — every status with its role and where the role came from, and the
custom fields found — so a lead can correct the mapping before trusting a number.

From the store (when one is given; the doctor takes no lock) it also lists what only history shows:
the statuses the site no longer lists, with the names the history recorded, the issues that passed
through them and the category decided and why (SYMPTOMS.md), and the accounts taken for bots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orgpulse.analysis.retired import count_entries, decide_retired, retired_uids
from orgpulse.analysis.roles import role_of
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.config import Settings, SourceSettings
from orgpulse.connector import Connector, SourceCheck
from orgpulse.errors import AuthError, OrgpulseError, SourceError
from orgpulse.redact import redactor_of, scrub_error
from orgpulse.store import Store


@dataclass(frozen=True)
class StatusRole:
    status_id: str
    name: str
    category: str
    role: str
    role_source: str
    pattern: str | None


@dataclass(frozen=True)
class RetiredStatus:
    """A status the site no longer lists, as the analysis will read it."""

    status_id: str
    name: str  # the name the history recorded
    issues: int  # issues that entered it
    category: str  # decided
    decided_by: str  # "resolution" | "name pattern" | "unknown"
    reason: str
    in_catalogue: bool  # False: no status record at all, only ids in histories


@dataclass
class Diagnosis:
    name: str
    kind: str
    check: SourceCheck | None = None
    roles: list[StatusRole] = field(default_factory=list)
    error: OrgpulseError | None = None
    retired: list[RetiredStatus] = field(default_factory=list)
    bots: list[tuple[str, str]] = field(default_factory=list)  # (account id, display name)
    stored: bool = False  # the store holds this source's history (retired and bots come from it)

    @property
    def problems(self) -> list[str]:
        found = [f"{type(self.error).__name__}: {self.error}"] if self.error else []
        if self.check is not None and self.check.missing_projects:
            found.append(
                "the account cannot browse " + ", ".join(self.check.missing_projects) + " (permission or key)"
            )
        return found

    @property
    def permission_failed(self) -> bool:
        return isinstance(self.error, AuthError) or bool(self.check and self.check.missing_projects)

    def as_json(self) -> dict[str, Any]:
        check = self.check
        return {
            "name": self.name,
            "kind": self.kind,
            "ok": not self.problems,
            "problems": self.problems,
            "server": check.server if check else None,
            "account": check.account if check else None,
            "projects": list(check.projects) if check else [],
            "custom_fields": dict(check.fields) if check else {},
            "blocking_link_types": list(check.blocking_link_types) if check else [],
            "statuses": [r.__dict__ for r in self.roles],
            "retired_statuses": [r.__dict__ for r in self.retired] if self.stored else None,
            "bot_accounts": [{"id": i, "name": n} for i, n in self.bots] if self.stored else None,
            "requests": check.requests if check else None,
        }


def run_doctor(
    settings: Settings,
    analysis: AnalysisSettings,
    *,
    now: datetime,
    connector_factory: Callable[[SourceSettings], Connector] | None = None,
    store: Store | None = None,
) -> list[Diagnosis]:
    if connector_factory is None:
        from orgpulse.connectors import make_connector

        connector_factory = make_connector
    found = []
    for source in settings.sources:
        diagnosis = Diagnosis(source.name, source.kind)
        connector = connector_factory(source)
        try:
            check = getattr(connector, "check", None)
            if check is None:
                raise SourceError(f"the {source.kind} connector cannot be checked yet", source=source.name)
            diagnosis.check = check(now=now)
            diagnosis.roles = [
                StatusRole(s.status_id, s.name, s.category.value, *_role(s.name, source.name, s, analysis))
                for s in sorted(diagnosis.check.statuses, key=lambda s: (s.category.value, s.name))
            ]
        except OrgpulseError as exc:
            scrub_error(exc, redactor_of(source))
            diagnosis.error = exc
        finally:
            connector.close()
        if store is not None:
            _from_history(diagnosis, store, analysis)
        found.append(diagnosis)
    return found


def _from_history(diagnosis: Diagnosis, store: Store, analysis: AnalysisSettings) -> None:
    """The retired statuses and the bot accounts of one source, from its stored history."""
    from orgpulse.store.statuses import load_bots, load_status_history, stored_sources

    if diagnosis.name not in stored_sources(store):
        return
    diagnosis.stored = True
    history = load_status_history(store, diagnosis.name)
    entries = count_entries(
        history.status_changes, history.resolution_changes, retired_uids(history.statuses)
    )
    decided = decide_retired(history.statuses, entries, analysis)
    diagnosis.retired = [
        RetiredStatus(
            status_id=str(r.status_id),
            name=str(r.name),
            issues=int(r.issues),
            category=str(r.category),
            decided_by=str(r.category_source),
            reason=str(r.reason),
            in_catalogue=str(r.status_uid) not in history.missing,
        )
        for r in decided.sort_values(["issues", "status_id"], ascending=[False, True]).itertuples(index=False)
    ]
    diagnosis.bots = load_bots(store, diagnosis.name)


def _role(name: str, source: str, status: Any, analysis: AnalysisSettings) -> tuple[str, str, str | None]:
    role, role_source, known, pattern = role_of(
        name, source, status.status_id, status.category.value, status.category_known, analysis
    )
    return role.value, role_source if known else f"{role_source} (unknown category)", pattern


def exit_code(found: list[Diagnosis]) -> int:
    """As sync: 0 all ok, 4 some failed (a source that sees only some of its configured projects or
    teams is part success), 3 all failed with a credential or permission failure, else 1."""
    failed = [d for d in found if d.problems]
    if not failed:
        return 0
    partial = [d for d in failed if d.error is None and d.check is not None and d.check.projects]
    if len(failed) < len(found) or partial:
        return 4
    return 3 if any(d.permission_failed for d in failed) else 1
