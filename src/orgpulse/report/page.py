"""Turns the report's view models and chart specs into one self-contained HTML page (Jinja2 + gettext).

The page inlines the Vega runtime and every spec, so it makes no network request. Every word
comes from the gettext catalogue of the report's language (`{{ _("...") }}` in the template);
charts get the locale's number and date formats from Babel's CLDR data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from markupsafe import Markup

from orgpulse.analysis.scoring import LOW_CONFIDENCE
from orgpulse.i18n import N_, Translator
from orgpulse.labels import CHECK_ALWAYS, SEVERITIES, direction_label
from orgpulse.report.charts import SEVERITY_COLOURS
from orgpulse.report.views import DIRECTION_SIGNS, AlertView
from orgpulse.store.reports import RunInfo

TRIGGERS = {"schedule": N_("scheduled"), "manual": N_("on demand")}


@dataclass(frozen=True)
class TeamView:
    team: str
    anchor: str
    alerts: int  # over the period
    watches: int
    chart_id: str
    extra: dict[str, Any] = field(default_factory=dict)  # per-team sections other modules add


@dataclass(frozen=True)
class PageContext:
    """Everything the template shows."""

    run: RunInfo
    scheduled: RunInfo | None
    weeks: list[date]
    alerts: list[AlertView]
    link_prefixes: list[str]  # issue URLs are these followed by the key (views.LinkPrefixes)
    teams: list[TeamView]
    symptoms: list[tuple[str, str]]  # (id, title) in panel order, for the filter
    heatmap_ids: list[str]
    specs: dict[str, dict[str, Any]]  # chart id -> a Vega spec, or {"template", "datasets"}
    templates: dict[str, dict[str, Any]]  # Vega specs shared by many charts (their datasets columnar)
    bundle: str
    generated_at: datetime
    counts: dict[str, int] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)  # diagnosis, grid, flow: when the run has them


def render_page(t: Translator, context: PageContext) -> str:
    """The whole HTML document, in the translator's language."""
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext=t._, ngettext=t.n_, newstyle=True)  # type: ignore[attr-defined]
    source = resources.files("orgpulse.report").joinpath("templates/report.html.j2").read_text("utf-8")
    template = env.from_string(source)
    zone = _zone(context.run.timezone)
    run = context.run
    return template.render(
        c=context,
        lang=t.language,
        t=t,
        trigger=t._(TRIGGERS[run.trigger]) if run.trigger in TRIGGERS else run.trigger,
        as_of=_when(t, run.as_of, zone),
        finished=_when(t, run.finished_at, zone),
        generated=_when(t, context.generated_at, zone),
        scheduled_note=_scheduled_note(t, run, context.scheduled, zone),
        severity_colours=SEVERITY_COLOURS,
        severity_labels={k: t._(v) for k, v in SEVERITIES.items() if k is not None},
        directions=[(arrow, direction_label(t, d), css) for d, (arrow, css) in DIRECTION_SIGNS.items()],
        specs_json=Markup(script_json({"templates": context.templates, "charts": context.specs})),
        locale_json=Markup(script_json(vega_locale(t))),
        evidence_json=Markup(script_json(evidence_payload(t, context.alerts, context.link_prefixes))),
        bundle=Markup(context.bundle),
        low_confidence=t.number(LOW_CONFIDENCE),
    )


def evidence_payload(t: Translator, alerts: list[AlertView], prefixes: list[str]) -> dict[str, Any]:
    """The alerts table's bodies (views.py's tree, texts interned), the words around them, and each
    symptom's checks."""
    strings = _Strings()
    bodies = [a.body() for a in alerts]
    return {
        "labels": {
            "metrics": t._("Metrics against thresholds"),
            "metricColumns": [t._("metric"), t._("value"), t._("watch at"), t._("alert at")],
            "evidence": t._("Evidence:"),
            "noEvidence": t._("No evidence items were stored for this row."),
            "mostSignificant": t._("Most significant first."),
            "firstShown": t._("The first {shown} of {total} are shown."),
            "fullDetail": t._("Full detail:"),
            "check": t._("What to check before acting"),
            "factors": t._("Confidence factors (their product: {value})"),
            "more": t._("More from explain"),
        },
        "checks": {"": t._(CHECK_ALWAYS), **{a.symptom: a.check for a in alerts}},
        "prefixes": prefixes,
        "rows": [{**body, **{k: strings.intern(body[k]) for k in _INTERNED}} for body in bodies],
        "strings": strings.table,
    }


_INTERNED = ("m", "e", "f", "x")


class _Strings:
    """Every text of the bodies' trees kept once: a tree holds its index (views.py's trees hold no
    other integers), the page looks it up — status names, headings and numbers repeat row after row."""

    def __init__(self) -> None:
        self.table: list[str] = []
        self._index: dict[str, int] = {}

    def intern(self, tree: Any) -> Any:
        if isinstance(tree, str):
            if tree not in self._index:
                self._index[tree] = len(self.table)
                self.table.append(tree)
            return self._index[tree]
        if isinstance(tree, list):
            return [self.intern(v) for v in tree]
        if isinstance(tree, dict):
            return {k: v if k in ("k", "p", "u") else self.intern(v) for k, v in tree.items()}
        return tree


def vega_locale(t: Translator) -> dict[str, Any]:
    """d3's number and time format locales for Vega, from Babel's CLDR data (empty for English)."""
    if t.language == "en":
        return {}
    locale = t.locale
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    days = locale.days["format"]
    months = locale.months["format"]
    order = [6, 0, 1, 2, 3, 4, 5]  # d3 counts from Sunday, CLDR from Monday
    return {
        "formatLocale": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["", " €"],
        },
        "timeFormatLocale": {
            "dateTime": "%A %e %B %Y %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [days["wide"][i] for i in order],
            "shortDays": [days["abbreviated"][i] for i in order],
            "months": [months["wide"][i] for i in range(1, 13)],
            "shortMonths": [months["abbreviated"][i] for i in range(1, 13)],
        },
    }


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _when(t: Translator, moment: datetime | None, zone: ZoneInfo | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(zone) if zone else moment
    return t.moment(local, local.strftime("%Z"))


def _scheduled_note(t: Translator, run: RunInfo, scheduled: RunInfo | None, zone: ZoneInfo | None) -> str:
    """Says when this report does not show the numbers BI views show (the latest scheduled run)."""
    if run.trigger == "schedule":
        return ""
    if scheduled is None:
        return t._("This is an on-demand run; no scheduled run has completed yet.")
    return t._(
        "This is an on-demand run. BI views on the trend tables show the latest scheduled run, "
        "{run} (as of {as_of}); its numbers may differ."
    ).format(run=scheduled.run_id, as_of=_when(t, scheduled.as_of, zone))


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no "</script>", no "<!--"."""
    return (
        json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
