#!/usr/bin/env bash
# The whole test suite: Swift unit and socket tests, then end-to-end tests of the built binary
# (golden replay over HTTP, HTTP/2 and TLS, SIGTERM under load, CLI, S3 model versions against moto).
# Needs scripts/setup.sh's packages. The Python test packages live in the project venv, .venv/
# (scripts/venv.sh makes it on the first run). Every fixture the tests read is in tests/fixtures/
# (scripts/make_fixtures.py makes them).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/venv.sh
export PATH="$PWD/${FRAUDSCORE_VENV:-.venv}/bin:$PATH"
swift build --build-tests
swift test
# The fuzz targets' corpora, crashers found once included, replayed through a plain build.
BIN="$(swift build --show-bin-path)"
for t in FuzzInferBody FuzzGRPCRequest FuzzHTTP1 FuzzHTTP2Frames FuzzJSON FuzzTransaction FuzzModels FuzzCatBoost; do "$BIN/$t" "Fuzz/corpus/$t"; done
FRAUDSCORE_BIN="$(swift build --show-bin-path)/fraudscore" python -m pytest -q tests/e2e
