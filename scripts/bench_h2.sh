#!/usr/bin/env bash
# HTTP/2 and TLS benchmark of POST /predict (examples/sample_request.json), in one run against
# nginx's fixed reply (scripts/bench/nginx.conf) and fraudscore (release build, real scoring),
# all on 127.0.0.1:
#   h2c      h2load -t2 -c16 -m32, HTTP/2 over cleartext with prior knowledge
#   tls-h1   wrk -t2 -c64 over TLS (HTTP/1.1)
#   tls-h2   h2load -t2 -c16 -m32 over TLS (h2 chosen by ALPN)
# The TLS ports of both servers use the same self-signed EC P-256 certificate, made by
# run-nginx.sh in the run's directory. Each measured run follows an unmeasured warm-up run.
# Per run: req/s, p50, p99, non-2xx, failed requests, and server CPU per request (user + system
# CPU of the server process and its descendants from /proc/<pid>/stat, before and after the run,
# divided by the requests completed). Then fraudscore/nginx ratios, and summary.json in the log
# directory. Exits 1 if fraudscore answered any non-2xx or a request failed. Every process it
# starts is stopped on exit.
#
#   ./scripts/bench_h2.sh                                   builds release first
#   BIN=.build/release/fraudscore ./scripts/bench_h2.sh     uses that binary
# Knobs (defaults): DURATION=5 (seconds per measured run) WARMUP=1 H2_T=2 H2_C=16 H2_M=32
#   WRK_T=2 WRK_C=64 PORT=18210 (fraudscore h2c; PORT+1 its TLS port) NGINX_H1_PORT=18080
#   NGINX_H2C_PORT=18081 NGINX_TLS_PORT=18082 LOG_DIR=$(mktemp -d /tmp/fraudscore-bench-h2.XXXXXX)
# Needs: apt-get install -y nginx wrk nghttp2-client curl openssl
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/scripts/bench"
# shellcheck source=scripts/bench/lib.sh
. "$BENCH/lib.sh"

PORT="${PORT:-18210}"
TLS_PORT=$((PORT + 1))
export NGINX_H1_PORT="${NGINX_H1_PORT:-18080}" NGINX_H2C_PORT="${NGINX_H2C_PORT:-18081}" \
  NGINX_TLS_PORT="${NGINX_TLS_PORT:-18082}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
H2_T="${H2_T:-2}"
H2_C="${H2_C:-16}"
H2_M="${H2_M:-32}"
WRK_T="${WRK_T:-2}"
WRK_C="${WRK_C:-64}"
BODY_FILE="$ROOT/examples/sample_request.json"
export BODY_FILE

need_tools h2load:nghttp2-client wrk:wrk nginx:nginx curl:curl openssl:openssl || exit 1
NGINX_BIN="$(nginx_bin)"
export NGINX_BIN
for p in "$PORT" "$TLS_PORT" "$NGINX_H1_PORT" "$NGINX_H2C_PORT" "$NGINX_TLS_PORT"; do
  if port_busy "$p"; then echo "port $p on 127.0.0.1 is in use: stop what listens there or set the port knobs" >&2; exit 1; fi
done

LOG="${LOG_DIR:-$(mktemp -d /tmp/fraudscore-bench-h2.XXXXXX)}"
mkdir -p "$LOG"
stop_started_on_exit "bench_h2.sh"

BIN=$(fraudscore_binary "$LOG/build.log")

NGINX_STARTED=1
NGINX_DIR="$LOG/nginx" "$BENCH/run-nginx.sh" start >"$LOG/nginx.log" 2>&1 || { cat "$LOG/nginx.log" >&2; exit 1; }
NGINX_PID="$(cat "$LOG/nginx/nginx.pid")"
CERT="$LOG/nginx/cert.pem"
KEY="$LOG/nginx/key.pem"

# nginx.conf keeps every connection for the whole run (keepalive_requests 1e9); fraudscore gets
# the same cap: by default both end an HTTP/2 connection with GOAWAY after a number of streams,
# and h2load does not reconnect.
SERVE=(serve --host 127.0.0.1 --model "$ROOT/models/default" --log-level warning --access-log-sample-rate 0
       --max-requests-per-connection 1000000000)
"$BIN" "${SERVE[@]}" --port "$PORT" >"$LOG/fraudscore.log" 2>&1 &
FRAUD_PID=$!
STARTED+=("$FRAUD_PID")
"$BIN" "${SERVE[@]}" --port "$TLS_PORT" --tls-cert "$CERT" --tls-key "$KEY" >"$LOG/fraudscore-tls.log" 2>&1 &
FRAUD_TLS_PID=$!
STARTED+=("$FRAUD_TLS_PID")
wait_http "http://127.0.0.1:$PORT/health/ready" 30 "$FRAUD_PID" || { cat "$LOG/fraudscore.log" >&2; exit 1; }
wait_http "https://127.0.0.1:$TLS_PORT/health/ready" 30 "$FRAUD_TLS_PID" -k || { cat "$LOG/fraudscore-tls.log" >&2; exit 1; }

echo "one request each (log directory: $LOG):"
check_predict nginx-h2c "http://127.0.0.1:$NGINX_H2C_PORT/predict" "$BODY_FILE" --http2-prior-knowledge
check_predict fraud-h2c "http://127.0.0.1:$PORT/predict" "$BODY_FILE" --http2-prior-knowledge
check_predict nginx-tls "https://127.0.0.1:$NGINX_TLS_PORT/predict" "$BODY_FILE" --cacert "$CERT"
check_predict fraud-tls "https://127.0.0.1:$TLS_PORT/predict" "$BODY_FILE" --cacert "$CERT"

HZ="$(getconf CLK_TCK)"
ROWS=()            # "name rps p50 p99 non2xx failed requests cpu_us"
h2load_run() {  # seconds url
  timeout $(($1 + 60)) h2load -t"$H2_T" -c"$H2_C" -m"$H2_M" -D "$1" -d "$BODY_FILE" \
    -H 'content-type: application/json' --log-file="$LOG/h2load-requests.tsv" "$2"
}
wrk_run() {  # seconds url
  timeout $(($1 + 60)) wrk -t"$WRK_T" -c"$WRK_C" -d"$1s" --timeout 5s -s "$BENCH/post.lua" "$2"
}
measure() {  # name tool(h2load|wrk) url server-pid
  local name="$1" tool="$2" url="$3" pid="$4" before after out rps p50 p99 non2xx failed requests st line
  "${tool}_run" "$WARMUP" "$url" >"$LOG/$name-warmup.txt" 2>&1 || { cat "$LOG/$name-warmup.txt" >&2; return 1; }
  rm -f "$LOG/h2load-requests.tsv"  # h2load appends: each run's percentiles from its own requests only
  before="$(tree_cpu "$pid")"
  out="$("${tool}_run" "$DURATION" "$url" 2>&1)" || { echo "$out" >&2; return 1; }
  after="$(tree_cpu "$pid")"
  echo "$out" >"$LOG/$name.txt"
  if [ "$tool" = wrk ]; then
    line="$(grep '^RESULT' <<<"$out")" || { echo "$out" >&2; return 1; }
    requests="$(kv "$line" requests)"
    rps="$(kv "$line" req_per_s)"
    p50="$(kv "$line" p50_ms)"
    p99="$(kv "$line" p99_ms)"
    non2xx="$(kv "$line" non2xx)"
    failed="$(kv "$line" sockerr)"
  else
    # "finished in 5.00s, 123.45 req/s, ..."
    # "requests: T total, S started, D done, OK succeeded, F failed, E errored, X timeout"
    # "status codes: A 2xx, B 3xx, C 4xx, D 5xx"; the log file: start <TAB> status <TAB> µs
    rps="$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")"
    line="$(sed -n 's/^requests: //p' <<<"$out")"
    st="$(sed -n 's/^status codes: //p' <<<"$out")"
    if [ -z "$rps" ] || [ -z "$line" ] || [ -z "$st" ]; then echo "$out" >&2; return 1; fi
    requests="$(awk -F', ' '{ split($3, a, " "); print a[1] }' <<<"$line")"
    failed="$(awk -F', ' '{ split($5, a, " "); split($6, b, " "); split($7, c, " "); print a[1] + b[1] + c[1] }' <<<"$line")"
    non2xx="$(awk -F', ' '{ split($2, a, " "); split($3, b, " "); split($4, c, " "); print a[1] + b[1] + c[1] }' <<<"$st")"
    read -r p50 p99 < <(cut -f3 "$LOG/h2load-requests.tsv" | sort -n | awk '
      { v[NR] = $1 }
      END { i = int(NR * 0.50 + 0.5); j = int(NR * 0.99 + 0.5); if (i < 1) i = 1; if (j < 1) j = 1
            printf "%.3f %.3f\n", v[i] / 1000, v[j] / 1000 }')
  fi
  [ "${requests:-0}" -gt 0 ] || { echo "$name: no request completed" >&2; echo "$out" >&2; return 1; }
  ROWS+=("$name $rps $p50 $p99 $non2xx $failed $requests $(awk -v t=$(( ${after% *} - ${before% *} )) \
    -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.2f", t / hz / n * 1e6 }')")
}

echo "load: h2load -t$H2_T -c$H2_C -m$H2_M, wrk -t$WRK_T -c$WRK_C; ${DURATION}s measured after ${WARMUP}s warm-up each"
measure nginx-h2c h2load "http://127.0.0.1:$NGINX_H2C_PORT/predict" "$NGINX_PID"
measure fraudscore-h2c h2load "http://127.0.0.1:$PORT/predict" "$FRAUD_PID"
measure nginx-tls-h1 wrk "https://127.0.0.1:$NGINX_TLS_PORT/predict" "$NGINX_PID"
measure fraudscore-tls-h1 wrk "https://127.0.0.1:$TLS_PORT/predict" "$FRAUD_TLS_PID"
measure nginx-tls-h2 h2load "https://127.0.0.1:$NGINX_TLS_PORT/predict" "$NGINX_PID"
measure fraudscore-tls-h2 h2load "https://127.0.0.1:$TLS_PORT/predict" "$FRAUD_TLS_PID"
rm -f "$LOG/h2load-requests.tsv"

echo
printf '%-18s %10s %9s %9s %8s %8s %10s %12s\n' target req/s p50_ms p99_ms non2xx failed requests cpu_us/req
declare -A RPS CPU BAD
for row in "${ROWS[@]}"; do
  read -r name rps p50 p99 non2xx failed requests cpu <<<"$row"
  printf '%-18s %10.0f %9.3f %9.3f %8d %8d %10d %12.2f\n' "$name" "$rps" "$p50" "$p99" "$non2xx" "$failed" "$requests" "$cpu"
  RPS[$name]="$rps"
  CPU[$name]="$cpu"
  BAD[$name]=$((non2xx + failed))
done
echo
RATIOS=""
for proto in h2c tls-h1 tls-h2; do
  r="$(awk -v a="${RPS[fraudscore-$proto]}" -v b="${RPS[nginx-$proto]}" 'BEGIN { printf "%.2f", a / b }')"
  c="$(awk -v a="${CPU[fraudscore-$proto]}" -v b="${CPU[nginx-$proto]}" 'BEGIN { printf "%.2f", a / b }')"
  printf 'fraudscore/nginx %-7s req/s = %s   CPU per request = %s\n' "$proto" "$r" "$c"
  RATIOS+="${RATIOS:+, }\"$proto\": {\"req_per_s\": $r, \"cpu_per_request\": $c}"
done

{
  printf '{\n  "date_utc": "%s",\n  "git_commit": "%s",\n  "cpus": %d,\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" "$(nproc)"
  printf '  "load": {"h2load": "-t%d -c%d -m%d", "wrk": "-t%d -c%d", "duration_s": %d, "warmup_s": %d},\n' \
    "$H2_T" "$H2_C" "$H2_M" "$WRK_T" "$WRK_C" "$DURATION" "$WARMUP"
  printf '  "runs": [\n'
  sep=""
  for row in "${ROWS[@]}"; do
    read -r name rps p50 p99 non2xx failed requests cpu <<<"$row"
    printf '%s    {"name": "%s", "req_per_s": %s, "p50_ms": %s, "p99_ms": %s, "non2xx": %d, "failed": %d, "requests": %d, "cpu_us_per_request": %s}' \
      "$sep" "$name" "$rps" "$p50" "$p99" "$non2xx" "$failed" "$requests" "$cpu"
    sep=$',\n'
  done
  printf '\n  ],\n  "fraudscore_over_nginx": {%s}\n}\n' "$RATIOS"
} >"$LOG/summary.json"
echo
echo "summary: $LOG/summary.json"

bad=$((BAD[fraudscore-h2c] + BAD[fraudscore-tls-h1] + BAD[fraudscore-tls-h2]))
if [ "$bad" -ne 0 ]; then
  echo "FAIL: fraudscore had $bad non-2xx or failed requests" >&2
  exit 1
fi
