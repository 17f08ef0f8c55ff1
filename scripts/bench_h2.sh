#!/usr/bin/env bash
# HTTP/2 and TLS benchmark, same run, against nginx's fixed reply (../shared/bench) and fraudscore
# /predict (release build, real scoring):
#   h2c: h2load -c16 -m32 POSTing the sample request for DURATION seconds (nginx :18081);
#   TLS: ../shared/bench/bench.sh against nginx :18082 and fraudscore --tls-cert with nginx's own
#        certificate: wrk -t2 -c64 (HTTP/1.1 over TLS) and h2load -c16 -m32 (h2 by ALPN).
# Both servers keep connections for the whole run: nginx's bench config sets keepalive_requests 1e8,
# fraudscore gets the same --max-requests-per-connection (by default both end an HTTP/2 connection
# with a graceful GOAWAY after a number of streams, and h2load does not reconnect).
# Prints one RESULT line per target and the ratios.
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
TLSPID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  [ -n "$TLSPID" ] && kill "$TLSPID" 2>/dev/null || true
  "$SHARED/bench/run-nginx.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
cd "$ROOT"
swift build -c release --product fraudscore >"$LOG/build.log" 2>&1 || { cat "$LOG/build.log"; exit 1; }
BIN="$(swift build -c release --show-bin-path)/fraudscore"
"$SHARED/bench/run-nginx.sh" start >"$LOG/nginx.log" 2>&1
KEEP=(--max-requests-per-connection 100000000)
"$BIN" serve --host 127.0.0.1 --port "$PORT" "${KEEP[@]}" --log-level warning --access-log-sample-rate 0 >"$LOG/fraudscore.log" 2>&1 &
PID=$!
TLSPORT=$((PORT + 1))
"$BIN" serve --host 127.0.0.1 --port "$TLSPORT" "${KEEP[@]}" --tls-cert /tmp/anchors-nginx/cert.pem \
  --tls-key /tmp/anchors-nginx/key.pem --log-level warning --access-log-sample-rate 0 >"$LOG/fraudscore-tls.log" 2>&1 &
TLSPID=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.1; done
for _ in $(seq 100); do curl -skf -o /dev/null "https://127.0.0.1:$TLSPORT/health/ready" && break; sleep 0.1; done

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
NGINX_TLS=$("$SHARED/bench/bench.sh" https://127.0.0.1:18082 https://127.0.0.1:18082)
FRAUD_TLS=$("$SHARED/bench/bench.sh" "https://127.0.0.1:$TLSPORT" "https://127.0.0.1:$TLSPORT")
printf '%s\n' "$NGINX" "$FRAUD" "nginx-tls:" "$NGINX_TLS" "fraudscore-tls:" "$FRAUD_TLS"
rps() { sed -n "s/^$1.*req\/s=\([0-9.]*\).*/\1/p" <<<"$2" | head -n 1; }
ratio() { awk -v f="$2" -v n="$3" -v what="$1" 'BEGIN { printf "RATIO fraudscore/nginx %s req/s = %.2f (target >= 0.8)\n", what, f / n }'; }
ratio h2c "$(rps RESULT "$FRAUD")" "$(rps RESULT "$NGINX")"
ratio "h1 over TLS (wrk)" "$(rps 'RESULT wrk' "$FRAUD_TLS")" "$(rps 'RESULT wrk' "$NGINX_TLS")"
ratio "h2 over TLS (h2load)" "$(rps 'RESULT h2load' "$FRAUD_TLS")" "$(rps 'RESULT h2load' "$NGINX_TLS")"
