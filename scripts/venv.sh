#!/usr/bin/env bash
# Makes or updates the project venvs with pinned Python packages; reinstalls one only when its
# requirements file changes. Nothing is installed into the system's Python (Debian 12 and Ubuntu
# 24.04 refuse that: externally managed).
#   .venv/ (or $FRAUDSCORE_VENV)          tests/requirements.txt: pytest, the model libraries, moto, mlflow
#   .venv-oip/ (or $FRAUDSCORE_OIP_VENV)  tests/requirements-oip.txt: tritonclient and KServe's SDK, whose
#                                         protobuf and pandas pins clash with the first
set -euo pipefail
cd "$(dirname "$0")/.."

make_venv() {
  local venv="$1" requirements="$2"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { echo "cannot create $venv: install python3-venv (scripts/setup.sh does)" >&2; exit 1; }
  fi
  local stamp="$venv/.requirements.sha256" want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "installing $requirements into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
    echo "$want" >"$stamp"
  fi
}

make_venv "${FRAUDSCORE_VENV:-.venv}" tests/requirements.txt
make_venv "${FRAUDSCORE_OIP_VENV:-.venv-oip}" tests/requirements-oip.txt
