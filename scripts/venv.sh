#!/usr/bin/env bash
# Makes or updates the project venv (.venv/, or $FRAUDSCORE_VENV) with the pinned Python test
# packages of tests/requirements.txt; reinstalls only when that file changes. Nothing is installed
# into the system's Python (Debian 12 and Ubuntu 24.04 refuse that: externally managed).
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
