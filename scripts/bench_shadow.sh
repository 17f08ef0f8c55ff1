#!/usr/bin/env bash
# What a shadow model costs the client: the same release build serving the default model, once
# alone and once with --shadow (the fixture LightGBM model, every request sampled, records to a
# file), under the same wrk load in alternating rounds of one run. Prints req/s and p99 of each, the
# p99 ratio per round and over all rounds, and how many requests the shadow scored and dropped.
#   scripts/bench_shadow.sh        (ROUNDS=4 WRK_D=5s WRK_T=2 WRK_C=16)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/scripts/bench"
# shellcheck source=scripts/bench/lib.sh
source "$BENCH/lib.sh"
ROUNDS="${ROUNDS:-4}" WRK_D="${WRK_D:-5s}" WRK_T="${WRK_T:-2}" WRK_C="${WRK_C:-16}"
need_tools wrk:wrk curl:curl || exit 1
LOG="$(mktemp -d /tmp/fraudscore-shadow.XXXXXX)"
cd "$ROOT"
swift build -c release --product fraudscore >"$LOG/build.log" 2>&1 || { cat "$LOG/build.log"; exit 1; }
BIN="$(swift build -c release --show-bin-path)/fraudscore"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

start() {  # name port [args...]
  local name=$1 port=$2
  shift 2
  "$BIN" serve --host 127.0.0.1 --port "$port" --model "$ROOT/models/default" --log-level warning \
    --access-log-sample-rate 0 --max-requests-per-connection 1000000000 "$@" >"$LOG/$name.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/health/ready" 30 $! || { cat "$LOG/$name.log" >&2; exit 1; }
}
measure() {  # port -> "req/s p99_ms"
  local out line
  wrk -t"$WRK_T" -c"$WRK_C" -d1s -s "$BENCH/post.lua" "http://127.0.0.1:$1/predict" >/dev/null
  out="$(wrk -t"$WRK_T" -c"$WRK_C" -d"$WRK_D" --timeout 5s -s "$BENCH/post.lua" "http://127.0.0.1:$1/predict")"
  line="$(grep '^RESULT' <<<"$out")"
  [ "$(kv "$line" non2xx)" = 0 ] && [ "$(kv "$line" sockerr)" = 0 ] || { echo "errors: $line" >&2; exit 1; }
  echo "$(kv "$line" req_per_s) $(kv "$line" p99_ms)"
}

start alone 18621
start shadow 18622 --shadow "$ROOT/tests/fixtures/models/lgbm_model.txt" --shadow-records "$LOG/records.jsonl"
echo "load: wrk -t$WRK_T -c$WRK_C -d$WRK_D POST /predict, $ROUNDS rounds, alone first in odd ones (logs: $LOG)"
printf '%-6s %12s %12s %12s %12s %10s\n' round alone_req/s shadow_req/s alone_p99ms shadow_p99ms p99_ratio
while read -r r a_rps a_p99 s_rps s_p99; do
  printf '%-6s %12s %12s %12s %12s %10s\n' "$r" "$a_rps" "$s_rps" "$a_p99" "$s_p99" \
    "$(awk -v s="$s_p99" -v a="$a_p99" 'BEGIN { printf "%.3f", s / a }')"
  echo "$a_p99 $s_p99" >>"$LOG/rounds"
done < <(alternating_rounds "$ROUNDS" 18621 18622)
[ "$(wc -l <"$LOG/rounds" 2>/dev/null || echo 0)" -eq "$ROUNDS" ] || { echo "a round failed (logs: $LOG)" >&2; exit 1; }
awk '{ a += $1; s += $2 } END { printf "all rounds: shadow/alone p99 = %.3f\n", s / a }' "$LOG/rounds"
curl -s "http://127.0.0.1:18622/metrics" | grep -E '^fraudscore_shadow_(requests|records)_total'
