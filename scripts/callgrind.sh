#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: unlike wall-clock figures, these
# repeat exactly run to run. Builds release, serves the default model on one event loop under
# callgrind, sends N keep-alive POSTs of the sample request (h2load --h1, exact count), and
# prints the event-loop thread's instructions per request plus its top functions.
# TLS=1 serves HTTPS (a fresh self-signed certificate) and counts TLS 1.3 with it.
# KIND=oip-rest counts the Open Inference Protocol's REST call instead (one FP64 [1, 15] row, JSON,
# over HTTP/1.1), KIND=oip-grpc its gRPC ModelInfer (h2c, one call at a time), both serving
# tests/fixtures/models/xgb_model.json as "fraud" with scripts/bench/oip_bodies.py's bodies.
# TOP=n lists the n costliest functions (23). BIN=path counts that binary instead of building (e.g. an older build, to compare in one run).
#   N=2000 [TLS=1] [KIND=predict|oip-rest|oip-grpc] [BIN=path] ./scripts/callgrind.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${N:-2000}"
PORT="${PORT:-18501}"
for tool in valgrind callgrind_control callgrind_annotate h2load curl; do
  command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install -y valgrind nghttp2-client curl" >&2; exit 1; }
done
OUT=$(mktemp -d /tmp/fraudscore-callgrind.XXXXXX)
cd "$ROOT"
if [ -z "${BIN:-}" ]; then
  swift build -c release --product fraudscore >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
  BIN="$(swift build -c release --show-bin-path)/fraudscore"
fi
# SWIFT_DETERMINISTIC_HASHING fixes the hash seed: with a random one, dictionary probes (metrics,
# routes) vary the count by a hundred or so from run to run.
# Valgrind 3.19 (Debian 12) cannot read the DWARF 5 that Swift 6 emits and gives up; a copy without
# debug info keeps the symbol table, which is all the per-function totals need.
objcopy --strip-debug "$BIN" "$OUT/fraudscore"
BIN="$OUT/fraudscore"
SCHEME=http
TLSARGS=()
if [ "${TLS:-0}" = 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$OUT/key.pem" -out "$OUT/cert.pem" -days 1 \
    -subj /CN=localhost >/dev/null 2>&1
  SCHEME=https
  TLSARGS=(--tls-cert "$OUT/cert.pem" --tls-key "$OUT/key.pem")
fi
KIND="${KIND:-predict}"
MODEL=()
URL_PATH=/predict
BODY="$ROOT/examples/sample_request.json"
LOAD=(--h1 -H 'content-type: application/json')
case "$KIND" in
  predict) ;;
  oip-rest|oip-grpc)
    MODEL=(--model "$ROOT/tests/fixtures/models/xgb_model.json" --model-name fraud)
    python3 "$ROOT/scripts/bench/oip_bodies.py" "$OUT" fraud >/dev/null
    if [ "$KIND" = oip-rest ]; then
      URL_PATH=/v2/models/fraud/infer BODY="$OUT/infer.json"
    else
      URL_PATH=/inference.GRPCInferenceService/ModelInfer BODY="$OUT/modelinfer.bin"
      LOAD=(-m 1 -H 'content-type: application/grpc' -H 'te: trailers')
    fi ;;
  *) echo "KIND must be predict, oip-rest or oip-grpc" >&2; exit 1 ;;
esac
SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" --dump-instr=no --separate-threads=yes \
  "$BIN" serve --host 127.0.0.1 --port "$PORT" --threads 1 --log-level warning "${TLSARGS[@]}" "${MODEL[@]}" \
  >"$OUT/server.log" 2>&1 &
VG=$!
trap 'kill -TERM $VG 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -skf -o /dev/null "$SCHEME://127.0.0.1:$PORT/health/ready" && break; sleep 0.1; done
load() {
  h2load "${LOAD[@]}" -n "$1" -c 1 -d "$BODY" "$SCHEME://127.0.0.1:$PORT$URL_PATH" | grep -E '^(requests|status codes):'
}
load "$N"
kill -TERM $VG
wait $VG || true
# With --separate-threads the event-loop thread has its own file: model loading (main thread) is
# not in it, so its total over N requests is the cost per request (plus one connection's setup).
DUMP="$OUT/cg.out-02"
TOTAL=$(callgrind_annotate --inclusive=no "$DUMP" | sed -n 's/^\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
echo "RESULT callgrind kind=$KIND Ir/request=$(( TOTAL / N )) requests=$N total_Ir=$TOTAL"
callgrind_annotate --inclusive=no "$DUMP" | sed -n '/file:function/,$p' | sed -n "3,$((2 + ${TOP:-23}))p" | cut -c1-160
