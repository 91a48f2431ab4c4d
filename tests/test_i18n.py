"""French and English: the catalogues are complete, compiled from their .po, keep their placeholders,
and dates and numbers follow the locale."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from orgpulse.errors import ConfigError
from orgpulse.i18n import LANGUAGES, catalogue_path, translator

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2), "ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("**/templates/**.j2", "jinja2")]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def _source_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    options = {"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT / "src" / "orgpulse"), METHODS, keywords=KEYWORDS, options_map=options
    ):
        found.add(tuple(message) if isinstance(message, list | tuple) else message)
    return found


def _po(language: str) -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    with (ROOT / "src" / "orgpulse" / "locales" / language / "LC_MESSAGES" / "orgpulse.po").open("rb") as f:
        catalogue = read_po(f)
    return {
        (tuple(m.id) if isinstance(m.id, list | tuple) else m.id): (
            tuple(m.string) if isinstance(m.string, list | tuple) else m.string
        )
        for m in catalogue
        if m.id
    }


def test_every_message_in_the_code_is_translated_into_french() -> None:
    """A string marked in the code but missing from fr/…/orgpulse.po would show in English: run
    scripts/i18n.sh and translate it."""
    messages, french = _source_messages(), _po("fr")
    assert messages - set(french) == set()
    untranslated = [m for m, s in french.items() if not s or (isinstance(s, tuple) and not all(s))]
    assert untranslated == []
    assert set(french) - messages == set()  # no stale entry: extraction and the .po agree


def test_translations_keep_their_placeholders() -> None:
    for message, string in _po("fr").items():
        ids = message if isinstance(message, tuple) else (message,)
        strings = string if isinstance(string, tuple) else (string,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            assert sorted(PLACEHOLDER.findall(s)) == wanted, (message, s)


def test_the_shipped_mo_is_compiled_from_the_po() -> None:
    """The .mo is committed (a fresh install has nothing to build); it must say what the .po says."""
    with catalogue_path("fr").open("rb") as f:
        compiled = {m.id if isinstance(m.id, str) else tuple(m.id): m.string for m in read_mo(f) if m.id}
    normalised = {k: tuple(v) if isinstance(v, list) else v for k, v in compiled.items()}
    assert normalised == _po("fr")


def test_dates_and_numbers_follow_the_locale() -> None:
    en, fr = translator("en"), translator("fr")
    assert en.date(date(2026, 3, 2)) == "2 Mar 2026"
    assert fr.date(date(2026, 3, 2)) == "2 mars 2026"
    assert fr.date(date(2026, 7, 6), short=True) == "6 juil."
    assert en.number(1234.567) == "1,234.57"
    assert fr.number(1234.567).replace("\u202f", " ") == "1 234,57"
    assert en.share(0.234) == "23%"
    assert fr.share(0.234) == "23\u00a0%"
    assert (en.hours(3.25), en.hours(52.3)) == ("3.2 h", "52 h (2.2 d)")
    assert fr.hours(52.3) == "52 h (2,2 j)"
    assert fr.moment(datetime(2026, 3, 2, 3, 0, tzinfo=UTC), "UTC") == "2 mars 2026, 03:00 UTC"
    assert fr._("Severity") == "Gravité"
    assert en._("Severity") == "Severity"
    assert fr.n_("{n} issue", "{n} issues", 3).format(n=3) == "3 tickets"


@pytest.mark.parametrize("language", [None, *LANGUAGES, " FR "])
def test_known_languages(language: str | None) -> None:
    assert translator(language).language in LANGUAGES


def test_an_unknown_language_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="'de' is not one of en, fr"):
        translator("de")
