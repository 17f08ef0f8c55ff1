#!/usr/bin/env bash
# Runs every probe of tests/e2e/h2probe (h2-all: HTTP/2 floods and oversized field blocks; h1-all: HTTP/1.1
# requests to refuse) against the release build, on the plain port (h2c) and over TLS (a throwaway self-signed
# certificate), and prints the server's RSS before and after each set. Needs hyperframe and hpack
# (tests/requirements.txt). Fails when a probe could not run, the server left an attack's connection open
# (not_closed), or an HTTP/1.1 probe got another status than the expected one.
#   PORT=18220  ./scripts/probe_attacks.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
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
probe_set() {  # label, extra serve flags..., then h2probe flags after "--"
  local label=$1; shift
  local serve=() ; while [ "$1" != "--" ]; do serve+=("$1"); shift; done; shift
  # A 2 s header deadline (default 10 s) lets the slowloris probe see its 408 within the probe's 5 s.
  "$BIN" serve --host 127.0.0.1 --port "$PORT" --log-level warning --access-log-sample-rate 0 \
    --header-timeout-ms 2000 "${serve[@]}" >"$TMP/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do curl -skf -o /dev/null "$([ "${serve[*]}" = "" ] && echo http || echo https)://127.0.0.1:$PORT/health/ready" && break; sleep 0.1; done
  echo "== $label: RSS before $(rss)"
  python3 tests/e2e/h2probe --port "$PORT" --path /health/live "$@" h2-all h1-all | grep '^RESULT' | tee -a "$TMP/results"
  echo "== $label: RSS after $(rss)"
  kill "$PID"; wait "$PID" || true; PID=""
}
probe_set plain --
probe_set tls --tls-cert "$TMP/tls.crt" --tls-key "$TMP/tls.key" -- --tls

# Every line must say closed_at= (the server ended the connection); h2 lines also how (GOAWAY ENHANCE_YOUR_CALM, or
# a reset seen while still sending, as tests/e2e/test_http2_floods.py accepts), h1 lines the expected status.
bad=$( { grep -v 'closed_at=' "$TMP/results"
         grep '^RESULT h2\.' "$TMP/results" | grep -vE "goaway=ENHANCE_YOUR_CALM|send_error='(ConnectionReset|BrokenPipe|SSLEOF)"
         grep '^RESULT h1\.' "$TMP/results" | grep -vE 'status=([0-9]+) expected=\1 '; } | sort -u || true)
echo "== $(wc -l <"$TMP/results") probes, $(printf '%s' "$bad" | grep -c . || true) not answered as expected"
[ -z "$bad" ] || { printf '%s\n' "$bad"; exit 1; }
