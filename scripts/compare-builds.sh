#!/usr/bin/env bash
# Two builds of fraudscore under the same load, in alternating rounds of one run: req/s and server
# CPU per request of each, and the new build's ratio to the old one per round. For checking that a
# change costs no throughput; wall-clock figures move ±30% between runs here, so only ratios taken
# in the same run mean anything (scripts/callgrind.sh gives exact instruction counts).
#   scripts/compare-builds.sh OLD_BINARY NEW_BINARY      (ROUNDS=3 WRK_D=5s WRK_T=2 WRK_C=64)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/scripts/bench"
# shellcheck source=scripts/bench/lib.sh
source "$BENCH/lib.sh"
[ $# -eq 2 ] && [ -x "$1" ] && [ -x "$2" ] || { echo "usage: $0 OLD_BINARY NEW_BINARY" >&2; exit 64; }
ROUNDS="${ROUNDS:-3}" WRK_D="${WRK_D:-5s}" WRK_T="${WRK_T:-2}" WRK_C="${WRK_C:-64}"
need_tools wrk:wrk curl:curl || exit 1
LOG="$(mktemp -d /tmp/fraudscore-compare.XXXXXX)"
HZ="$(getconf CLK_TCK)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

start() {  # name binary port
  "$2" serve --host 127.0.0.1 --port "$3" --model "$ROOT/models/default" --log-level warning \
    --access-log-sample-rate 0 --max-requests-per-connection 1000000000 >"$LOG/$1.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$3/health/ready" 30 $! || { cat "$LOG/$1.log" >&2; exit 1; }
  echo $! >"$LOG/$1.pid"
  echo "$3" >"$LOG/$1.port"
}
measure() {  # name -> "req/s cpu_us"
  local port pid before after out line ticks
  port="$(cat "$LOG/$1.port")"
  pid="$(cat "$LOG/$1.pid")"
  wrk -t"$WRK_T" -c"$WRK_C" -d1s -s "$BENCH/post.lua" "http://127.0.0.1:$port/predict" >/dev/null
  before="$(tree_cpu "$pid")"
  out="$(wrk -t"$WRK_T" -c"$WRK_C" -d"$WRK_D" --timeout 5s -s "$BENCH/post.lua" "http://127.0.0.1:$port/predict")"
  after="$(tree_cpu "$pid")"
  line="$(grep '^RESULT' <<<"$out")"
  [ "$(kv "$line" non2xx)" = 0 ] && [ "$(kv "$line" sockerr)" = 0 ] || { echo "$1: errors: $line" >&2; exit 1; }
  ticks=$(( ${after% *} - ${before% *} ))
  awk -v r="$(kv "$line" req_per_s)" -v t="$ticks" -v hz="$HZ" -v n="$(kv "$line" requests)" \
    'BEGIN { printf "%.0f %.2f", r, t / hz / n * 1e6 }'
}

start old "$1" 18611
start new "$2" 18612
echo "load: wrk -t$WRK_T -c$WRK_C -d$WRK_D POST /predict, $ROUNDS rounds, old first in odd ones (logs: $LOG)"
printf '%-6s %12s %12s %14s %14s %10s\n' round old_req/s new_req/s old_cpu_us/req new_cpu_us/req new/old
while read -r r old_rps old_cpu new_rps new_cpu; do
  printf '%-6s %12s %12s %14s %14s %10s\n' "$r" "$old_rps" "$new_rps" "$old_cpu" "$new_cpu" \
    "$(awk -v a="$new_rps" -v b="$old_rps" 'BEGIN { printf "%.3f", a / b }')"
  echo "$old_rps $new_rps" >>"$LOG/rounds"
done < <(alternating_rounds "$ROUNDS" old new)
[ "$(wc -l <"$LOG/rounds" 2>/dev/null || echo 0)" -eq "$ROUNDS" ] || { echo "a round failed (logs: $LOG)" >&2; exit 1; }
awk '{ o += $1; n += $2 } END { printf "all rounds: new/old req/s = %.3f\n", n / o }' "$LOG/rounds"
