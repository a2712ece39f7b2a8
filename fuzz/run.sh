#!/usr/bin/env bash
# Bounded libFuzzer run of every fuzz target.
#
#   bash fuzz/run.sh [seconds-per-target]      (default 60; also: npm run fuzz)
#   FUZZ_TARGETS="jwks jwt_verify" bash fuzz/run.sh 30   (a subset)
#
# Needs nightly Rust and cargo-fuzz (`cargo install cargo-fuzz`). For each target: the committed
# seeds (fuzz/seeds/<target>/) are copied into the working corpus (fuzz/corpus/<target>/, not
# committed), then `cargo +nightly fuzz run` fuzzes for the given time on one core. Builds are
# release (cargo-fuzz's default) with debug assertions and overflow checks on (-a), so arithmetic
# overflow in the crate panics instead of wrapping. Crash/OOM/timeout inputs land in
# fuzz/artifacts/<target>/, full logs in fuzz/logs/<target>.log.
#
# Prints executions and the outcome per target; exits non-zero if any target crashed.
set -uo pipefail

SECONDS_PER_TARGET="${1:-60}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -lt 1 ]; then
  echo "usage: $0 [seconds-per-target]" >&2
  exit 2
fi

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$FUZZ_DIR/.." || exit 2

ALL_TARGETS=(authorization_header jwt_verify pipeline server_metadata resource_metadata jwks introspection_answer dpop_proof)
read -r -a TARGETS <<< "${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"
BUILD_FLAGS=(-a)

if ! cargo +nightly fuzz --version > /dev/null 2>&1; then
  echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
  exit 2
fi

mkdir -p "$FUZZ_DIR/logs"
echo "== building ${#TARGETS[@]} target(s)"
for target in "${TARGETS[@]}"; do
  if ! cargo +nightly fuzz build "${BUILD_FLAGS[@]}" "$target"; then
    echo "build of $target failed" >&2
    exit 2
  fi
done

declare -A RESULT EXECS
failed=0
for target in "${TARGETS[@]}"; do
  corpus="$FUZZ_DIR/corpus/$target"
  mkdir -p "$corpus" "$FUZZ_DIR/artifacts/$target"
  cp -n "$FUZZ_DIR/seeds/$target/"* "$corpus/" 2> /dev/null || true
  log="$FUZZ_DIR/logs/$target.log"
  echo "== $target: ${SECONDS_PER_TARGET}s (corpus $(ls "$corpus" | wc -l) files, log fuzz/logs/$target.log)"
  before=$(ls "$FUZZ_DIR/artifacts/$target" | wc -l)
  cargo +nightly fuzz run "${BUILD_FLAGS[@]}" "$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -max_len=65536 \
    -timeout=10 -print_final_stats=1 > "$log" 2>&1
  status=$?
  after=$(ls "$FUZZ_DIR/artifacts/$target" | wc -l)

  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
  units=$(grep -E '^stat::number_of_executed_units:' "$log" | tail -n 1 | awk '{print $2}')
  if [ -z "$units" ]; then
    units=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  fi
  EXECS[$target]="${units:-?}"
  [ -n "$done_line" ] && echo "   $done_line"
  [ -n "$units" ] && echo "   stat::number_of_executed_units: $units"

  if [ "$status" -eq 0 ] && [ "$after" -eq "$before" ]; then
    RESULT[$target]="ok"
    echo "   no crash"
  else
    failed=1
    kind=$(grep -oE 'ERROR: libFuzzer: [a-z-]+|ERROR: AddressSanitizer: [a-z-]+|panicked at [^ ]+' "$log" | head -n 1)
    RESULT[$target]="CRASH (${kind:-exit $status})"
    echo "   CRASH: ${kind:-exit status $status}"
    grep -E "panicked at|^thread '|Test unit written to|^artifact_prefix" "$log" | head -n 5 | sed 's/^/   /'
    grep -A3 'panicked at' "$log" | head -n 4 | sed 's/^/   /'
  fi
done

echo
printf '%-22s %8s %14s  %s\n' target seconds executions result
for target in "${TARGETS[@]}"; do
  printf '%-22s %8s %14s  %s\n' "$target" "$SECONDS_PER_TARGET" "${EXECS[$target]}" "${RESULT[$target]}"
done
exit "$failed"
