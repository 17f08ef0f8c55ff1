#!/usr/bin/env bash
# Fuzzes the parsers that read what clients send: each libFuzzer target in Fuzz/ built with
# libFuzzer and AddressSanitizer (in .build-fuzz/), run for SECONDS from its seed corpus in
# Fuzz/corpus/<target>/ (copied: what a run finds stays in .build-fuzz/corpus/). A crash or a
# sanitizer report fails the run and leaves the input in .build-fuzz/crashes/<target>/; replay it
# with `swift run <target> FILE`, fix, and keep it as a seed.
#   scripts/fuzz.sh [--seconds N] [TARGET...]      (default: 30 s each, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=30
if [ "${1:-}" = "--seconds" ]; then SECONDS_EACH="$2"; shift 2; fi
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(FuzzInferBody FuzzGRPCRequest)
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
  mkdir -p "$corpus" "$crashes"
  cp -n Fuzz/corpus/"$t"/* "$corpus"/
  echo "fuzzing $t for ${SECONDS_EACH}s"
  if ! "$BIN/$t" -max_total_time="$SECONDS_EACH" -artifact_prefix="$crashes" -print_final_stats=1 "$corpus" \
      >".build-fuzz/$t.log" 2>&1; then
    tail -40 ".build-fuzz/$t.log" >&2
    echo "fuzz: $t failed; the input is in $crashes" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" ".build-fuzz/$t.log" | sed "s/^/$t /"
done
