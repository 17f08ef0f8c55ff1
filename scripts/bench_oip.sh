#!/usr/bin/env bash
# The Open Inference Protocol, REST and gRPC, in one run against the server KServe runs for
# XGBoost: MLServer 1.7.1 with its XGBoost runtime (.venv-mlserver/, made from
# scripts/bench/requirements-mlserver.txt on the first run) and fraudscore (release build), both
# serving tests/fixtures/models/xgb_model.json as "fraud", one FP64 [1, 15] row per request:
#   rest   h2load --h1 -t2 -cN: N keep-alive HTTP/1.1 connections, POST /v2/models/fraud/infer with
#          the OIP JSON body
#   grpc   h2load -t2 -c2 -m(N/2): N calls in flight on two HTTP/2 connections, as gRPC channels
#          multiplex them, inference.GRPCInferenceService/ModelInfer with a pre-encoded
#          ModelInferRequest (raw_input_contents), content-type application/grpc
# for each N (requests in flight) in CONCURRENCY; the same load generator for both transports and
# both servers. Both answers are first checked against XGBoost's probability for the row; under
# load, a gRPC answer's status travels in trailers h2load does not read, so its DATA bytes are
# checked instead: every OK answer has the same size, an error none.
# MLServer runs as its docs advise for this Python, with "parallel_workers": 0 (its worker pool
# crashes at start here: "There is no current event loop"), and otherwise as it comes: XGBoost
# then uses an OpenMP thread per core, spinning on every one-row predict. MLSERVER_OMP_THREADS=1
# measures it with OMP_NUM_THREADS=1, which makes it several times cheaper per request.
# Per run: req/s, p50, p99 (from h2load's per-request log), errors, server CPU per request (user +
# system of the server's process tree from /proc, before and after); then the ratios (medians
# over rounds), and summary.json in the log directory.
#
#   ./scripts/bench_oip.sh                                  builds release first
#   BIN=.build/release/fraudscore ./scripts/bench_oip.sh    uses that binary
# Knobs (defaults): CONCURRENCY="8 64" GRPC_CONNS=2 DURATION=5 WARMUP=1 ROUNDS=1 PORT=18220 (fraudscore)
#   ML_HTTP_PORT=18230 ML_GRPC_PORT=18231 MLSERVER_OMP_THREADS= MLSERVER_VENV=.venv-mlserver
#   LOG_DIR=$(mktemp -d /tmp/fraudscore-bench-oip.XXXXXX)
# Needs: apt-get install -y nghttp2-client curl python3-venv
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/scripts/bench"
# shellcheck source=scripts/bench/lib.sh
. "$BENCH/lib.sh"

PORT="${PORT:-18220}"
ML_HTTP_PORT="${ML_HTTP_PORT:-18230}"
ML_GRPC_PORT="${ML_GRPC_PORT:-18231}"
CONCURRENCY="${CONCURRENCY:-8 64}"
GRPC_CONNS="${GRPC_CONNS:-2}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
ROUNDS="${ROUNDS:-1}"
VENV="${MLSERVER_VENV:-$ROOT/.venv-mlserver}"
MODEL="$ROOT/tests/fixtures/models/xgb_model.json"

need_tools h2load:nghttp2-client curl:curl python3:python3 || exit 1
for p in "$PORT" "$ML_HTTP_PORT" "$ML_GRPC_PORT"; do
  if port_busy "$p"; then echo "port $p on 127.0.0.1 is in use: stop what listens there or set the port knobs" >&2; exit 1; fi
done
LOG="${LOG_DIR:-$(mktemp -d /tmp/fraudscore-bench-oip.XXXXXX)}"
mkdir -p "$LOG"
stop_started_on_exit "bench_oip.sh"
BIN=$(fraudscore_binary "$LOG/build.log")

REQS="$ROOT/scripts/bench/requirements-mlserver.txt"
if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$(sha256sum "$REQS" | cut -d' ' -f1)" ]; then
  echo "installing MLServer into $VENV (once)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -r "$REQS"
  sha256sum "$REQS" | cut -d' ' -f1 >"$VENV/.requirements.sha256"
fi

WANT="$(python3 "$BENCH/oip_bodies.py" "$LOG" fraud)"
mkdir -p "$LOG/mlserver/fraud"
cat >"$LOG/mlserver/settings.json" <<JSON
{"debug": false, "host": "127.0.0.1", "http_port": $ML_HTTP_PORT, "grpc_port": $ML_GRPC_PORT,
 "metrics_endpoint": null, "parallel_workers": 0, "load_models_at_startup": true}
JSON
cat >"$LOG/mlserver/fraud/model-settings.json" <<JSON
{"name": "fraud", "implementation": "mlserver_xgboost.XGBoostModel", "parameters": {"uri": "$MODEL", "version": "1"}}
JSON
if [ -n "${MLSERVER_OMP_THREADS:-}" ]; then export OMP_NUM_THREADS="$MLSERVER_OMP_THREADS"; fi
"$VENV/bin/mlserver" start "$LOG/mlserver" >"$LOG/mlserver.log" 2>&1 &
ML_PID=$!
STARTED+=("$ML_PID")
unset OMP_NUM_THREADS
"$BIN" serve --host 127.0.0.1 --port "$PORT" --model "$MODEL" --model-name fraud --log-level warning \
  --access-log-sample-rate 0 --max-requests-per-connection 1000000000 >"$LOG/fraudscore.log" 2>&1 &
FRAUD_PID=$!
STARTED+=("$FRAUD_PID")
wait_http "http://127.0.0.1:$PORT/health/ready" 30 "$FRAUD_PID" || { cat "$LOG/fraudscore.log" >&2; exit 1; }
# MLServer's /v2/health/ready is true before any model is registered: wait for the model itself,
# and for its gRPC port, which opens at another moment.
wait_http "http://127.0.0.1:$ML_HTTP_PORT/v2/models/fraud/ready" 120 "$ML_PID" || { cat "$LOG/mlserver.log" >&2; exit 1; }
until port_busy "$ML_GRPC_PORT"; do kill -0 "$ML_PID" || exit 1; sleep 0.1; done

REST_FR="http://127.0.0.1:$PORT/v2/models/fraud/infer"
REST_ML="http://127.0.0.1:$ML_HTTP_PORT/v2/models/fraud/infer"
GRPC_FR="http://127.0.0.1:$PORT/inference.GRPCInferenceService/ModelInfer"
GRPC_ML="http://127.0.0.1:$ML_GRPC_PORT/inference.GRPCInferenceService/ModelInfer"
GRPC_HEADERS=(-H 'content-type: application/grpc' -H 'te: trailers')

echo "one request each, checked against XGBoost's $WANT (log directory: $LOG):"
declare -A ANSWER_BYTES
check_rest() {  # name url
  local reply
  reply="$(curl -sf -H 'content-type: application/json' --data-binary "@$LOG/infer.json" "$2")" \
    || { echo "$1: REST call failed" >&2; return 1; }
  python3 -c 'import json, sys; d = json.loads(sys.argv[1])["outputs"][0]["data"]; d = d[0] if isinstance(d, list) else d
sys.exit(0 if float(d) == float(sys.argv[2]) else f"answered {d}, XGBoost says {sys.argv[2]}")' "$reply" "$WANT" \
    || { echo "$1: $reply" >&2; return 1; }
  printf '  %-16s %s\n' "$1-rest" "$reply"
}
check_grpc() {  # name url d|f: the answer's status and value (its raw output, last: FP64 or FP32); remembers its size
  local out="$LOG/$1-answer.bin"
  curl -sf --http2-prior-knowledge "${GRPC_HEADERS[@]}" --data-binary "@$LOG/modelinfer.bin" -D "$LOG/$1-headers.txt" \
    -o "$out" "$2" || { echo "$1: gRPC call failed" >&2; return 1; }
  grep -qi '^grpc-status: *0' "$LOG/$1-headers.txt" || { echo "$1: gRPC status not OK:" >&2; cat "$LOG/$1-headers.txt" >&2; return 1; }
  python3 -c 'import struct, sys; b = open(sys.argv[1], "rb").read()
f = sys.argv[3]; v = struct.unpack("<" + f, b[-struct.calcsize(f):])[0]
sys.exit(0 if v == float(sys.argv[2]) else f"answered {v}, XGBoost says {sys.argv[2]}")' "$out" "$WANT" "$3" || return 1
  ANSWER_BYTES[$1]="$(stat -c %s "$out")"
  printf '  %-16s grpc-status 0, %d bytes, raw_output_contents = %s\n' "$1-grpc" "${ANSWER_BYTES[$1]}" "$WANT"
}
check_rest mlserver "$REST_ML"
check_rest fraudscore "$REST_FR"
check_grpc mlserver "$GRPC_ML" f  # MLServer's XGBoost runtime answers FP32
check_grpc fraudscore "$GRPC_FR" d

HZ="$(getconf CLK_TCK)"
ROWS=()  # "name in-flight rps p50 p99 errors requests cpu_us"
measure() {  # server(mlserver|fraudscore) transport(rest|grpc) in-flight url pid
  local server="$1" transport="$2" n="$3" url="$4" pid="$5" name="$1-$2-n$3" out before after
  local rps p50 p99 errors requests data line st short
  local -a load
  if [ "$transport" = rest ]; then
    load=(--h1 -t2 -c"$n" -d "$LOG/infer.json" -H 'content-type: application/json')
  else
    load=(-t2 -c"$GRPC_CONNS" -m$((n / GRPC_CONNS)) -d "$LOG/modelinfer.bin" "${GRPC_HEADERS[@]}")
  fi
  timeout $((WARMUP + 60)) h2load "${load[@]}" -D "$WARMUP" "$url" >"$LOG/$name-warmup.txt" 2>&1 \
    || { cat "$LOG/$name-warmup.txt" >&2; return 1; }
  rm -f "$LOG/h2load-requests.tsv"  # h2load appends to it
  before="$(tree_cpu "$pid")"
  out="$(timeout $((DURATION + 60)) h2load "${load[@]}" -D "$DURATION" --log-file="$LOG/h2load-requests.tsv" "$url" 2>&1)" \
    || { echo "$out" >&2; return 1; }
  after="$(tree_cpu "$pid")"
  echo "$out" >"$LOG/$name.txt"
  # "finished in 5.00s, 123.45 req/s, ..."; "requests: T total, S started, D done, OK succeeded,
  # F failed, E errored, X timeout"; "status codes: A 2xx, B 3xx, C 4xx, D 5xx"; "traffic: ... (N) data"
  rps="$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")"
  line="$(sed -n 's/^requests: //p' <<<"$out")"
  st="$(sed -n 's/^status codes: //p' <<<"$out")"
  data="$(sed -n 's/^traffic: .* (\([0-9]*\)) data$/\1/p' <<<"$out")"
  if [ -z "$rps" ] || [ -z "$line" ] || [ -z "$st" ] || [ -z "$data" ]; then echo "$out" >&2; return 1; fi
  requests="$(awk -F', ' '{ split($3, a, " "); print a[1] }' <<<"$line")"
  errors="$(awk -F', ' -v st="$st" '{ split($5, a, " "); split($6, b, " "); split($7, d, " "); split(st, s, ", ")
    split(s[2], x, " "); split(s[3], y, " "); split(s[4], z, " "); print a[1] + b[1] + d[1] + x[1] + y[1] + z[1] }' <<<"$line")"
  if [ "$transport" = grpc ]; then
    # A gRPC error is a 200 without DATA: count the answers short of an OK one's bytes.
    short=$((requests - data / ANSWER_BYTES[$server]))
    [ "$short" -gt 0 ] && errors=$((errors + short))
  fi
  read -r p50 p99 < <(cut -f3 "$LOG/h2load-requests.tsv" | sort -n | awk '
    { v[NR] = $1 }
    END { i = int(NR * 0.50 + 0.5); j = int(NR * 0.99 + 0.5); if (i < 1) i = 1; if (j < 1) j = 1
          printf "%.3f %.3f\n", v[i] / 1000, v[j] / 1000 }')
  [ "${requests:-0}" -gt 0 ] || { echo "$name: no request completed" >&2; echo "$out" >&2; return 1; }
  ROWS+=("$server-$transport $n $rps $p50 $p99 $errors $requests $(awk -v t=$(( ${after% *} - ${before% *} )) \
    -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.2f", t / hz / n * 1e6 }')")
}

echo "load: h2load --h1 -t2 -cN (REST), h2load -t2 -c$GRPC_CONNS -m(N/$GRPC_CONNS) (gRPC), N in {$CONCURRENCY};" \
  "${DURATION}s measured after ${WARMUP}s warm-up, $ROUNDS round(s); MLServer OMP_NUM_THREADS=${MLSERVER_OMP_THREADS:-unset}"
for r in $(seq "$ROUNDS"); do
  for c in $CONCURRENCY; do
    measure mlserver rest "$c" "$REST_ML" "$ML_PID"
    measure fraudscore rest "$c" "$REST_FR" "$FRAUD_PID"
    measure mlserver grpc "$c" "$GRPC_ML" "$ML_PID"
    measure fraudscore grpc "$c" "$GRPC_FR" "$FRAUD_PID"
  done
done
rm -f "$LOG/h2load-requests.tsv"

echo
printf '%-16s %9s %10s %9s %9s %7s %10s %12s\n' target in-flight req/s p50_ms p99_ms errors requests cpu_us/req
for row in "${ROWS[@]}"; do
  read -r name c rps p50 p99 errors requests cpu <<<"$row"
  printf '%-16s %9d %10.0f %9.3f %9.3f %7d %10d %12.2f\n' "$name" "$c" "$rps" "$p50" "$p99" "$errors" "$requests" "$cpu"
done
# Ratios from the medians over rounds.
printf '%s\n' "${ROWS[@]}" | python3 -c '
import json, statistics, sys
runs = {}
for line in sys.stdin:
    name, c, rps, p50, p99, errors, requests, cpu = line.split()
    runs.setdefault((name, int(c)), []).append({"req_per_s": float(rps), "p50_ms": float(p50), "p99_ms": float(p99),
                                                "errors": int(errors), "requests": int(requests), "cpu_us": float(cpu)})
med = lambda k, f: statistics.median(r[f] for r in runs[k])
ratios = []
print()
for c in sorted({c for _, c in runs}):
    for t in ("rest", "grpc"):
        fr, ml = ("fraudscore-" + t, c), ("mlserver-" + t, c)
        x = {"transport": t, "in_flight": c, "req_per_s": med(fr, "req_per_s") / med(ml, "req_per_s"),
             "cpu_per_request": med(ml, "cpu_us") / med(fr, "cpu_us")}
        ratios.append(x)
        print("n=%-3d %-4s  fraudscore/mlserver req/s = %7.1f   mlserver/fraudscore CPU per request = %6.1f"
              % (c, t, x["req_per_s"], x["cpu_per_request"]))
    g, r = med(("fraudscore-grpc", c), "p99_ms"), med(("fraudscore-rest", c), "p99_ms")
    print("n=%-3d fraudscore p99: gRPC %.3f ms, REST %.3f ms (gRPC/REST = %.2f)" % (c, g, r, g / r))
    ratios.append({"in_flight": c, "fraudscore_grpc_over_rest_p99": g / r})
json.dump({"runs": [{"name": k[0], "in_flight": k[1], "rounds": v} for k, v in runs.items()], "ratios": ratios},
          open(sys.argv[1], "w"), indent=1)
' "$LOG/summary.json"
echo
echo "summary: $LOG/summary.json"
bad=0
for row in "${ROWS[@]}"; do
  read -r name _ _ _ _ errors _ _ <<<"$row"
  [[ "$name" == fraudscore-* ]] && bad=$((bad + errors))
done
if [ "$bad" -ne 0 ]; then echo "FAIL: fraudscore had $bad failed or non-OK answers" >&2; exit 1; fi
