#!/usr/bin/env bash
# The gettext catalogues: extract every marked string into the template (.pot), merge it into each
# language's .po, and compile the .mo that ships in the package (committed, so a fresh install
# speaks every language with nothing to build; tests/test_i18n.py fails when a .mo is stale).
#
#   scripts/i18n.sh            extract + update + compile
#   scripts/i18n.sh compile    compile only (after editing a .po)
set -euo pipefail
cd "$(dirname "$0")/.."
BABEL=.venv/bin/pybabel
LOCALES=src/orgpulse/locales
if [ "${1:-}" != "compile" ]; then
  "$BABEL" extract -F babel.cfg -k _ -k N_ -k n_:1,2 -k ngettext:1,2 --no-location --sort-output --width 100 \
    --project orgpulse --copyright-holder "orgpulse contributors" -o "$LOCALES/orgpulse.pot" src/orgpulse
  for po in "$LOCALES"/*/LC_MESSAGES/orgpulse.po; do
    "$BABEL" update --no-fuzzy-matching --ignore-obsolete --width 100 -i "$LOCALES/orgpulse.pot" -o "$po" -l "$(basename "$(dirname "$(dirname "$po")")")"
  done
fi
for po in "$LOCALES"/*/LC_MESSAGES/orgpulse.po; do
  "$BABEL" compile --statistics -i "$po" -o "${po%.po}.mo"
done
