#!/usr/bin/env bash
# The whole test suite on a fresh machine: venv, install, lint, types, tests (PostgreSQL included when reachable).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

# PostgreSQL is a first-class store: start the local server when it is installed but down. When it
# cannot be reached the PostgreSQL tests are skipped, each with the reason (pytest -ra prints them).
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "PostgreSQL is down; starting it" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

# The report test opens the HTML in a real headless browser: Debian's chromium (Playwright's own
# browser download cannot work here). Installed when missing; the test skips, saying why, if it can't be.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing chromium for the report test" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || echo "chromium could not be installed; the browser test will be skipped" >&2
fi

echo "== ruff" && .venv/bin/ruff check src connectors tests bench && .venv/bin/ruff format --check src connectors tests bench
echo "== mypy (strict)" && .venv/bin/mypy
echo "== pytest" && .venv/bin/pytest "$@"
