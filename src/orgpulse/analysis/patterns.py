"""Name patterns as data, and the one normalisation every name and pattern goes through.

Matching is defined in SYMPTOMS.md ("Role matching"): names are casefolded, accents stripped and
matched on word boundaries. `normalise_name` turns every run of non-alphanumeric characters into
one space, so `" pattern "` occurring in `" name "` is a word-boundary match: "board" does not
match "Dashboard", and "sign-off" matches "Sign off".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from orgpulse.model import Role

# When two patterns of the same length match one name, the first role here wins (SYMPTOMS.md:
# approval > meeting > blocked > review); roles only a user pattern can name come after.
ROLE_TIE_ORDER: tuple[Role, ...] = (
    Role.APPROVAL,
    Role.MEETING,
    Role.BLOCKED,
    Role.REVIEW,
    Role.QUEUE,
    Role.ACTIVE,
    Role.NONE,
)

DEFAULT_ROLE_PATTERNS: tuple[tuple[str, Role], ...] = (
    *(
        (p, Role.APPROVAL)
        for p in (
            "approval",
            "approve",
            "sign-off",
            "signoff",
            "validation",
            "validate",
            "waiting for decision",
            "awaiting decision",
            "awaiting PO",
            "à valider",
            "en attente de validation",
            "en attente de décision",
            "arbitrage",
            "à arbitrer",
        )
    ),
    *((p, Role.BLOCKED) for p in ("blocked", "on hold", "impediment", "bloqué", "en attente")),
    *(
        (p, Role.MEETING)
        for p in (
            "committee",
            "board",
            "CAB",
            "steering",
            "to discuss",
            "comité",
            "à arbitrer en comité",
            "réunion",
            "review board",
            "CAB review",
        )
    ),
    *((p, Role.REVIEW) for p in ("review", "revue", "code review", "QA", "test", "testing", "recette")),
)

# Resolutions (and done-category status names) that mean the work was dropped, not delivered.
DEFAULT_CANCELED_PATTERNS: tuple[str, ...] = (
    "won't do",
    "won't fix",
    "duplicate",
    "cannot reproduce",
    "can't reproduce",
    "abandonné",
    "annulé",
    "canceled",
    "cancelled",
)

# Names that make a status the site no longer lists done, or canceled (SYMPTOMS.md), when its
# resolution items cannot decide.
DEFAULT_RETIRED_DONE_PATTERNS: tuple[str, ...] = (
    "done",
    "closed",
    "resolved",
    "fixed",
    "released",
    "terminé",
    "fermé",
    "résolu",
    "livré",
)
DEFAULT_RETIRED_CANCELED_PATTERNS: tuple[str, ...] = (
    "canceled",
    "cancelled",
    "rejected",
    "won't do",
    "abandonné",
    "annulé",
)


# Coordination artefacts (SYMPTOMS.md): issues whose type, labels or title name a meeting or committee.
DEFAULT_COORDINATION_PATTERNS: tuple[str, ...] = (
    "meeting",
    "sync",
    "committee",
    "steering",
    "workshop",
    "alignment",
    "ceremony",
    "review board",
    "réunion",
    "comité",
    "point hebdo",
    "COPIL",
    "atelier",
)


def normalise_name(text: str) -> str:
    """Casefold, strip accents, and reduce every run of non-alphanumerics to one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    spaced = "".join(c if c.isalnum() else " " for c in bare)
    return " ".join(spaced.split())


def longest_match(name: str, patterns: Iterable[tuple[str, Role]]) -> tuple[Role, str] | None:
    """The role of the longest pattern found in `name` on word boundaries, ties by ROLE_TIE_ORDER.

    Both `name` and the patterns must already be normalised.
    """
    padded = f" {name} "
    best: tuple[int, int, Role, str] | None = None
    for pattern, role in patterns:
        if not pattern or f" {pattern} " not in padded:
            continue
        rank = (len(pattern), -ROLE_TIE_ORDER.index(role))
        if best is None or rank > best[:2]:
            best = (rank[0], rank[1], role, pattern)
    return None if best is None else (best[2], best[3])


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """True when one of the (normalised) patterns occurs in the (normalised) name on word boundaries."""
    padded = f" {name} "
    return any(pattern and f" {pattern} " in padded for pattern in patterns)
