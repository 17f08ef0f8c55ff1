#!/usr/bin/env bash
# The whole test suite: Swift unit and socket tests, then end-to-end tests of the built binary
# (golden replay over HTTP, HTTP/2 and TLS, SIGTERM under load, CLI, S3 model versions against moto).
# Needs scripts/setup.sh's packages. The Python test packages (tests/requirements.txt, pinned) go
# into a project venv, .venv/ (FRAUDSCORE_VENV to put it elsewhere), made on the first run and
# updated when the requirements change; nothing is installed into the system's Python.
# Every fixture the tests read is in tests/fixtures/ (scripts/make_fixtures.py makes them).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${FRAUDSCORE_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || { echo "cannot create $VENV: install python3-venv (scripts/setup.sh does)" >&2; exit 1; }
fi
STAMP="$VENV/.requirements.sha256"
WANT=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "installing tests/requirements.txt into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r tests/requirements.txt
  echo "$WANT" >"$STAMP"
fi
export PATH="$PWD/$VENV/bin:$PATH"
swift build --build-tests
swift test
FRAUDSCORE_BIN="$(swift build --show-bin-path)/fraudscore" python -m pytest -q tests/e2e
