#!/usr/bin/env bash
# One-command benchmark: fraudscore's POST /predict against the anchors, measured in the same run
# with the same load (wrk -t2 -c64 -d5s, the sample request): nginx's fixed JSON reply (the HTTP
# ceiling of this machine) and the FastAPI + uvicorn + xgboost service users run today.
# Prints one RESULT line per target and the ratios. Loopback only; every run is bounded.
#   SHARED=../shared  PORT=18200  WRK_D=5s  ./scripts/bench.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
PORT="${PORT:-18200}"
FASTAPI_PORT=18190
BENCH="$SHARED/bench"
[ -x "$BENCH/bench.sh" ] || { echo "no $BENCH/bench.sh: set SHARED to the shared/ folder" >&2; exit 1; }
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install -y wrk nginx curl" >&2; exit 1; }
done
LOG=$(mktemp -d /tmp/fraudscore-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  "$BENCH/run-nginx.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

wait_http() {  # url, seconds
  for _ in $(seq $(( $2 * 10 ))); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not answering: $1" >&2; return 1
}

cd "$ROOT"
swift build -c release --product fraudscore >"$LOG/build.log" 2>&1 || { cat "$LOG/build.log"; exit 1; }
BIN="$(swift build -c release --show-bin-path)/fraudscore"

"$BENCH/run-nginx.sh" start >"$LOG/nginx.log" 2>&1
"$BENCH/run-fastapi.sh" >"$LOG/fastapi.log" 2>&1 &
PIDS+=($!)
"$BIN" serve --host 127.0.0.1 --port "$PORT" --log-level warning >"$LOG/fraudscore.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT/health/ready" 30
wait_http "http://127.0.0.1:$FASTAPI_PORT/health" 600   # first run builds its venv

run() {  # name target
  local line
  line=$("$BENCH/bench.sh" "$2" - | grep '^RESULT')
  echo "$1 $line"
}
NGINX=$(run nginx 127.0.0.1:18080)
FASTAPI=$(run fastapi 127.0.0.1:$FASTAPI_PORT)
FRAUD=$(run fraudscore 127.0.0.1:$PORT)
printf '%s\n%s\n%s\n' "$NGINX" "$FASTAPI" "$FRAUD"

field() { sed -n "s|.* $2=\([0-9.]*\).*|\1|p" <<<"$1"; }
awk -v f="$(field "$FRAUD" 'req/s')" -v n="$(field "$NGINX" 'req/s')" -v a="$(field "$FASTAPI" 'req/s')" \
    -v fp="$(field "$FRAUD" p99)" -v np="$(field "$NGINX" p99)" -v fe="$(field "$FRAUD" non2xx)" 'BEGIN {
  printf "RATIO fraudscore/nginx req/s = %.2f (target >= 0.6)\n", f / n
  printf "RATIO fraudscore/fastapi req/s = %.1f (target >= 60)\n", f / a
  printf "RATIO fraudscore/nginx p99 = %.2f (target <= 2)\n", fp / np
  if (fe != 0) { printf "fraudscore answered %d non-2xx responses\n", fe; exit 1 }
}'
