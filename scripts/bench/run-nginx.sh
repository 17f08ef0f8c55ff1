#!/usr/bin/env bash
# nginx with scripts/bench/nginx.conf (fixed JSON reply on POST /predict), for the benchmarks.
#   ./scripts/bench/run-nginx.sh start|stop|status
# Knobs (defaults): NGINX_BIN=nginx on PATH, else /usr/sbin/nginx
#                   NGINX_DIR=${TMPDIR:-/tmp}/fraudscore-bench-nginx.<uid>   run directory: the
#                   rendered config, pid file, error log, temp paths, self-signed cert.pem/key.pem
#                   NGINX_H1_PORT=18080 NGINX_H2C_PORT=18081 NGINX_TLS_PORT=18082 (all on 127.0.0.1)
# Works as root (workers then run as nginx's default user, nobody) and as a normal user.
# Stops by the PID in its pid file: the master, then any worker still alive.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${NGINX_DIR:-${TMPDIR:-/tmp}/fraudscore-bench-nginx.$(id -u)}"
H1_PORT="${NGINX_H1_PORT:-18080}"
H2C_PORT="${NGINX_H2C_PORT:-18081}"
TLS_PORT="${NGINX_TLS_PORT:-18082}"
PIDFILE="$DIR/nginx.pid"

# Debian installs nginx in /usr/sbin, which a normal user's PATH may lack.
NGINX_BIN="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
# nginx reads $NGINX as sockets inherited from an old master (binary upgrade) and then does not
# daemonize: never pass one on.
unset NGINX

need() {  # tool apt-package
  command -v "$1" >/dev/null || { echo "$1 not found: apt-get install -y $2" >&2; exit 1; }
}

master_pid() {  # prints the live master's PID, or fails
  local pid
  [ -s "$PIDFILE" ] || return 1
  pid="$(cat "$PIDFILE")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

children() {  # PIDs whose parent is $1
  local stat rest
  for stat in /proc/[0-9]*/stat; do
    rest="$(cat "$stat" 2>/dev/null)" || continue
    rest="${rest##*) }"          # skip "pid (comm) "; comm may hold spaces
    read -r _ ppid _ <<<"$rest"
    [ "$ppid" = "$1" ] && { p="${stat#/proc/}"; echo "${p%/stat}"; }
  done
  return 0
}

start() {
  [ -x "$NGINX_BIN" ] || { echo "nginx not found: apt-get install -y nginx" >&2; exit 1; }
  need openssl openssl
  need curl curl
  if pid="$(master_pid)"; then
    echo "nginx already running from $DIR (master pid $pid)"
    return 0
  fi
  [ -d "$DIR" ] || mkdir -m 700 "$DIR"
  [ -O "$DIR" ] || { echo "$DIR belongs to another user: set NGINX_DIR" >&2; exit 1; }
  mkdir -p "$DIR/tmp"
  if [ ! -s "$DIR/cert.pem" ] || [ ! -s "$DIR/key.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
      -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>"$DIR/openssl.log" \
      || { cat "$DIR/openssl.log" >&2; exit 1; }
  fi
  sed -e "s|@DIR@|$DIR|g" -e "s|@H1_PORT@|$H1_PORT|g" -e "s|@H2C_PORT@|$H2C_PORT|g" \
      -e "s|@TLS_PORT@|$TLS_PORT|g" "$HERE/nginx.conf" >"$DIR/nginx.conf"
  "$NGINX_BIN" -q -t -e "$DIR/error.log" -p "$DIR/" -c "$DIR/nginx.conf"
  "$NGINX_BIN" -e "$DIR/error.log" -p "$DIR/" -c "$DIR/nginx.conf"
  for _ in $(seq 50); do
    if master_pid >/dev/null && curl -sf -o /dev/null "http://127.0.0.1:$H1_PORT/health"; then
      echo "nginx master pid $(master_pid) ($DIR): h1 http://127.0.0.1:$H1_PORT  h2c http://127.0.0.1:$H2C_PORT  tls https://127.0.0.1:$TLS_PORT"
      return 0
    fi
    sleep 0.1
  done
  echo "nginx did not start; $DIR/error.log:" >&2
  cat "$DIR/error.log" >&2 || true
  exit 1
}

stop() {
  local pid workers
  if ! pid="$(master_pid)"; then
    echo "nginx not running from $DIR"
    return 0
  fi
  workers="$(children "$pid")"
  kill -TERM "$pid" 2>/dev/null || true     # fast shutdown: the master stops its workers
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for p in $pid $workers; do kill -KILL "$p" 2>/dev/null || true; done
  echo "nginx stopped (master pid $pid)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if pid="$(master_pid)"; then echo "nginx running from $DIR (master pid $pid)"; else echo "nginx not running from $DIR"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
