"""French and English for every output a person reads: the report, `analyze` and `explain`.

Messages live in gettext catalogues (`orgpulse/locales/<lang>/LC_MESSAGES/orgpulse.po`), extracted
and compiled with Babel (`scripts/i18n.sh`); the compiled `.mo` is committed and shipped as package
data, so a fresh install speaks French with nothing to build, and a test keeps it in step with its
`.po`. English is the source language: its catalogue is the identity. Dates and numbers are
formatted per locale with Babel's CLDR data ("2 mars 2026", "1 234,5").

Strings are marked with `N_` where they are defined (so extraction finds them) and translated
where they are shown, through the `Translator` of the language in effect; nothing here is
process-wide state.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import NumberPattern, parse_pattern

from orgpulse.errors import ConfigError

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
DOMAIN = "orgpulse"
Day = date  # the class's own `date` method hides the type inside its body


def N_(message: str) -> str:
    """Marks `message` for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    """One language's messages and its formats for dates, numbers, shares and hours."""

    language: str
    catalogue: gettext.NullTranslations

    @property
    def locale(self) -> Locale:
        return _locale(self.language)

    def _(self, message: str) -> str:
        return self.catalogue.gettext(message)

    def n_(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    def date(self, day: date, *, short: bool = False) -> str:
        """A calendar day: "2 Mar 2026" / "2 mars 2026" (short: "2 Mar" / "2 mars")."""
        return str(format_date(day, "d MMM" if short else "d MMM y", locale=self.language))

    def month(self, day: Day) -> str:
        """The month's short name, standing alone: "Sep" / "sept."."""
        return str(format_date(day, "LLL", locale=self.language))

    def moment(self, when: datetime, zone_name: str) -> str:
        """A moment, in a zone already applied to it: "2 Mar 2026, 03:00 CET"."""
        text = str(format_datetime(when, "d MMM y, HH:mm", locale=self.language))
        return f"{text} {zone_name}".rstrip()

    def number(self, value: float, *, digits: int = 2) -> str:
        """A number with at most `digits` decimals, grouped per locale: "1,234.5" / "1 234,5"."""
        pattern = _pattern("#,##0" + ("." + "#" * digits if digits else ""))
        return str(pattern.apply(value, self.locale))

    def share(self, value: float) -> str:
        """A share in [0, 1] as a percentage: "23%" / "23 %"."""
        return str(self.locale.percent_formats[None].apply(value, self.locale))

    def hours(self, value: float) -> str:
        """Hours, with a day equivalent past two days: "36 h", "52 h (2.2 d)" / "52 h (2,2 j)"."""
        hours = self.number(value, digits=1 if value < 10 else 0)
        if value < 48:
            return f"{hours} h"
        return self._("{hours} h ({days} d)").format(hours=hours, days=self.number(value / 24, digits=1))


def translator(language: str | None = None) -> Translator:
    """The translator of `language` ("en" or "fr"; None is English); ConfigError for any other."""
    language = (language or DEFAULT_LANGUAGE).strip().lower()
    if language not in LANGUAGES:
        raise ConfigError([f"language: {language!r} is not one of {', '.join(LANGUAGES)}"])
    return Translator(language, _catalogue(language))


def catalogue_path(language: str, suffix: str = ".mo") -> Traversable:
    """Where the installed package keeps a language's catalogue (compiled `.mo`, or its `.po`)."""
    return resources.files("orgpulse").joinpath("locales", language, "LC_MESSAGES", f"{DOMAIN}{suffix}")


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    try:
        with catalogue_path(language).open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    except OSError as exc:  # a broken install: say which file is missing rather than fall back silently
        raise ConfigError(
            [f"language: the {language} catalogue is missing from the install ({exc})"]
        ) from exc
