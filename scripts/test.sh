#!/usr/bin/env bash
# Installs dependencies, builds with ASan + UBSan (debug preset) and runs every suite through CTest (labels:
# unit, integration, faults, fuzz, lint, web, e2e). The few timing-sensitive integration tests (the
# quickstart's answer, simulator agreement) need binaries that keep up with real time, so their targets are
# also built optimized (release preset); the fuzzers are built with clang (fuzz preset). The debug tree's
# CTest runs both.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh debug
echo "test: building the release binaries of the timing-sensitive tests"
cmake --preset release >/dev/null
cmake --build --preset release --target autotuner autotuner-sim autotuner_run_tests autotuner_sim_agreement_tests \
  autotuner_prompt_tests
echo "test: building the libFuzzer targets (clang) that the fuzz label runs"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
ctest --preset debug "$@"
