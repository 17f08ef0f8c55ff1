#!/usr/bin/env bash
# The whole test suite: Swift unit and socket tests, then end-to-end tests of the built binary
# (golden replay over HTTP, SIGTERM under load, CLI, S3 model versions against moto). Needs
# scripts/setup.sh's packages, python3 with pip, and ../shared beside the repository for the golden
# files; the Python test packages (tests/requirements.txt, pinned) are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -r tests/requirements.txt
swift build --build-tests
swift test
FRAUDSCORE_BIN="$(swift build --show-bin-path)/fraudscore" python3 -m pytest -q tests/e2e
