#!/usr/bin/env bash
# Smoke test of a running fraudscore: the check a person runs after a rollout, and the one the
# image and kind workflows run against the container and the cluster.
#
#   scripts/smoke.sh URL                        e.g. http://127.0.0.1:8080
#   scripts/smoke.sh --binary PATH [SERVE-ARGS] starts PATH serve on a free loopback port from the
#                                               repository root, checks it, then stops it with
#                                               SIGTERM and checks that it drains and exits 0
#
# Checks: GET /health/live and /health/ready answer 200; GET /health names the expected model
# version; POST /predict of the sample request answers the expected transaction_id,
# model_version, fraud_probability (exactly: the server writes the shortest round-trip decimal)
# and is_fraud; GET /metrics is Prometheus text with a fraudscore_requests_total sample.
# Every check runs; each prints PASS or FAIL with the reason; the exit code is 1 if any failed.
#
# The expected answer is the bundled default model's. For another model, override:
#   SMOKE_REQUEST              request body file (default: examples/sample_request.json)
#   SMOKE_EXPECT_TRANSACTION_ID      (default: the request's transaction_id)
#   SMOKE_EXPECT_MODEL_VERSION       (default: xgb-default-1.0.0)
#   SMOKE_EXPECT_FRAUD_PROBABILITY   (default: 0.0023052196484059095)
#   SMOKE_EXPECT_IS_FRAUD            (default: false)
#   SMOKE_WAIT_SECONDS         wait up to this long for /health/ready before checking (default 0;
#                              useful right after a rollout or a port-forward)
#   SMOKE_TIMEOUT_SECONDS      per request (default 5)
# Needs curl and python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUEST="${SMOKE_REQUEST:-$ROOT/examples/sample_request.json}"
EXPECT_MODEL_VERSION="${SMOKE_EXPECT_MODEL_VERSION:-xgb-default-1.0.0}"
EXPECT_FRAUD_PROBABILITY="${SMOKE_EXPECT_FRAUD_PROBABILITY:-0.0023052196484059095}"
EXPECT_IS_FRAUD="${SMOKE_EXPECT_IS_FRAUD:-false}"
WAIT_SECONDS="${SMOKE_WAIT_SECONDS:-0}"
TIMEOUT="${SMOKE_TIMEOUT_SECONDS:-5}"

usage() { sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
die() { echo "smoke: $*" >&2; exit 2; }

for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
[ $# -ge 1 ] || usage
[ -r "$REQUEST" ] || die "request file $REQUEST not readable (SMOKE_REQUEST)"
EXPECT_TRANSACTION_ID="${SMOKE_EXPECT_TRANSACTION_ID:-$(python3 -c \
  'import json,sys; print(json.load(open(sys.argv[1]))["transaction_id"])' "$REQUEST")}"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --binary: start the server ourselves on a free loopback port.
if [ "$1" = "--binary" ]; then
  [ $# -ge 2 ] || usage
  BIN="$2"; shift 2
  [ -x "$BIN" ] || die "$BIN is not an executable"
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  # From the repository root: the default --model (models/default) is relative to it.
  (cd "$ROOT" && exec "$BIN" serve --host 127.0.0.1 --port "$PORT" "$@") >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  URL="http://127.0.0.1:$PORT"
  [ "$WAIT_SECONDS" -gt 0 ] || WAIT_SECONDS=15
else
  URL="${1%/}"
  case "$URL" in http://*|https://*) ;; *) die "URL must start with http:// or https:// (got '$URL')" ;; esac
fi

echo "smoke: $URL (expecting model $EXPECT_MODEL_VERSION)"

# http METHOD PATH [BODY-FILE] -> sets STATUS (000 when no HTTP answer), BODY file, CURL_ERROR
http() {
  local method="$1" path="$2" data="${3:-}"
  local args=(-sS -X "$method" -o "$WORK/body" -w '%{http_code}' --max-time "$TIMEOUT")
  if [ -n "$data" ]; then args+=(-H 'Content-Type: application/json' --data-binary "@$data"); fi
  CURL_ERROR=""
  if ! STATUS="$(curl "${args[@]}" "$URL$path" 2>"$WORK/curl.err")"; then
    CURL_ERROR="$(tr '\n' ' ' <"$WORK/curl.err")"
  fi
  [ -n "$STATUS" ] || STATUS=000
  BODY="$WORK/body"
  [ -f "$BODY" ] || : >"$BODY"
}

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
snippet() { head -c 300 "$BODY" | tr '\n' ' '; }
no_answer() { echo "no HTTP answer (${CURL_ERROR:-connection failed})"; }

if [ "$WAIT_SECONDS" -gt 0 ]; then
  deadline=$((SECONDS + WAIT_SECONDS))
  while :; do
    http GET /health/ready
    [ "$STATUS" = 200 ] && break
    if [ -n "$SERVER_PID" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
      code=0; wait "$SERVER_PID" || code=$?
      SERVER_PID=""
      fail "server start" "$BIN exited with status $code before it was ready: $(tail -n 3 "$WORK/server.log" | tr '\n' ' ')"
      echo "smoke: $passed passed, $failed failed"
      exit 1
    fi
    [ "$SECONDS" -lt "$deadline" ] || { echo "smoke: not ready after ${WAIT_SECONDS}s (last status $STATUS)"; break; }
    sleep 0.5
  done
fi

# 1. liveness
http GET /health/live
if [ "$STATUS" = 200 ]; then pass "GET /health/live"
elif [ "$STATUS" = 000 ]; then fail "GET /health/live" "$(no_answer)"
else fail "GET /health/live" "status $STATUS, want 200: $(snippet)"; fi

# 2. readiness
http GET /health/ready
if [ "$STATUS" = 200 ]; then pass "GET /health/ready"
elif [ "$STATUS" = 000 ]; then fail "GET /health/ready" "$(no_answer)"
else fail "GET /health/ready" "status $STATUS, want 200 (not ready: no model loaded, or draining): $(snippet)"; fi

# 3. /health names the model version
http GET /health
if [ "$STATUS" = 000 ]; then fail "GET /health" "$(no_answer)"
elif [ "$STATUS" != 200 ]; then fail "GET /health" "status $STATUS, want 200: $(snippet)"
elif msg="$(python3 - "$BODY" "$EXPECT_MODEL_VERSION" 2>&1 <<'PY'
import json, sys
try:
    health = json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit(f"not JSON ({e})")
version = (health.get("model") or {}).get("version")
if health.get("status") != "ok":
    sys.exit(f"status is {health.get('status')!r}, want 'ok'")
if version != sys.argv[2]:
    sys.exit(f"serving model version {version!r}, want {sys.argv[2]!r} (wrong model deployed?)")
PY
)"; then pass "GET /health (model $EXPECT_MODEL_VERSION)"
else fail "GET /health" "$msg"; fi

# 4. one prediction, compared exactly with the expected answer
http POST /predict "$REQUEST"
if [ "$STATUS" = 000 ]; then fail "POST /predict" "$(no_answer)"
elif [ "$STATUS" != 200 ]; then fail "POST /predict" "status $STATUS, want 200: $(snippet)"
elif msg="$(python3 - "$BODY" "$EXPECT_TRANSACTION_ID" "$EXPECT_MODEL_VERSION" "$EXPECT_FRAUD_PROBABILITY" "$EXPECT_IS_FRAUD" 2>&1 <<'PY'
import json, sys
body, tx, version, probability, is_fraud = sys.argv[1:]
try:
    got = json.load(open(body))
except ValueError as e:
    sys.exit(f"response is not JSON ({e})")
want = {"transaction_id": int(tx), "model_version": version,
        "fraud_probability": float(probability), "is_fraud": is_fraud.lower() == "true"}
wrong = [f"{k} is {got.get(k)!r}, want {v!r}" for k, v in want.items()
         if k not in got or got[k] != v or type(got[k]) is not type(v)]
if wrong:
    sys.exit("wrong prediction: " + "; ".join(wrong)
             + " (a different model or model version is serving, or scoring changed)")
PY
)"; then pass "POST /predict (transaction $EXPECT_TRANSACTION_ID, p=$EXPECT_FRAUD_PROBABILITY)"
else fail "POST /predict" "$msg"; fi

# 5. metrics: Prometheus text with a request counter sample (the predict above was counted)
http GET /metrics
if [ "$STATUS" = 000 ]; then fail "GET /metrics" "$(no_answer)"
elif [ "$STATUS" != 200 ]; then fail "GET /metrics" "status $STATUS, want 200 (is /metrics served by this build?): $(snippet)"
elif grep -Eq '^fraudscore_requests_total(\{[^}]*\})? [0-9.e+-]+' "$BODY"; then pass "GET /metrics (fraudscore_requests_total)"
else fail "GET /metrics" "no fraudscore_requests_total sample in the response: $(snippet)"; fi

# --binary: SIGTERM must drain and exit 0 within the drain timeout.
if [ -n "$SERVER_PID" ]; then
  kill -TERM "$SERVER_PID"
  code=0
  for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    fail "SIGTERM" "still running 15 s after SIGTERM"
  else
    wait "$SERVER_PID" || code=$?
    SERVER_PID=""
    if [ "$code" = 0 ]; then pass "SIGTERM (drained, exit 0)"
    else fail "SIGTERM" "exit status $code, want 0; server log tail: $(tail -n 5 "$WORK/server.log" | tr '\n' ' ')"; fi
  fi
fi

echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
