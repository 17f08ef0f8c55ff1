#!/usr/bin/env bash
# HTTP/2 cleartext benchmark, same run: h2load -c16 -m32 POSTing the sample request for DURATION
# seconds to nginx's fixed reply on h2c (../shared/bench, port 18081) and to fraudscore --h2c
# /predict (release build, real scoring). Prints one RESULT line per target and the ratio.
#   SHARED=../shared  PORT=18210  DURATION=5  ./scripts/bench_h2.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
PORT="${PORT:-18210}"
DURATION="${DURATION:-5}"
for tool in h2load nginx curl; do
  command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install -y nghttp2-client nginx curl" >&2; exit 1; }
done
LOG=$(mktemp -d /tmp/fraudscore-bench-h2.XXXXXX)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  "$SHARED/bench/run-nginx.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
cd "$ROOT"
swift build -c release --product fraudscore >"$LOG/build.log" 2>&1 || { cat "$LOG/build.log"; exit 1; }
BIN="$(swift build -c release --show-bin-path)/fraudscore"
"$SHARED/bench/run-nginx.sh" start >"$LOG/nginx.log" 2>&1
"$BIN" serve --host 127.0.0.1 --port "$PORT" --h2c --log-level warning --access-log-sample-rate 0 >"$LOG/fraudscore.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.1; done

run() {  # name url -> "RESULT name req/s=… failed=… non2xx=…"
  local out
  out=$(h2load -c16 -m32 -D "$DURATION" --warm-up-time=1 -d examples/sample_request.json \
        -H 'content-type: application/json' "$2")
  local rps failed ok total
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
  failed=$(sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p' <<<"$out")
  ok=$(sed -n 's/^status codes: \([0-9]*\) 2xx.*/\1/p' <<<"$out")
  total=$(sed -n 's/^requests: \([0-9]*\) total.*/\1/p' <<<"$out")
  echo "RESULT $1 req/s=$rps failed=$failed non2xx=$((total - ok))"
}
NGINX=$(run nginx-h2c "http://127.0.0.1:18081/predict")
FRAUD=$(run fraudscore-h2c "http://127.0.0.1:$PORT/predict")
printf '%s\n%s\n' "$NGINX" "$FRAUD"
awk -v f="$(sed -n 's/.*req\/s=\([0-9.]*\).*/\1/p' <<<"$FRAUD")" -v n="$(sed -n 's/.*req\/s=\([0-9.]*\).*/\1/p' <<<"$NGINX")" \
  'BEGIN { printf "RATIO fraudscore/nginx h2c req/s = %.2f (target >= 0.8)\n", f / n }'
