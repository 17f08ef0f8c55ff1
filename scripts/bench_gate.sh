#!/usr/bin/env bash
# The promotion gate's cost: `fraudscore compare-models` on 10,000 labeled rows with 1,000 paired
# bootstrap resamples (both models score every row, then the bootstrap), five runs, each run's
# elapsed_ms as the command reports it. Builds release; makes the models and rows with
# scripts/gate_data.py (needs the tests' Python packages: scripts/venv.sh).
#   scripts/bench_gate.sh        (RESAMPLES=1000 RUNS=5)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RESAMPLES="${RESAMPLES:-1000}" RUNS="${RUNS:-5}"
OUT="$(mktemp -d /tmp/fraudscore-gate.XXXXXX)"
trap 'rm -rf "$OUT"' EXIT
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || { echo "no $PY: run scripts/venv.sh first (or set PYTHON)" >&2; exit 1; }
swift build -c release --product fraudscore >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
BIN="$(swift build -c release --show-bin-path)/fraudscore"
"$PY" scripts/gate_data.py "$OUT" >/dev/null
REPORT='
import json, sys
e = json.load(sys.stdin)
low, high = e["delta_interval"]
print("run %s: %d rows, %d resamples: %d ms (%s, %s %.4f vs %.4f, delta in [%.4f, %.4f])" % (
    sys.argv[1], e["rows"], e["resamples"], e["elapsed_ms"], e["decision"], e["metric"], e["candidate"],
    e["serving"], low, high))'
for i in $(seq "$RUNS"); do
  "$BIN" compare-models tests/fixtures/models/xgb_model.json "$OUT/retrained.json" --rows "$OUT/evaluation.jsonl" \
    --gate-resamples "$RESAMPLES" --gate-seed "$i" | "$PY" -c "$REPORT" "$i" || true
done
