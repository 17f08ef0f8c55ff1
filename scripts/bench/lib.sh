# shellcheck shell=bash
# Helpers shared by scripts/bench.sh and scripts/bench_h2.sh (sourced, not run).

# nginx lives in /usr/sbin on Debian, which a normal user's PATH may lack.
nginx_bin() { command -v nginx || echo /usr/sbin/nginx; }

# need_tools COMMAND:APT_PACKAGE ...: prints one message naming every missing package, fails if any.
need_tools() {
  local spec cmd missing=() pkgs=()
  for spec in "$@"; do
    cmd="${spec%%:*}"
    if [ "$cmd" = nginx ]; then
      [ -x "$(nginx_bin)" ] && continue
    else
      command -v "$cmd" >/dev/null && continue
    fi
    missing+=("$cmd")
    pkgs+=("${spec#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo "
  echo "missing: ${missing[*]}. The benchmarks need them (scripts/setup.sh leaves them out); install with:" >&2
  echo "  ${sudo}apt-get install -y ${pkgs[*]}" >&2
  return 1
}

# port_busy PORT: true if something accepts connections on 127.0.0.1:PORT.
port_busy() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http URL SECONDS PID [curl options...]: waits for a 2xx from URL; fails early if PID exits.
wait_http() {
  local url="$1" secs="$2" pid="$3"
  shift 3
  for _ in $(seq $((secs * 10))); do
    curl -sf -o /dev/null "$@" "$url" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "process $pid exited before $url answered" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "no answer from $url within ${secs}s" >&2
  return 1
}

# proc_tree PID: PID and all its descendants, one per line (from /proc/*/stat).
proc_tree() {
  local f line rest pid ppid p c
  local -A kids=()
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    pid="${line%% *}"
    rest="${line##*) }"              # after "pid (comm) ": comm may hold spaces and parentheses
    read -r _ ppid _ <<<"$rest"
    kids[$ppid]+=" $pid"
  done
  local queue=("$1")
  while [ ${#queue[@]} -gt 0 ]; do
    p="${queue[0]}"
    queue=("${queue[@]:1}")
    [ -e "/proc/$p/stat" ] || continue
    echo "$p"
    for c in ${kids[$p]:-}; do queue+=("$c"); done
  done
}

# tree_cpu PID: prints "TICKS PROCESSES": utime + stime (all threads) of PID and its descendants,
# in clock ticks (getconf CLK_TCK a second), and how many processes that was.
tree_cpu() {
  local p line total=0 n=0
  local -a f
  for p in $(proc_tree "$1"); do
    { read -r line <"/proc/$p/stat"; } 2>/dev/null || continue
    read -r -a f <<<"${line##*) }"
    # f[0] is field 3 (state) of proc(5): utime is field 14, stime field 15
    total=$((total + f[11] + f[12]))
    n=$((n + 1))
  done
  echo "$total $n"
}

# tree_rss_mb PID: the resident memory (VmRSS) of PID and its descendants together, in MB.
tree_rss_mb() {
  local p kb total=0
  for p in $(proc_tree "$1"); do
    kb="$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status" 2>/dev/null)" || continue
    total=$((total + ${kb:-0}))
  done
  awk -v k="$total" 'BEGIN { printf "%.1f", k / 1024 }'
}

# stop_tree PID: SIGTERM to PID, up to 10 s for it and its descendants to exit, then SIGKILL to
# whichever of them is left.
stop_tree() {
  local pids p alive
  pids="$(proc_tree "$1")"
  [ -n "$pids" ] || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  wait "$1" 2>/dev/null || true
}

# kv "RESULT a=1 b=2" b -> 2
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

# check_predict NAME URL BODY_FILE [curl options...]: one POST must answer 200 with a
# fraud_probability; prints the reply. Up to 10 tries when curl gets no response at all: curl 7.88
# sometimes drops an HTTP/2 response that arrives before the server has read the whole body,
# followed by RST_STREAM(NO_ERROR), which is what nginx's `return` does.
check_predict() {
  local name="$1" url="$2" body="$3" reply code
  shift 3
  for _ in $(seq 10); do
    reply="$(curl -s -m 5 -w '\n%{http_code}' -H 'content-type: application/json' --data-binary "@$body" "$@" "$url")" || true
    code="${reply##*$'\n'}"
    reply="${reply%$'\n'*}"
    [ "$code" != 000 ] && break
  done
  if [ "$code" != 200 ] || [[ "$reply" != *'"fraud_probability"'* ]]; then
    echo "$name: POST $url answered HTTP $code: $reply" >&2
    return 1
  fi
  printf '  %-12s %s\n' "$name" "$reply"
}

# fraudscore_binary BUILD_LOG: prints $BIN if given, else builds the release binary and prints its path.
fraudscore_binary() {
  if [ -z "${BIN:-}" ]; then
    command -v swift >/dev/null || { echo "swift not found: install Swift 6.x, or give a binary with BIN=path" >&2; exit 1; }
    echo "building: swift build -c release --product fraudscore (log: $1)" >&2
    (cd "$ROOT" && swift build -c release --product fraudscore) >"$1" 2>&1 \
      || { tail -n 40 "$1" >&2; exit 1; }
    BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/fraudscore"
  fi
  [ -x "$BIN" ] || { echo "BIN=$BIN is not an executable" >&2; exit 1; }
  echo "$BIN"
}

# stop_started_on_exit NAME: on any exit, stop every server PID in STARTED (with its descendants)
# and nginx if NGINX_STARTED is set; LOG and BENCH must be set.
STARTED=()
NGINX_STARTED=""
stop_started_on_exit() {
  STOPPER_NAME=$1
  trap stop_started EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
stop_started() {
  local rc=$?
  trap - EXIT INT TERM
  [ "$rc" -ne 0 ] && echo "$STOPPER_NAME: stopping its servers after exit status $rc (logs: $LOG)" >&2
  for p in "${STARTED[@]}"; do stop_tree "$p"; done
  [ -n "$NGINX_STARTED" ] && { NGINX_DIR="$LOG/nginx" "$BENCH/run-nginx.sh" stop >>"$LOG/nginx.log" 2>&1 || true; }
  exit "$rc"
}

# alternating_rounds ROUNDS A B: calls `measure A` and `measure B` (the caller's function, printing
# one line of figures) in each round, A first in odd rounds and B first in even ones, so that
# whichever runs second is not always the same; prints "round figures_of_A figures_of_B" per round.
alternating_rounds() {
  local rounds=$1 a=$2 b=$3 r fa fb
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then
      fa="$(measure "$a")"
      fb="$(measure "$b")"
    else
      fb="$(measure "$b")"
      fa="$(measure "$a")"
    fi
    echo "$r $fa $fb"
  done
}
