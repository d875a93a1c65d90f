#!/usr/bin/env bash
# Fuzz smoke (CTest label fuzz): runs one libFuzzer target from a fixed seed over its seed inputs for a
# bounded number of runs and time. A crash, a leak, a sanitizer report or a broken invariant fails the
# test; the input that did it is kept under the artifact directory and printed (base64) by libFuzzer.
#   run_fuzzer.sh FUZZER ARTIFACT_DIR SEED_DIR...
# FUZZ_RUNS / FUZZ_SECONDS override the bounds (e.g. FUZZ_SECONDS=600 for a longer local session).
set -euo pipefail
fuzzer=$1 artifacts=$2
shift 2
if [ ! -x "$fuzzer" ]; then
  echo "run_fuzzer: $fuzzer is not built (cmake --preset fuzz && cmake --build --preset fuzz; scripts/test.sh does)" >&2
  exit 1
fi
mkdir -p "$artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# New inputs go to the first corpus directory (scratch), never into the seed directories.
exec "$fuzzer" -seed=1 -runs="${FUZZ_RUNS:-100000}" -max_total_time="${FUZZ_SECONDS:-25}" -timeout=10 \
  -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts/" "$scratch" "$@"
