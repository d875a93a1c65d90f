#!/usr/bin/env bash
# Installs dependencies, builds with ASan + UBSan (debug preset) and runs every suite through CTest
# (labels: unit, integration, lint).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh debug
ctest --preset debug "$@"
