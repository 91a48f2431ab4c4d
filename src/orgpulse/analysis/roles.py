"""Gives every status its role, and says where the role came from (SYMPTOMS.md, "Role matching").

Precedence: a per-status-id override, then the source's own patterns, then the default patterns
(with the [analysis] role_patterns added), then the category (todo -> queue, in_progress ->
active, done and canceled -> none). Within one layer the longest matching pattern wins.

Columns added by `assign_roles` (the frame it returns crosses into `orgpulse doctor`):
    role          str, a `Role` value
    role_source   "override" | "source pattern" | "default pattern" | "category" | "unknown"
    role_known    bool; False for a status of undefined category (Jira "undefined", category_known
                  False) or unknown category, unless an override or pattern named its role
    role_pattern  str or None, the pattern that decided the role
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orgpulse.analysis.patterns import longest_match, matches_any, normalise_name
from orgpulse.analysis.settings import AnalysisSettings
from orgpulse.model import Category, Role

ROLE_OF_CATEGORY: dict[str, Role] = {
    Category.TODO.value: Role.QUEUE,
    Category.IN_PROGRESS.value: Role.ACTIVE,
    Category.DONE.value: Role.NONE,
    Category.CANCELED.value: Role.NONE,
}


def role_of(
    name: str, source: str, status_id: str, category: str, category_known: bool, settings: AnalysisSettings
) -> tuple[Role, str, bool, str | None]:
    """(role, role_source, role_known, pattern) of one status."""
    override = settings.overrides_for(source).get(status_id)
    if override is not None:
        return override, "override", True, None
    normalised = normalise_name(name)
    found = longest_match(normalised, settings.patterns_for(source))
    if found is not None:
        return found[0], "source pattern", True, found[1]
    found = longest_match(normalised, settings.role_patterns)
    if found is not None:
        return found[0], "default pattern", True, found[1]
    role = ROLE_OF_CATEGORY.get(category)
    if role is None:
        return Role.NONE, "unknown", False, None
    return role, "category", category_known, None


def assign_roles(statuses: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """A copy of `statuses` (frames.STATUS_COLUMNS) with role, role_source, role_known, role_pattern."""
    out = statuses.copy()
    rows = [
        role_of(
            _text(name),
            _text(source),
            _text(status_id),
            _text(category),
            bool(known) if not pd.isna(known) else False,
            settings,
        )
        for name, source, status_id, category, known in zip(
            statuses["name"],
            statuses["source"],
            statuses["status_id"],
            statuses["category"],
            statuses["category_known"],
            strict=True,
        )
    ]
    out["role"] = pd.Series([r[0].value for r in rows], index=out.index, dtype=object)
    out["role_source"] = pd.Series([r[1] for r in rows], index=out.index, dtype=object)
    out["role_known"] = pd.Series([r[2] for r in rows], index=out.index, dtype=bool)
    out["role_pattern"] = pd.Series([r[3] for r in rows], index=out.index, dtype=object)
    return out


def canceled_by_name(statuses: pd.DataFrame, settings: AnalysisSettings) -> pd.Series:
    """True for statuses of category canceled, or done-category statuses named like a cancellation."""
    named = matches_canceled(statuses["name"], settings)
    category = statuses["category"].astype(object)
    return (category == Category.CANCELED.value) | ((category == Category.DONE.value) & named)


def matches_canceled(values: pd.Series, settings: AnalysisSettings) -> pd.Series:
    """True where a name or resolution matches the canceled patterns (missing values: False)."""
    distinct = {v for v in values.dropna().unique() if isinstance(v, str)}
    verdict = {v: matches_any(normalise_name(v), settings.canceled_patterns) for v in distinct}
    mapped = values.astype(object).map(verdict)
    return pd.Series(np.where(pd.isna(mapped), False, mapped).astype(bool), index=values.index)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
