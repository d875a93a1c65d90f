#!/usr/bin/env bash
# Hostile inputs, table-driven: task files (JSON and YAML) with out-of-range or ill-typed values in every
# numeric field, broken documents, hostile CLI flags, and the same bodies through the REST API. Each must get a
# clear message with the right exit code (2) or a 4xx, never a crash, a hang or a 5xx.
#   hostile_inputs_test.sh AUTOTUNER_BINARY
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
cases=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The quickstart task as JSON with one field replaced: field path (dotted), JSON value.
task_with() {
  python3 - "$1" "$2" <<'PY'
import json, sys
task = {"task_name": "hostile", "deployment_mode": "local", "base_runtime": "sim-sglang",
        "model": {"id_or_path": "meta-llama/Llama-3.2-1B-Instruct"}, "hardware": {"gpu_type": "H100", "num_gpus": 1},
        "parameters": {"max-running-requests": [8, 16]},
        "optimization": {"strategy": "grid_search", "objective": "maximize_throughput", "max_iterations": 2},
        "benchmark": {"model_tokenizer": "gpt2", "traffic_scenarios": ["D(512,128)"], "num_concurrency": [4]},
        "slo": {"ttft": {"threshold": 1.0, "weight": 2.0}}}
path, raw = sys.argv[1].split("."), sys.argv[2]
node = task
for key in path[:-1]:
    node = node.setdefault(key, {})
# Raw JSON text, spliced in verbatim so values Python cannot hold (1e400) reach the parser as written.
node[path[-1]] = "@@RAW@@"
print(json.dumps(task).replace('"@@RAW@@"', raw))
PY
}

# expect_input_error DESCRIPTION FILE [PATTERN]: validate exits 2 within 10 s and names the problem.
expect_input_error() {
  local what=$1 file=$2 pattern=${3:-}
  cases=$((cases + 1))
  timeout 10 "$bin" validate "$file" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [[ $rc -ne 2 ]]; then
    fail "$what: exit $rc, want 2; stderr: $(head -c 300 "$tmp/err")"
  elif [[ ! -s "$tmp/err" ]]; then
    fail "$what: no message"
  elif [[ -n "$pattern" ]] && ! grep -qF -- "$pattern" "$tmp/err"; then
    fail "$what: '$pattern' not in: $(head -c 300 "$tmp/err")"
  fi
}

fields=(hardware.num_gpus optimization.max_iterations optimization.timeout_per_iteration
  optimization.n_initial_random optimization.parallel_experiments benchmark.max_time_per_iteration
  benchmark.max_requests_per_iteration benchmark.num_concurrency benchmark.request_rate slo.steepness
  slo.ttft.threshold slo.ttft.weight)
values=(1e400 -1e400 1e300 -5 1e11 '"eight"' '[]' '{}' true 99999999999999999999999)
for field in "${fields[@]}"; do
  for value in "${values[@]}"; do
    task_with "$field" "$value" >"$tmp/t.json"
    pattern=$field
    [[ "$value" == 1e400 || "$value" == -1e400 ]] && pattern="invalid JSON"
    expect_input_error "$field=$value" "$tmp/t.json" "$pattern"
  done
done

# The same magnitudes in YAML, where 1e400 is a plain scalar rather than a JSON number.
for field in "${fields[@]}"; do
  task_with "$field" '"@V@"' | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=1))' |
    sed 's/"@V@"/1e400/' >"$tmp/t.yaml"
  expect_input_error "yaml $field=1e400" "$tmp/t.yaml" "$field"
done

# Broken documents.
printf 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' >"$tmp/laughs.yaml"
for level in b c d e f g h i; do
  prev=$(printf "\\$(printf '%03o' $(($(printf '%d' "'$level") - 1)))")
  printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' "$level" "$level" "$prev" "$prev" "$prev" "$prev" \
    "$prev" "$prev" "$prev" "$prev" "$prev" >>"$tmp/laughs.yaml"
done
expect_input_error "billion laughs" "$tmp/laughs.yaml" "too many values"
python3 -c 'print("[" * 100000 + "]" * 100000)' >"$tmp/deep.json"
expect_input_error "JSON nested 100000 deep" "$tmp/deep.json"
python3 -c 'print("a:\n" + "".join(" " * i + "- \n" for i in range(3000)))' >"$tmp/deep.yaml"
expect_input_error "YAML nested 3000 deep" "$tmp/deep.yaml"
printf '\xff\xfe\x00garbage' >"$tmp/binary.yaml"
expect_input_error "binary garbage" "$tmp/binary.yaml"
printf '' >"$tmp/empty.yaml"
expect_input_error "empty file" "$tmp/empty.yaml"
printf '{"task_name": "x", "task_name": "y"}' >"$tmp/dup.json"
expect_input_error "duplicate JSON key or missing fields" "$tmp/dup.json"
printf 'task_name: x\ntask_name: y\n' >"$tmp/dup.yaml"
expect_input_error "duplicate YAML key" "$tmp/dup.yaml" "duplicate key"
printf '%s' '"just a string"' >"$tmp/string.json"
expect_input_error "a JSON string" "$tmp/string.json"
expect_input_error "a directory" "$tmp"
expect_input_error "a missing file" "$tmp/nope.yaml" "cannot open"

# bench flags: bad magnitudes are input errors (2) before any request is sent.
bench_flag() {
  cases=$((cases + 1))
  timeout 10 "$bin" bench --api-base http://127.0.0.1:9 --model m --output-dir "$tmp/bench" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [[ $rc -eq 2 ]] || fail "bench $*: exit $rc, want 2; stderr: $(head -c 300 "$tmp/err")"
}
for args in "--request-rate 1e300" "--request-rate -1" "--request-rate nan" "--request-rate 1e400" \
  "--request-timeout 1e300" "--request-timeout -1" "--request-timeout 1e19" "--max-time-per-run 1e300" \
  "--max-requests-per-run 99999999999" "--num-concurrency 0" "--num-concurrency 1e9" \
  "--warmup-requests -1" "--traffic-scenario D(1e400,1)" "--additional-request-params [1" \
  "--additional-request-params 1e400"; do
  # shellcheck disable=SC2086
  bench_flag $args
done

# The same task bodies through the API: 4xx with the error shape, never a 5xx; the server stays up.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOME="$tmp" XDG_RUNTIME_DIR="$tmp" "$bin" serve --no-auth --port "$port" --db "$tmp/api.db" >"$tmp/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/system/health" >/dev/null 2>&1 && break
  sleep 0.1
done
api_case() {  # description content-type body-file [method path]
  cases=$((cases + 1))
  local code
  code=$(curl -s -m 10 -o "$tmp/api.out" -w '%{http_code}' -X "${4:-POST}" -H "Content-Type: $2" \
    --data-binary "@$3" "http://127.0.0.1:$port${5:-/api/tasks/validate}")
  if [[ ! "$code" =~ ^4[0-9][0-9]$ ]]; then
    fail "API $1: HTTP $code, want 4xx: $(head -c 200 "$tmp/api.out")"
  elif ! grep -q '"error"' "$tmp/api.out"; then
    fail "API $1: no error body"
  fi
}
for field in "${fields[@]}"; do
  for value in 1e400 1e300 -5 '"eight"'; do
    # A name of its own: a task that wrongly passed must not make the next case a 409.
    task_with "$field" "$value" | sed "s/\"task_name\": \"hostile\"/\"task_name\": \"hostile-$cases\"/" >"$tmp/t.json"
    api_case "$field=$value" application/json "$tmp/t.json" POST /api/tasks
  done
done
task_with hardware.num_gpus 1 >"$tmp/ok.json"
api_case "text/plain body" text/plain "$tmp/ok.json" POST /api/tasks
api_case "form body" application/x-www-form-urlencoded "$tmp/ok.json" POST /api/tasks
api_case "deep JSON" application/json "$tmp/deep.json" POST /api/tasks
api_case "YAML bomb as a body" application/json "$tmp/laughs.yaml" POST /api/tasks
printf '{"token": 1e400}' >"$tmp/login.json"
api_case "login 1e400" application/json "$tmp/login.json" POST /api/auth/login
printf '{"description": 1e400}' >"$tmp/patch.json"
api_case "patch 1e400" application/json "$tmp/patch.json" PATCH /api/tasks/1
printf '{"name": "x", "parameters": {"a": [1e400]}}' >"$tmp/preset.json"
api_case "preset 1e400" application/json "$tmp/preset.json" POST /api/presets
cases=$((cases + 1))
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'Origin: http://evil.example' \
  -H 'Content-Type: text/plain' --data-binary "@$tmp/ok.json" "http://127.0.0.1:$port/api/tasks")
[[ "$code" == 403 ]] || fail "cross-site POST: HTTP $code, want 403"
cases=$((cases + 1))
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "http://127.0.0.1:$port/api/tasks")
[[ "$code" == 403 ]] || fail "rebound Host: HTTP $code, want 403"
cases=$((cases + 1))
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/ok.json" "http://127.0.0.1:$port/api/tasks")
[[ "$code" == 411 ]] || fail "chunked body: HTTP $code, want 411"
curl -sf "http://127.0.0.1:$port/api/system/health" | grep -q '"status":"ok"' || fail "the server died"
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null
server_pid=""

echo "hostile inputs: $cases cases, $failures failures"
[[ $failures -eq 0 ]]
