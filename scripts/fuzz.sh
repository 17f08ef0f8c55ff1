#!/usr/bin/env bash
# Fuzzes the parsers of bytes from outside (HTTP/1.1 requests, JSON and its numbers, inference
# bodies, gRPC calls, model files, CatBoost's binary and JSON models): each libFuzzer target in Fuzz/ built with libFuzzer and
# AddressSanitizer (in .build-fuzz/), run for SECONDS from its seed corpus in
# Fuzz/corpus/<target>/ (copied: what a run finds stays in .build-fuzz/corpus/). A crash or a
# sanitizer report fails the run and leaves the input in .build-fuzz/crashes/<target>/; replay it
# with `swift run <target> FILE`, fix, and keep it as a seed.
#   scripts/fuzz.sh [--seconds N] [TARGET...]      (default: 30 s each, every target)
#   scripts/fuzz.sh --runs N [TARGET...]           N inputs each from a fixed seed: the same inputs
#                                                  every time (CI: a run cannot turn red by chance)
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=(-max_total_time=30)
WHAT="30s"
case "${1:-}" in
  --seconds) LIMIT=(-max_total_time="$2"); WHAT="$2s"; shift 2 ;;
  --runs) LIMIT=(-runs="$2" -seed=20261207); WHAT="$2 inputs"; FRESH=1; shift 2 ;;
esac
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(FuzzInferBody FuzzGRPCRequest FuzzHTTP1 FuzzHTTP2Frames FuzzJSON FuzzTransaction FuzzModels FuzzCatBoost)
# -sanitize=fuzzer would link libFuzzer's own main, which clashes with the one SwiftPM gives an
# executable: the targets get libFuzzer's coverage instrumentation and its no-main runtime, and
# their main hands over to LLVMFuzzerRunDriver (Fuzz/FuzzReplay).
RUNTIME="$(ls "$(dirname "$(readlink -f "$(command -v swiftc)")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)"
[ -f "$RUNTIME" ] || { echo "fuzz: libclang_rt.fuzzer_no_main not found beside swiftc" >&2; exit 1; }
FLAGS=(-c release --build-path .build-fuzz -Xswiftc -DFUZZING -Xswiftc -sanitize=address
       -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table
       -Xlinker --whole-archive -Xlinker "$RUNTIME" -Xlinker --no-whole-archive -Xlinker -lstdc++)
for t in "${TARGETS[@]}"; do
  swift build "${FLAGS[@]}" --product "$t"
done
BIN="$(swift build "${FLAGS[@]}" --show-bin-path)"
for t in "${TARGETS[@]}"; do
  corpus=".build-fuzz/corpus/$t" crashes=".build-fuzz/crashes/$t/"
  [ -z "${FRESH:-}" ] || rm -rf "$corpus"  # from the seeds alone, as on a fresh clone
  mkdir -p "$corpus" "$crashes"
  cp -n Fuzz/corpus/"$t"/* "$corpus"/
  echo "fuzzing $t: $WHAT"
  if ! "$BIN/$t" "${LIMIT[@]}" -artifact_prefix="$crashes" -print_final_stats=1 "$corpus" \
      >".build-fuzz/$t.log" 2>&1; then
    tail -40 ".build-fuzz/$t.log" >&2
    echo "fuzz: $t failed; the input is in $crashes" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" ".build-fuzz/$t.log" | sed "s/^/$t /"
done
