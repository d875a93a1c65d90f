#!/usr/bin/env bash
# Runs the browser end-to-end test against a real `autotuner serve` backed by the simulator:
# starts BUILD_BIN_DIR/autotuner serve on a free loopback port with a temporary database and web/dist as web root,
# waits for /api/system/health, runs e2e/run.mjs, stops the server. Registered in CTest with label `e2e`.
#   web/e2e/run-with-server.sh build/release/bin
# Env: E2E_SPEC (default run.mjs; trust.mjs for the results checks), E2E_ARTIFACTS (default web/e2e/artifacts),
# CHROMIUM_PATH, E2E_TIMEOUT_S; E2E_MOCK=1 uses e2e/mock-server.mjs
# instead of the real server (UI development only).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
web="$(dirname "$here")"
bin_dir="${1:-}"
if [ -z "$bin_dir" ] && [ -z "${E2E_MOCK:-}" ]; then
  echo "usage: $0 BUILD_BIN_DIR   (e.g. build/release/bin)" >&2
  exit 2
fi
[ -z "$bin_dir" ] || bin_dir="$(cd "$bin_dir" && pwd)"

# Dependencies: npm packages and the production bundle the server serves.
if [ ! -d "$web/node_modules/playwright-core" ]; then
  (cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
if [ ! -f "$web/dist/index.html" ] || [ -n "$(find "$web/src" "$web/index.html" -newer "$web/dist/index.html" -print -quit)" ]; then
  (cd "$web" && npm run build --silent >/dev/null)
fi
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "e2e: $chromium not found (apt-get install chromium, or set CHROMIUM_PATH)" >&2
  exit 1
fi

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
tmp="$(mktemp -d /tmp/autotuner-e2e.XXXXXX)"
server_log="$tmp/server.log"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "${E2E_MOCK:-}" ]; then
  node "$here/mock-server.mjs" --host 127.0.0.1 --port "$port" --web-root "$web/dist" >"$server_log" 2>&1 &
else
  # The simulator binary (autotuner-sim) sits next to autotuner; runtimes are found from the repository.
  PATH="$bin_dir:$PATH" "$bin_dir/autotuner" serve --no-auth --host 127.0.0.1 --port "$port" --db "$tmp/e2e.db" --web-root "$web/dist" \
    >"$server_log" 2>&1 &
fi
server_pid=$!

url="http://127.0.0.1:$port"
for i in $(seq 1 150); do
  if curl -fsS "$url/api/system/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "e2e: the server exited before it was healthy:" >&2
    cat "$server_log" >&2
    exit 1
  fi
  sleep 0.2
  if [ "$i" = 150 ]; then
    echo "e2e: the server did not answer $url/api/system/health within 30 s" >&2
    tail -50 "$server_log" >&2
    exit 1
  fi
done

artifacts="${E2E_ARTIFACTS:-$web/e2e/artifacts}"
mkdir -p "$artifacts"
rc=0
AUTOTUNER_URL="$url" E2E_ARTIFACTS="$artifacts" node "$here/${E2E_SPEC:-run.mjs}" || rc=$?
cp "$server_log" "$artifacts/server.log" 2>/dev/null || true
if [ "$rc" != 0 ]; then
  echo "e2e: server log (last 40 lines):" >&2
  tail -40 "$server_log" >&2
fi
exit "$rc"
