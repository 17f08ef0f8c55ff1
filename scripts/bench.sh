#!/usr/bin/env bash
# HTTP/1.1 benchmark of POST /predict, three servers in one run under the same load
# (wrk -t2 -c64 -d5s keep-alive, POSTing examples/sample_request.json), all on 127.0.0.1:
#   nginx       fixed JSON reply, no scoring (scripts/bench/nginx.conf): the HTTP ceiling here
#   fastapi     FastAPI + uvicorn (2 workers, uvloop, httptools) + xgboost (scripts/bench/fastapi_app.py)
#   fraudscore  the release binary scoring models/default
# Prints per target: req/s, p50, p99, non-2xx, socket errors, and server CPU per request: user +
# system CPU time of the server process and all its descendants (nginx master and workers,
# uvicorn parent and workers), from /proc/<pid>/stat before and after the measured wrk run,
# divided by the requests wrk completed; and the server's resident memory (VmRSS of the same
# processes, summed) after the measured run. Then the ratios, a chart (docs/bench.png) and
# summary.json in the run's log directory. Exits 1 if fraudscore answered any non-2xx or a
# socket error. Every process it starts is stopped on exit, failed or not.
#
#   ./scripts/bench.sh                                      builds release first
#   BIN=.build/release/fraudscore ./scripts/bench.sh        uses that binary
# Knobs (defaults): WRK_D=5s WRK_T=2 WRK_C=64 WARMUP=1s (unmeasured wrk run before each target)
#   PORT=18200 (fraudscore) FASTAPI_PORT=18190 NGINX_H1_PORT=18080 NGINX_H2C_PORT=18081
#   NGINX_TLS_PORT=18082 CHART=docs/bench.png LOG_DIR=$(mktemp -d /tmp/fraudscore-bench.XXXXXX)
#   BENCH_VENV=.venv-bench (the FastAPI service's and the chart's Python)
# Needs: apt-get install -y nginx wrk curl openssl; python3 >= 3.11 with venv (the FastAPI
# service and matplotlib go into .venv-bench/ on first run, about 1 GB).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/scripts/bench"
# shellcheck source=scripts/bench/lib.sh
. "$BENCH/lib.sh"

PORT="${PORT:-18200}"
FASTAPI_PORT="${FASTAPI_PORT:-18190}"
export NGINX_H1_PORT="${NGINX_H1_PORT:-18080}" NGINX_H2C_PORT="${NGINX_H2C_PORT:-18081}" \
  NGINX_TLS_PORT="${NGINX_TLS_PORT:-18082}"
WRK_T="${WRK_T:-2}"
WRK_C="${WRK_C:-64}"
WRK_D="${WRK_D:-5s}"
WARMUP="${WARMUP:-1s}"
CHART="${CHART:-$ROOT/docs/bench.png}"
VENV="${BENCH_VENV:-$ROOT/.venv-bench}"
BODY_FILE="$ROOT/examples/sample_request.json"
export BODY_FILE

need_tools wrk:wrk nginx:nginx curl:curl openssl:openssl python3:python3 || exit 1
NGINX_BIN="$(nginx_bin)"
export NGINX_BIN
for p in "$PORT" "$FASTAPI_PORT" "$NGINX_H1_PORT" "$NGINX_H2C_PORT" "$NGINX_TLS_PORT"; do
  if port_busy "$p"; then echo "port $p on 127.0.0.1 is in use: stop what listens there or set the port knobs" >&2; exit 1; fi
done

LOG="${LOG_DIR:-$(mktemp -d /tmp/fraudscore-bench.XXXXXX)}"
mkdir -p "$LOG"
stop_started_on_exit "bench.sh"

BIN=$(fraudscore_binary "$LOG/build.log")

if ! [ -x "$VENV/bin/python" ] || ! cmp -s "$BENCH/requirements-fastapi.txt" "$VENV/requirements-fastapi.txt"; then
  echo "installing scripts/bench/requirements-fastapi.txt into $VENV (about 1 GB, a few minutes; log: $LOG/venv.log)"
fi
"$BENCH/run-fastapi.sh" install >"$LOG/venv.log" 2>&1 \
  || { tail -n 40 "$LOG/venv.log" >&2; echo "could not prepare $VENV (log: $LOG/venv.log)" >&2; exit 1; }

# --- start the three servers ----------------------------------------------------------------
NGINX_STARTED=1
NGINX_DIR="$LOG/nginx" "$BENCH/run-nginx.sh" start >"$LOG/nginx.log" 2>&1 || { cat "$LOG/nginx.log" >&2; exit 1; }
NGINX_PID="$(cat "$LOG/nginx/nginx.pid")"

PORT="$FASTAPI_PORT" "$BENCH/run-fastapi.sh" >"$LOG/fastapi.log" 2>&1 &
FASTAPI_PID=$!
STARTED+=("$FASTAPI_PID")

# Both servers keep a connection for the whole run: nginx.conf sets keepalive_requests 1e9, and
# fraudscore gets the same cap (its default, 10,000, would make wrk reconnect mid-run).
"$BIN" serve --host 127.0.0.1 --port "$PORT" --model "$ROOT/models/default" --log-level warning \
  --access-log-sample-rate 0 --max-requests-per-connection 1000000000 >"$LOG/fraudscore.log" 2>&1 &
FRAUD_PID=$!
STARTED+=("$FRAUD_PID")

wait_http "http://127.0.0.1:$PORT/health/ready" 30 "$FRAUD_PID" || { cat "$LOG/fraudscore.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$FASTAPI_PORT/health" 60 "$FASTAPI_PID" || { cat "$LOG/fastapi.log" >&2; exit 1; }

echo "one request each (log directory: $LOG):"
check_predict nginx "http://127.0.0.1:$NGINX_H1_PORT/predict" "$BODY_FILE"
check_predict fastapi "http://127.0.0.1:$FASTAPI_PORT/predict" "$BODY_FILE"
check_predict fraudscore "http://127.0.0.1:$PORT/predict" "$BODY_FILE"
# uvicorn releases with the multi-worker TCP_NODELAY bug stall ~40 ms per keep-alive request
"$VENV/bin/python" "$BENCH/check_nodelay.py" "http://127.0.0.1:$FASTAPI_PORT/predict" "$BODY_FILE" >"$LOG/nodelay.log" 2>&1 \
  || { cat "$LOG/nodelay.log" >&2; exit 1; }

# --- measure ----------------------------------------------------------------------------------
HZ="$(getconf CLK_TCK)"
declare -A REQUESTS RPS P50 P99 NON2XX SOCKERR CPU_S CPU_US PROCS RSS
run_wrk() {  # duration url -> wrk's RESULT line
  timeout 3600 wrk -t"$WRK_T" -c"$WRK_C" -d"$1" --timeout 5s -s "$BENCH/post.lua" "$2"
}
measure() {  # name url server-pid
  local name="$1" url="$2" pid="$3" before after out line ticks
  run_wrk "$WARMUP" "$url" >"$LOG/wrk-$name-warmup.txt" 2>&1 || { cat "$LOG/wrk-$name-warmup.txt" >&2; return 1; }
  before="$(tree_cpu "$pid")"
  out="$(run_wrk "$WRK_D" "$url" 2>&1)" || { echo "$out" >&2; return 1; }
  after="$(tree_cpu "$pid")"
  RSS[$name]="$(tree_rss_mb "$pid")"
  echo "$out" >"$LOG/wrk-$name.txt"
  line="$(grep '^RESULT' <<<"$out")" || { echo "$out" >&2; return 1; }
  [ "${before#* }" = "${after#* }" ] || echo "warning: $name's process count changed during the run (${before#* } -> ${after#* })" >&2
  ticks=$(( ${after% *} - ${before% *} ))
  REQUESTS[$name]="$(kv "$line" requests)"
  RPS[$name]="$(kv "$line" req_per_s)"
  P50[$name]="$(kv "$line" p50_ms)"
  P99[$name]="$(kv "$line" p99_ms)"
  NON2XX[$name]="$(kv "$line" non2xx)"
  SOCKERR[$name]="$(kv "$line" sockerr)"
  PROCS[$name]="${after#* }"
  [ "${REQUESTS[$name]}" -gt 0 ] || { echo "$name: wrk completed no request" >&2; return 1; }
  CPU_S[$name]="$(awk -v t="$ticks" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')"
  CPU_US[$name]="$(awk -v t="$ticks" -v hz="$HZ" -v n="${REQUESTS[$name]}" 'BEGIN { printf "%.2f", t / hz / n * 1e6 }')"
}

TARGETS=(nginx fastapi fraudscore)
echo "load: wrk -t$WRK_T -c$WRK_C -d$WRK_D POST /predict (examples/sample_request.json), after a $WARMUP warm-up each"
measure nginx "http://127.0.0.1:$NGINX_H1_PORT/predict" "$NGINX_PID"
measure fastapi "http://127.0.0.1:$FASTAPI_PORT/predict" "$FASTAPI_PID"
measure fraudscore "http://127.0.0.1:$PORT/predict" "$FRAUD_PID"

echo
printf '%-11s %10s %9s %9s %8s %9s %12s %10s %6s %7s\n' target req/s p50_ms p99_ms non2xx sock_err cpu_us/req requests procs rss_mb
for t in "${TARGETS[@]}"; do
  printf '%-11s %10.0f %9.3f %9.3f %8d %9d %12.2f %10d %6d %7.1f\n' "$t" "${RPS[$t]}" "${P50[$t]}" "${P99[$t]}" \
    "${NON2XX[$t]}" "${SOCKERR[$t]}" "${CPU_US[$t]}" "${REQUESTS[$t]}" "${PROCS[$t]}" "${RSS[$t]}"
done
RATIO_RPS_NGINX="$(awk -v a="${RPS[fraudscore]}" -v b="${RPS[nginx]}" 'BEGIN { printf "%.2f", a / b }')"
RATIO_RPS_FASTAPI="$(awk -v a="${RPS[fraudscore]}" -v b="${RPS[fastapi]}" 'BEGIN { printf "%.1f", a / b }')"
RATIO_CPU_FASTAPI="$(awk -v a="${CPU_US[fastapi]}" -v b="${CPU_US[fraudscore]}" 'BEGIN { printf "%.1f", a / b }')"
RATIO_CPU_NGINX="$(awk -v a="${CPU_US[fraudscore]}" -v b="${CPU_US[nginx]}" 'BEGIN { printf "%.2f", a / b }')"
echo
echo "fraudscore/nginx req/s                    = $RATIO_RPS_NGINX  (nginx's fixed reply is the ceiling)"
echo "fraudscore/nginx CPU per request          = $RATIO_CPU_NGINX"
echo "fraudscore/fastapi req/s                  = $RATIO_RPS_FASTAPI"
echo "fastapi/fraudscore CPU per request        = $RATIO_CPU_FASTAPI  (goal >= 60)"

# --- summary.json and chart -------------------------------------------------------------------
{
  printf '{\n  "date_utc": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '  "git_commit": "%s",\n' "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  printf '  "machine": {"cpus": %d, "kernel": "%s", "cpu_model": "%s"},\n' "$(nproc)" "$(uname -r)" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr -d '"\\[:cntrl:]')"
  printf '  "load": {"tool": "wrk", "threads": %d, "connections": %d, "duration": "%s", "warmup": "%s", "body": "examples/sample_request.json"},\n' \
    "$WRK_T" "$WRK_C" "$WRK_D" "$WARMUP"
  printf '  "targets": [\n'
  sep=""
  for t in "${TARGETS[@]}"; do
    printf '%s    {"name": "%s", "requests": %d, "req_per_s": %s, "p50_ms": %s, "p99_ms": %s, "non2xx": %d, "socket_errors": %d, "server_cpu_s": %s, "cpu_us_per_request": %s, "server_processes": %d, "server_rss_mb": %s}' \
      "$sep" "$t" "${REQUESTS[$t]}" "${RPS[$t]}" "${P50[$t]}" "${P99[$t]}" "${NON2XX[$t]}" "${SOCKERR[$t]}" \
      "${CPU_S[$t]}" "${CPU_US[$t]}" "${PROCS[$t]}" "${RSS[$t]}"
    sep=$',\n'
  done
  printf '\n  ],\n  "ratios": {"fraudscore_over_nginx_req_per_s": %s, "fraudscore_over_nginx_cpu_per_request": %s, "fraudscore_over_fastapi_req_per_s": %s, "fastapi_over_fraudscore_cpu_per_request": %s}\n}\n' \
    "$RATIO_RPS_NGINX" "$RATIO_CPU_NGINX" "$RATIO_RPS_FASTAPI" "$RATIO_CPU_FASTAPI"
} >"$LOG/summary.json"
echo
echo "summary: $LOG/summary.json"
mkdir -p "$(dirname "$CHART")"
MPLBACKEND=Agg "$VENV/bin/python" "$BENCH/chart.py" "$LOG/summary.json" "$CHART" \
  || echo "warning: no chart (see the error above)" >&2

if [ "${NON2XX[fraudscore]}" -ne 0 ] || [ "${SOCKERR[fraudscore]}" -ne 0 ]; then
  echo "FAIL: fraudscore answered ${NON2XX[fraudscore]} non-2xx responses and had ${SOCKERR[fraudscore]} socket errors" >&2
  exit 1
fi
