"""Made-up words for the sandbox: people's names, issue summaries, labels, in English and French."""

from __future__ import annotations

from random import Random

FIRST = {
    "en": (
        "Alice",
        "Ben",
        "Chloe",
        "Daniel",
        "Emma",
        "Farid",
        "Grace",
        "Hugo",
        "Isla",
        "Jack",
        "Kira",
        "Liam",
        "Maya",
        "Noah",
        "Olivia",
        "Priya",
        "Quentin",
        "Rosa",
        "Sam",
        "Tara",
        "Umar",
        "Vera",
        "Will",
        "Xenia",
        "Yusuf",
        "Zoe",
        "Aaron",
        "Bella",
        "Caleb",
        "Dina",
        "Ethan",
        "Fiona",
    ),
    "fr": (
        "Amélie",
        "Bastien",
        "Camille",
        "Damien",
        "Élodie",
        "François",
        "Gaëlle",
        "Hélène",
        "Inès",
        "Jérôme",
        "Karim",
        "Léa",
        "Mathis",
        "Nadia",
        "Océane",
        "Pierre",
        "Romane",
        "Sébastien",
        "Théo",
        "Valérie",
        "Yann",
        "Zoé",
        "Anaïs",
        "Baptiste",
        "Céline",
        "Denis",
        "Émile",
        "Flore",
    ),
}
LAST = {
    "en": (
        "Adams",
        "Baker",
        "Carter",
        "Dawson",
        "Ellis",
        "Fisher",
        "Grant",
        "Hughes",
        "Irwin",
        "Jensen",
        "Khan",
        "Lopez",
        "Morgan",
        "Nash",
        "Owens",
        "Patel",
        "Quinn",
        "Reyes",
        "Shaw",
        "Turner",
        "Usman",
        "Vaughn",
        "Walsh",
        "Young",
        "Zhang",
        "Brooks",
        "Coleman",
        "Foster",
    ),
    "fr": (
        "Arnaud",
        "Bernard",
        "Chevalier",
        "Dubois",
        "Étienne",
        "Fournier",
        "Garnier",
        "Henry",
        "Imbert",
        "Jacquet",
        "Lambert",
        "Marchand",
        "Noël",
        "Olivier",
        "Perrin",
        "Roux",
        "Simon",
        "Thomas",
        "Vidal",
        "Martin",
        "Lefèvre",
        "Mercier",
        "Girard",
        "Bonnet",
        "Dupont",
        "Fabre",
    ),
}

_VERBS = {
    "en": (
        "Add",
        "Fix",
        "Refactor",
        "Migrate",
        "Speed up",
        "Document",
        "Remove",
        "Validate",
        "Cache",
        "Retry",
        "Log",
        "Harden",
        "Split",
        "Expose",
        "Localise",
        "Test",
    ),
    "fr": (
        "Ajouter",
        "Corriger",
        "Refondre",
        "Migrer",
        "Accélérer",
        "Documenter",
        "Supprimer",
        "Valider",
        "Mettre en cache",
        "Fiabiliser",
        "Tracer",
        "Découper",
        "Exposer",
        "Tester",
    ),
}
_THINGS = {
    "en": (
        "the webhook handler",
        "the checkout form",
        "the export job",
        "the login page",
        "the API client",
        "the nightly batch",
        "the search index",
        "the invoice PDF",
        "the feature flag",
        "the audit log",
        "the mobile onboarding",
        "the rate limiter",
        "the metrics dashboard",
        "the order history",
        "the refund flow",
        "the settings screen",
        "the import wizard",
        "the cache layer",
    ),
    "fr": (
        "l'export des factures",
        "le calcul des frais de port",
        "le bon de livraison",
        "la relance client",
        "le rapprochement bancaire",
        "l'écran de suivi",
        "le lettrage",
        "le tableau de bord",
        "la synchronisation des stocks",
        "le portail transporteur",
        "l'avoir client",
        "la file d'attente",
        "le journal des ventes",
        "l'étiquette colis",
    ),
}
_EPICS = {
    "en": (
        "Checkout revamp",
        "Reliability push",
        "Self-service onboarding",
        "Data platform v2",
        "Q3 compliance",
        "Mobile parity",
        "Observability",
        "Performance budget",
        "Partner integrations",
        "Cost reduction",
    ),
    "fr": (
        "Refonte de la facturation",
        "Fiabilité des expéditions",
        "Conformité e-invoicing",
        "Nouveau portail transporteur",
        "Automatisation du lettrage",
        "Pilotage des stocks",
    ),
}
LABELS = {
    "en": ("backend", "frontend", "tech-debt", "customer", "security", "performance", "ux", "infra"),
    "fr": (
        "backend",
        "frontend",
        "dette-technique",
        "client",
        "sécurité",
        "performance",
        "ux",
        "réglementaire",
    ),
}


def person_name(rng: Random, lang: str, taken: set[str]) -> str:
    for _ in range(50):
        name = f"{rng.choice(FIRST[lang])} {rng.choice(LAST[lang])}"
        if name not in taken:
            taken.add(name)
            return name
    name = f"{rng.choice(FIRST[lang])} {rng.choice(LAST[lang])} {len(taken)}"
    taken.add(name)
    return name


def summary(rng: Random, lang: str, bug: bool) -> str:
    if bug:
        thing = rng.choice(_THINGS[lang])
        return f"Erreur sur {thing}" if lang == "fr" else f"Error in {thing} when the input is empty"
    return f"{rng.choice(_VERBS[lang])} {rng.choice(_THINGS[lang])}"


def epic_summary(rng: Random, lang: str, number: int) -> str:
    return f"{rng.choice(_EPICS[lang])} ({number})"


def labels(rng: Random, lang: str) -> tuple[str, ...]:
    count = rng.choice((0, 0, 1, 1, 1, 2))
    return tuple(sorted(rng.sample(LABELS[lang], count)))


_COORDINATION = {
    "en": (
        "Weekly sync: {thing}",
        "Product committee: decision on {thing}",
        "Steering committee prep: {thing}",
        "Alignment meeting on {thing}",
    ),
    "fr": (
        "Comité produit : arbitrage sur {thing}",
        "COPIL : {thing}",
        "Point hebdo : {thing}",
        "Réunion d'arbitrage : {thing}",
    ),
}
COORDINATION_LABEL = {"en": "committee", "fr": "comité"}


def coordination_summary(rng: Random, lang: str) -> str:
    """The title of a coordination artefact: a meeting, a committee or a sync tracked as an issue."""
    return rng.choice(_COORDINATION[lang]).format(thing=rng.choice(_THINGS[lang]))
