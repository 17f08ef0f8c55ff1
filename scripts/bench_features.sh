#!/usr/bin/env bash
# What computing the features in the service costs: the same release build serving the default
# model, once reading the handbook's features from each request (precomputed) and once computing
# them with --feature-store memory from the raw fields, under the same wrk load in alternating
# rounds of one run. Every request is a new transaction (scripts/bench/transactions.lua: ids count
# up, 200,000 transactions a day over 100,000 customers and 20,000 terminals); the memory store is
# first filled with PREFILL_DAYS of that stream (38: every window and the retention full), so it
# holds what a live service holds.
# Prints req/s, p99 and server CPU per request of each, and the throughput ratio per round and
# over all rounds. Then the same with --feature-store redis:// (a redis-server on loopback that the
# script starts, filled with REDIS_PREFILL_DAYS of the stream): req/s, p99, and the CPU per request
# of fraudscore and of Redis.
#   scripts/bench_features.sh        (ROUNDS=4 WRK_D=5s WRK_T=2 WRK_C=16 PREFILL_DAYS=38
#                                     REDIS_ROUNDS=2 REDIS_PREFILL_DAYS=2)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/scripts/bench"
# shellcheck source=scripts/bench/lib.sh
source "$BENCH/lib.sh"
ROUNDS="${ROUNDS:-4}" WRK_D="${WRK_D:-5s}" WRK_C="${WRK_C:-16}" PREFILL_DAYS="${PREFILL_DAYS:-38}"
REDIS_ROUNDS="${REDIS_ROUNDS:-2}" REDIS_PREFILL_DAYS="${REDIS_PREFILL_DAYS:-2}"
export WRK_T="${WRK_T:-2}" TX_PER_DAY="${TX_PER_DAY:-200000}" CUSTOMERS="${CUSTOMERS:-100000}" TERMINALS="${TERMINALS:-20000}"
need_tools wrk:wrk curl:curl redis-server:redis-server || exit 1
LOG="$(mktemp -d /tmp/fraudscore-features.XXXXXX)"
BIN="$(fraudscore_binary "$LOG/build.log")"
stop_started_on_exit bench_features
PRE=18641 MEM=18642 RED=18643 REDIS_PORT=18650

start() {  # name port [args...]
  local name=$1 port=$2
  shift 2
  "$BIN" serve --host 127.0.0.1 --port "$port" --model "$ROOT/models/default" --log-level warning \
    --access-log-sample-rate 0 --max-requests-per-connection 1000000000 "$@" >"$LOG/$name.log" 2>&1 &
  STARTED+=($!)
  eval "PID_$port=$!"
  wait_http "http://127.0.0.1:$port/health/ready" 30 $! || { cat "$LOG/$name.log" >&2; exit 1; }
}
echo 0 >"$LOG/next_id"
load() {  # port duration -> the RESULT line; the stream goes on where the last run stopped
  local mode=raw
  [ "$1" = "$PRE" ] && mode=precomputed
  START_ID="$(cat "$LOG/next_id")" MODE=$mode STATE_FILE="$LOG/next_id" \
    wrk -t"$WRK_T" -c"$WRK_C" -d"$2" --timeout 5s -s "$BENCH/transactions.lua" "http://127.0.0.1:$1/predict" | grep '^RESULT'
}
measure() {  # port -> "req/s p99_ms cpu_us_per_request"
  local pid line before after
  pid="$(eval echo "\$PID_$1")"
  load "$1" 1s >/dev/null
  before="$(tree_cpu "$pid")"
  line="$(load "$1" "$WRK_D")"
  after="$(tree_cpu "$pid")"
  [ "$(kv "$line" non2xx)" = 0 ] && [ "$(kv "$line" sockerr)" = 0 ] || { echo "errors: $line" >&2; exit 1; }
  echo "$(kv "$line" req_per_s) $(kv "$line" p99_ms) $(awk -v b="${before% *}" -v a="${after% *}" -v n="$(kv "$line" requests)" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (a - b) / hz * 1e6 / n }')"
}

start precomputed "$PRE"
start memory "$MEM" --feature-store memory
prefill() {  # port days
  local target=$(( $(cat "$LOG/next_id") + $2 * TX_PER_DAY ))
  while [ "$(cat "$LOG/next_id")" -lt "$target" ]; do
    line="$(START_ID="$(cat "$LOG/next_id")" MODE=raw BATCH=100 STATE_FILE="$LOG/next_id" \
      wrk -t"$WRK_T" -c"$WRK_C" -d5s --timeout 10s -s "$BENCH/transactions.lua" "http://127.0.0.1:$1/predict" | grep '^RESULT')"
    [ "$(kv "$line" non2xx)" = 0 ] || { echo "prefill failed: $line" >&2; exit 1; }
    echo "  $(( ($(cat "$LOG/next_id") - target) / TX_PER_DAY + $2 )) of $2 days"
  done
}
echo "prefill: $PREFILL_DAYS days of $TX_PER_DAY transactions a day into the memory store, 100 to a request (logs: $LOG)"
prefill "$MEM" "$PREFILL_DAYS"
curl -s "http://127.0.0.1:$MEM/metrics" | grep -E '^fraudscore_features_(entities|transactions)'
echo "load: wrk -t$WRK_T -c$WRK_C -d$WRK_D POST /predict, a new transaction each, $ROUNDS rounds"
printf '%-6s %12s %12s %11s %11s %10s %10s %8s\n' round pre_req/s mem_req/s pre_p99ms mem_p99ms pre_cpu_us mem_cpu_us ratio
while read -r r p_rps p_p99 p_cpu m_rps m_p99 m_cpu; do
  printf '%-6s %12s %12s %11s %11s %10s %10s %8s\n' "$r" "$p_rps" "$m_rps" "$p_p99" "$m_p99" "$p_cpu" "$m_cpu" \
    "$(awk -v m="$m_rps" -v p="$p_rps" 'BEGIN { printf "%.3f", m / p }')"
  echo "$p_rps $m_rps $p_cpu $m_cpu" >>"$LOG/rounds"
done < <(alternating_rounds "$ROUNDS" "$PRE" "$MEM")
[ "$(wc -l <"$LOG/rounds" 2>/dev/null || echo 0)" -eq "$ROUNDS" ] || { echo "a round failed (logs: $LOG)" >&2; exit 1; }
awk '{ p += $1; m += $2; pc += $3; mc += $4 } END { printf "all rounds: memory/precomputed req/s = %.3f, CPU per request = %.3f\n", m / p, mc / pc }' "$LOG/rounds"
curl -s "http://127.0.0.1:$MEM/metrics" | grep -E '^fraudscore_features_(entities|transactions|out_of_order)'

# --- Redis on loopback
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --logfile "$LOG/redis.log" &
REDIS_PID=$!
STARTED+=("$REDIS_PID")
for _ in $(seq 100); do (: <"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && break; sleep 0.1; done
start redis "$RED" --feature-store "redis://127.0.0.1:$REDIS_PORT/0"
echo "prefill: $REDIS_PREFILL_DAYS days into Redis"
prefill "$RED" "$REDIS_PREFILL_DAYS"
measure_redis() {  # -> "req/s p99_ms fraudscore_cpu_us redis_cpu_us"
  local line fb fa rb ra n hz
  load "$RED" 1s >/dev/null
  fb="$(tree_cpu "$PID_18643")" rb="$(tree_cpu "$REDIS_PID")"
  line="$(load "$RED" "$WRK_D")"
  fa="$(tree_cpu "$PID_18643")" ra="$(tree_cpu "$REDIS_PID")"
  [ "$(kv "$line" non2xx)" = 0 ] && [ "$(kv "$line" sockerr)" = 0 ] || { echo "errors: $line" >&2; exit 1; }
  n="$(kv "$line" requests)" hz="$(getconf CLK_TCK)"
  echo "$(kv "$line" req_per_s) $(kv "$line" p99_ms) $(awk -v b="${fb% *}" -v a="${fa% *}" -v n="$n" -v hz="$hz" 'BEGIN { printf "%.1f", (a - b) / hz * 1e6 / n }') $(awk -v b="${rb% *}" -v a="${ra% *}" -v n="$n" -v hz="$hz" 'BEGIN { printf "%.1f", (a - b) / hz * 1e6 / n }')"
}
echo "load: the same, --feature-store redis://127.0.0.1:$REDIS_PORT/0, $REDIS_ROUNDS rounds"
printf '%-6s %12s %11s %14s %12s\n' round redis_req/s p99ms fraudscore_us redis_us
for r in $(seq "$REDIS_ROUNDS"); do
  read -r rps p99 fcpu rcpu < <(measure_redis)
  printf '%-6s %12s %11s %14s %12s\n' "$r" "$rps" "$p99" "$fcpu" "$rcpu"
done
curl -s "http://127.0.0.1:$RED/metrics" | grep -E '^fraudscore_features_(store_errors|out_of_order)'
