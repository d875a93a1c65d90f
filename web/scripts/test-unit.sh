#!/usr/bin/env bash
# Web UI unit and component tests (Vitest + Testing Library, jsdom). Registered in CTest with label `web`.
# Installs the npm packages from the lock file first when node_modules is missing (no install scripts run).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/vitest ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
exec npx --no-install vitest run --reporter=default "$@"
