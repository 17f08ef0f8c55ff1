#!/usr/bin/env bash
# The whole test suite: Swift unit and socket tests, then end-to-end tests of the built binary
# (golden replay over HTTP, SIGTERM under load, CLI and environment). Needs scripts/setup.sh's
# packages, python3 with pytest, and ../shared beside the repository for the golden files.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test
FRAUDSCORE_BIN="$(swift build --show-bin-path)/fraudscore" python3 -m pytest -q tests/e2e
