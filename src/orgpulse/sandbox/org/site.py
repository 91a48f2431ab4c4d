"""The sandbox site's fixed catalogue: statuses, categories, issue types, link types, custom fields.

Ids are site-wide and stable, as in a real Jira site. `kind` is the generator's own intent for a
status (what the workflow uses it for); it is never served: clients must judge by name and category.
The custom field ids are deliberately not the usual Cloud ones (Sprint is not customfield_10020,
which here is a "Start date" field), so a client that hard-codes ids reads the wrong field.
"""

from __future__ import annotations

from dataclasses import dataclass

# Status categories as real Jira numbers them: id -> (key, name, colorName).
CATEGORIES: dict[int, tuple[str, str, str]] = {
    1: ("undefined", "No Category", "medium-gray"),
    2: ("new", "To Do", "blue-gray"),
    4: ("indeterminate", "In Progress", "yellow"),
    3: ("done", "Done", "green"),
}
NEW, INDETERMINATE, DONE_CATEGORY = 2, 4, 3


@dataclass(frozen=True, slots=True)
class StatusDef:
    status_id: int
    name: str
    category: int
    kind: str  # queue | active | review | approval | blocked | meeting | done | canceled
    description: str


STATUSES: tuple[StatusDef, ...] = (
    StatusDef(10000, "Backlog", NEW, "queue", "Work that is not planned yet."),
    StatusDef(10001, "Selected for Development", NEW, "queue", "Planned, waiting to be picked up."),
    StatusDef(3, "In Progress", INDETERMINATE, "active", "This issue is being actively worked on."),
    StatusDef(10002, "In Review", INDETERMINATE, "review", "Waiting for a peer review."),
    StatusDef(10003, "Awaiting Approval", INDETERMINATE, "approval", "Waiting for a sign-off."),
    StatusDef(10004, "Blocked", INDETERMINATE, "blocked", "Work cannot go on."),
    StatusDef(10005, "Steering committee", INDETERMINATE, "meeting", "Waiting for the steering committee."),
    StatusDef(10006, "Done", DONE_CATEGORY, "done", "Work is finished."),
    StatusDef(10007, "Won't Do", DONE_CATEGORY, "canceled", "Work will not be done."),
    StatusDef(10010, "À faire", NEW, "queue", "Travail à planifier."),
    StatusDef(10011, "En cours", INDETERMINATE, "active", "Travail en cours."),
    StatusDef(10012, "En revue", INDETERMINATE, "review", "Relecture par un pair."),
    StatusDef(10013, "En attente de validation", INDETERMINATE, "approval", "En attente d'une validation."),
    StatusDef(10014, "Bloqué", INDETERMINATE, "blocked", "Le travail ne peut pas avancer."),
    StatusDef(10015, "Comité produit", INDETERMINATE, "meeting", "À arbitrer en comité produit."),
    StatusDef(10016, "Terminé", DONE_CATEGORY, "done", "Travail terminé."),
    StatusDef(10017, "Abandonné", DONE_CATEGORY, "canceled", "Travail abandonné."),
)
# A status of an old workflow, retired in a migration: its id stays in histories, `/status` no
# longer lists it (Linear: an archived state). Only the migration trap (traps.py) uses it.
RETIRED_DONE = 10499
RETIRED_STATUSES: tuple[StatusDef, ...] = (
    StatusDef(RETIRED_DONE, "Resolved", DONE_CATEGORY, "done", "Retired with the old workflow."),
)
STATUS_BY_ID: dict[int, StatusDef] = {s.status_id: s for s in (*STATUSES, *RETIRED_STATUSES)}
STATUS_RETIRED = frozenset(s.status_id for s in RETIRED_STATUSES)


@dataclass(frozen=True, slots=True)
class Workflow:
    """The statuses one team's workflow uses, by the generator's intent."""

    name: str
    backlog: int
    selected: int | None
    active: int
    review: int
    approval: int | None
    blocked: int
    meeting: int | None
    done: int
    canceled: int

    def status_ids(self) -> tuple[int, ...]:
        ids = (
            self.backlog,
            self.selected,
            self.active,
            self.review,
            self.approval,
            self.blocked,
            self.meeting,
            self.done,
            self.canceled,
        )
        return tuple(i for i in ids if i is not None)


def make_workflow(name: str, lang: str, selected: bool, approval: bool, meeting: bool) -> Workflow:
    if lang == "fr":
        return Workflow(
            name,
            10010,
            None,
            10011,
            10012,
            10013 if approval else None,
            10014,
            10015 if meeting else None,
            10016,
            10017,
        )
    return Workflow(
        name,
        10000,
        10001 if selected else None,
        3,
        10002,
        10003 if approval else None,
        10004,
        10005 if meeting else None,
        10006,
        10007,
    )


@dataclass(frozen=True, slots=True)
class IssueTypeDef:
    type_id: int
    name: str
    hierarchy: int
    subtask: bool
    description: str
    avatar_id: int


EPIC = IssueTypeDef(10000, "Epic", 1, False, "A big user story that needs to be broken down.", 10307)
STORY = IssueTypeDef(10001, "Story", 0, False, "Functionality or a feature expressed as a user goal.", 10315)
TASK = IssueTypeDef(10002, "Task", 0, False, "A small, distinct piece of work.", 10318)
BUG = IssueTypeDef(10003, "Bug", 0, False, "A problem or error.", 10303)
SUBTASK = IssueTypeDef(
    10004, "Sub-task", -1, True, "A small piece of work that's part of a larger task.", 10316
)
ISSUE_TYPES: tuple[IssueTypeDef, ...] = (EPIC, STORY, TASK, BUG, SUBTASK)
TYPE_BY_ID: dict[int, IssueTypeDef] = {t.type_id: t for t in ISSUE_TYPES}

PRIORITIES: dict[int, str] = {1: "Highest", 2: "High", 3: "Medium", 4: "Low", 5: "Lowest"}
RESOLUTIONS: dict[int, tuple[str, str]] = {
    10000: ("Done", "Work has been completed on this issue."),
    10001: ("Won't Do", "This issue won't be actioned."),
    10002: ("Duplicate", "The problem is a duplicate of an existing issue."),
    10003: ("Cannot Reproduce", "This issue couldn't be reproduced."),
    10004: ("Abandonné", "Le travail a été abandonné."),
}
RES_DONE, RES_WONT_DO, RES_DUPLICATE, RES_ABANDONNE = 10000, 10001, 10002, 10004


@dataclass(frozen=True, slots=True)
class LinkTypeDef:
    type_id: int
    name: str
    inward: str
    outward: str
    blocking: bool  # the generator's intent: the outward issue holds the inward one up


BLOCKS = LinkTypeDef(10000, "Blocks", "is blocked by", "blocks", True)
CLONERS = LinkTypeDef(10001, "Cloners", "is cloned by", "clones", False)
DUPLICATE = LinkTypeDef(10002, "Duplicate", "is duplicated by", "duplicates", False)
RELATES = LinkTypeDef(10003, "Relates", "relates to", "relates to", False)
# A site-specific type whose name does not say "block" but whose descriptions do.
DEPENDENCY = LinkTypeDef(10100, "Dependency", "depends on", "is depended on by", True)
LINK_TYPES: tuple[LinkTypeDef, ...] = (BLOCKS, CLONERS, DUPLICATE, RELATES, DEPENDENCY)
LINK_TYPE_BY_ID: dict[int, LinkTypeDef] = {t.type_id: t for t in LINK_TYPES}

# Custom fields (non-standard ids on purpose; find them through /field by schema.custom).
SPRINT_FIELD = "customfield_10104"
EPIC_LINK_FIELD = "customfield_10108"
RANK_FIELD = "customfield_10109"
TEAM_FIELD = "customfield_10113"
FLAGGED_FIELD = "customfield_10117"
STORY_POINTS_FIELD = "customfield_10126"
START_DATE_FIELD = "customfield_10020"
BLOCKED_REASON_FIELD = "customfield_10121"
FLAG_OPTION_ID = "10219"


@dataclass(frozen=True, slots=True)
class CustomFieldDef:
    field_id: str
    name: str
    schema_type: str
    items: str | None
    custom: str


CUSTOM_FIELDS: tuple[CustomFieldDef, ...] = (
    CustomFieldDef(
        START_DATE_FIELD,
        "Start date",
        "date",
        None,
        "com.atlassian.jira.plugin.system.customfieldtypes:datepicker",
    ),
    CustomFieldDef(SPRINT_FIELD, "Sprint", "array", "json", "com.pyxis.greenhopper.jira:gh-sprint"),
    CustomFieldDef(EPIC_LINK_FIELD, "Epic Link", "any", None, "com.pyxis.greenhopper.jira:gh-epic-link"),
    CustomFieldDef(RANK_FIELD, "Rank", "any", None, "com.pyxis.greenhopper.jira:gh-lexo-rank"),
    CustomFieldDef(
        TEAM_FIELD, "Team", "team", None, "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team"
    ),
    CustomFieldDef(
        FLAGGED_FIELD,
        "Flagged",
        "array",
        "option",
        "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
    ),
    CustomFieldDef(
        BLOCKED_REASON_FIELD,
        "Blocked reason",
        "string",
        None,
        "com.atlassian.jira.plugin.system.customfieldtypes:textfield",
    ),
    CustomFieldDef(
        STORY_POINTS_FIELD,
        "Story point estimate",
        "number",
        None,
        "com.pyxis.greenhopper.jira:jsw-story-points",
    ),
)


@dataclass(frozen=True, slots=True)
class TeamDef:
    key: str
    name: str
    lang: str


# The first eight are the default organisation; the rest join as the organisation grows.
TEAM_POOL: tuple[TeamDef, ...] = (
    TeamDef("PAY", "Payments", "en"),
    TeamDef("CORE", "Core Platform", "en"),
    TeamDef("WEB", "Web Storefront", "en"),
    TeamDef("DATA", "Data & Analytics", "en"),
    TeamDef("MOB", "Mobile Apps", "en"),
    TeamDef("OPS", "Operations", "en"),
    TeamDef("FACT", "Facturation", "fr"),
    TeamDef("LOGI", "Logistique", "fr"),
    TeamDef("SRCH", "Search", "en"),
    TeamDef("AUTH", "Identity", "en"),
    TeamDef("CART", "Cart & Checkout", "en"),
    TeamDef("COMPTA", "Comptabilité", "fr"),
    TeamDef("NOTIF", "Notifications", "en"),
    TeamDef("INV", "Inventory", "en"),
    TeamDef("LIVR", "Livraison", "fr"),
    TeamDef("PRIC", "Pricing", "en"),
    TeamDef("REC", "Recommendations", "en"),
    TeamDef("SEC", "Security", "en"),
    TeamDef("ACHAT", "Achats", "fr"),
    TeamDef("INFRA", "Infrastructure", "en"),
    TeamDef("API", "Public API", "en"),
    TeamDef("ADM", "Back Office", "en"),
    TeamDef("STOCK", "Stocks", "fr"),
    TeamDef("CRM", "Customer Care", "en"),
    TeamDef("MKT", "Marketing Tech", "en"),
    TeamDef("FIN", "Finance Systems", "en"),
    TeamDef("PAIE", "Paie", "fr"),
    TeamDef("HR", "People Systems", "en"),
    TeamDef("QA", "Quality Engineering", "en"),
    TeamDef("ML", "Machine Learning", "en"),
    TeamDef("JUR", "Juridique", "fr"),
    TeamDef("GEO", "Geo Services", "en"),
    TeamDef("MAIL", "Messaging", "en"),
    TeamDef("PART", "Partners", "en"),
    TeamDef("SUB", "Subscriptions", "en"),
    TeamDef("LOY", "Loyalty", "en"),
    TeamDef("FRAUD", "Fraud Prevention", "en"),
    TeamDef("ADS", "Advertising", "en"),
    TeamDef("CMS", "Content", "en"),
    TeamDef("PERF", "Performance", "en"),
    TeamDef("REP", "Reporting", "en"),
    TeamDef("ACC", "Accessibility", "en"),
    TeamDef("DOC", "Documentation", "en"),
    TeamDef("I18N", "Localisation", "en"),
)
OUTSIDE_PROJECT = TeamDef("EXT", "Platform Services (external)", "en")
