#!/usr/bin/env bash
# `autotuner serve` as a user runs it: refuses an unsafe bind, serves the API with a token, stops on SIGTERM.
# Usage: serve_test.sh PATH/TO/autotuner
set -euo pipefail
autotuner="$1"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$work/out.log" ]] && cat "$work/out.log" >&2; exit 1; }

# A non-loopback bind without auth is invalid input (exit 2), before anything is opened.
set +e
HOME="$work" "$autotuner" serve --no-auth --host 0.0.0.0 --port 0 --db "$work/refused.db" 2>"$work/refused.log"
code=$?
set -e
[[ $code -eq 2 ]] || fail "non-loopback bind without token exited $code, want 2"
grep -q -- "--insecure" "$work/refused.log" || fail "refusal does not mention --insecure"
[[ ! -e "$work/refused.db" ]] || fail "the store was opened before the refusal"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/web"
echo '<html>serve-test-ui</html>' >"$work/web/index.html"
HOME="$work" AUTOTUNER_TOKEN=t0ken "$autotuner" serve --port "$port" --db "$work/serve.db" --web-root "$work/web" \
  >"$work/out.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/system/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/api/system/health" | grep -q '"status":"ok"' || fail "health"
grep -q "token required" "$work/out.log" || fail "start-up line does not say a token is required"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/tasks")
[[ "$status" == 401 ]] || fail "no token: got $status, want 401"
curl -sf -H "Authorization: Bearer t0ken" "http://127.0.0.1:$port/api/tasks" | grep -q '"total":0' ||
  fail "tasks with the token from AUTOTUNER_TOKEN"
# The UI needs no token; client-side routes get index.html, /api never does.
curl -sf "http://127.0.0.1:$port/" | grep -q serve-test-ui || fail "web root index"
curl -sf "http://127.0.0.1:$port/tasks/7" | grep -q serve-test-ui || fail "SPA fallback"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer t0ken" "http://127.0.0.1:$port/api/nope")
[[ "$status" == 404 ]] || fail "/api/nope: got $status, want 404"

kill -TERM "$server_pid"
set +e
wait "$server_pid"
code=$?
set -e
server_pid=""
[[ $code -eq 0 ]] || fail "serve exited $code after SIGTERM, want 0"
grep -q "stopping" "$work/out.log" || fail "no stopping message"

# Without --token: a generated token, printed once in the URL and written 0600 for this user's CLI.
export XDG_RUNTIME_DIR="$work/run"
mkdir -p "$XDG_RUNTIME_DIR"
HOME="$work" "$autotuner" serve --port "$port" --db "$work/serve.db" --web-root "$work/web" >"$work/out.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q "token=" "$work/out.log" 2>/dev/null && break
  sleep 0.1
done
token=$(sed -n 's/.*?token=\([0-9a-f]*\).*/\1/p' "$work/out.log" | head -1)
[[ ${#token} -eq 64 ]] || fail "no generated token in the start-up line"
token_file="$XDG_RUNTIME_DIR/autotuner/serve-$port.token"
[[ "$(stat -c %a "$token_file")" == 600 ]] || fail "token file is not mode 0600"
[[ "$(cat "$token_file")" == "$token" ]] || fail "token file does not hold the printed token"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/tasks")
[[ "$status" == 401 ]] || fail "generated token: no token got $status, want 401"
curl -sf -H "Authorization: Bearer $(cat "$token_file")" "http://127.0.0.1:$port/api/tasks" | grep -q '"total":0' ||
  fail "the token file's token is refused"
# Two servers on one port: the second fails to bind instead of sharing it.
set +e
HOME="$work" "$autotuner" serve --no-auth --port "$port" --db "$work/other.db" >"$work/second.log" 2>&1
code=$?
set -e
[[ $code -ne 0 ]] || fail "a second serve on a busy port started"
grep -q "cannot bind" "$work/second.log" || fail "busy port: no 'cannot bind' message"
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""
[[ ! -e "$token_file" ]] || fail "token file left after stop"
echo "serve CLI: OK"
