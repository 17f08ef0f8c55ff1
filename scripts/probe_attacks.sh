#!/usr/bin/env bash
# Runs every probe of ../shared/tools/h2attacks.py (h2-all and h1-all) against the release build,
# on the plain port and over TLS (a throwaway self-signed certificate), and prints the server's RSS
# before and after each set. Compare the RESULT lines with ../shared/tools/h2attacks-reference.txt.
#   SHARED=../shared  PORT=18220  ./scripts/probe_attacks.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
PORT="${PORT:-18220}"
TMP=$(mktemp -d /tmp/fraudscore-probes.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
cd "$ROOT"
swift build -c release --product fraudscore >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; exit 1; }
BIN="$(swift build -c release --show-bin-path)/fraudscore"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$TMP/tls.key" -out "$TMP/tls.crt" >/dev/null 2>&1

rss() { awk '/VmRSS/ {print $2 " KiB"}' "/proc/$PID/status"; }
probe_set() {  # label, extra serve flags..., then h2attacks flags after "--"
  local label=$1; shift
  local serve=() ; while [ "$1" != "--" ]; do serve+=("$1"); shift; done; shift
  "$BIN" serve --host 127.0.0.1 --port "$PORT" --log-level warning --access-log-sample-rate 0 "${serve[@]}" \
    >"$TMP/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do curl -skf -o /dev/null "$([ "${serve[*]}" = "" ] && echo http || echo https)://127.0.0.1:$PORT/health/ready" && break; sleep 0.1; done
  echo "== $label: RSS before $(rss)"
  python3 "$SHARED/tools/h2attacks.py" --port "$PORT" --path /health/live "$@" h2-all h1-all | grep '^RESULT'
  echo "== $label: RSS after $(rss)"
  kill "$PID"; wait "$PID" || true; PID=""
}
probe_set plain --
probe_set tls --tls-cert "$TMP/tls.crt" --tls-key "$TMP/tls.key" -- --tls
