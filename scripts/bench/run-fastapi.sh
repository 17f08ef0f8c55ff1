#!/usr/bin/env bash
# The FastAPI + uvicorn + xgboost service (fastapi_app.py) that scripts/bench.sh compares against.
#   ./scripts/bench/run-fastapi.sh            serve in the foreground (Ctrl-C or kill its PID to stop)
#   ./scripts/bench/run-fastapi.sh install    only create/update the venv, then exit
# Knobs (defaults): PORT=18190 WORKERS=2 FRAUD_MODEL_PATH=models/default/xgb_model.json
#                   BENCH_VENV=<repo>/.venv-bench PYTHON=python3 (3.11 or newer)
# The venv is built from requirements-fastapi.txt on first use (about 1 GB with xgboost's
# dependencies, a few minutes) and rebuilt when that file changes.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${BENCH_VENV:-$ROOT/.venv-bench}"
REQS="$HERE/requirements-fastapi.txt"
PYTHON="${PYTHON:-python3}"

install_venv() {
  if [ -x "$VENV/bin/python" ] && cmp -s "$REQS" "$VENV/requirements-fastapi.txt"; then
    return 0
  fi
  command -v "$PYTHON" >/dev/null || { echo "$PYTHON not found: install python3 (3.11 or newer) with venv and pip" >&2; exit 1; }
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "$PYTHON is $("$PYTHON" --version 2>&1); numpy 2.4 needs Python 3.11 or newer (set PYTHON=...)" >&2; exit 1; }
  echo "installing $REQS into $VENV (first run: a few minutes)" >&2
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV" \
    || { echo "python venv failed: on Debian/Ubuntu apt-get install -y python3-venv" >&2; exit 1; }
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS" >&2
  cp "$REQS" "$VENV/requirements-fastapi.txt"
}

install_venv
[ "${1:-serve}" = install ] && exit 0

cd "$HERE"
# Delayed-ACK stalls: uvicorn releases that bound the --workers socket with proto 0 left
# TCP_NODELAY off on accepted connections (~40 ms per keep-alive request). The pinned uvicorn binds
# it as IPPROTO_TCP and uvloop sets TCP_NODELAY on each connection; scripts/bench.sh checks it
# before measuring (check_nodelay.py) and stops if the stall is back.
exec "$VENV/bin/python" -m uvicorn fastapi_app:app --host 127.0.0.1 --port "${PORT:-18190}" \
  --workers "${WORKERS:-2}" --loop uvloop --http httptools --no-access-log --log-level warning
