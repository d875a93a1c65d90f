#!/usr/bin/env bash
# Integration tests of autotuner-sim as the deployer runs it: usage errors, start-up failures, the served
# wire bytes (golden files, ids and `created` masked), usage numbers against the shared tokenizer, shutdown.
# Usage: sim_integration_test.sh AUTOTUNER_SIM AUTOTUNER TESTDATA_DIR [case...]
set -uo pipefail
SIM=$1
AUTOTUNER=$2
TESTDATA=$3
shift 3
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

# Starts the simulator in the background; sets SIM_PID and PORT once it logs that it is ready.
start_sim() {
  local log=$WORK/sim.log
  rm -f "$log"
  "$SIM" "$@" >"$log" 2>&1 &
  SIM_PID=$!
  PIDS+=("$SIM_PID")
  for _ in $(seq 1 600); do
    if PORT=$(sed -nE 's/.*autotuner-sim ready: listening on http:\/\/[0-9.]+:([0-9]+).*/\1/p' "$log" 2>/dev/null | head -1) &&
      [[ -n $PORT ]]; then
      return 0
    fi
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
      cat "$log"
      return 1
    fi
    sleep 0.1
  done
  cat "$log"
  return 1
}

stop_sim() {
  kill -TERM "$SIM_PID"
  wait "$SIM_PID"
  local rc=$?
  [[ $rc == 0 ]] || fail "exit status $rc after SIGTERM (want 0)"
}

mask() { sed -E 's/"id":"(chatcmpl-|cmpl-|embd-|modelperm-)?[0-9a-f]{32}"/"id":"\1<id>"/g; s/"created":[0-9]+/"created":0/g'; }

# Expects `autotuner-sim ARGS` to exit with STATUS and print PATTERN on stderr.
expect_exit() {
  local status=$1 pattern=$2
  shift 2
  timeout 60 "$SIM" "$@" --sim-time-scale 1000 >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  [[ $rc == "$status" ]] || fail "$* exited $rc, want $status: $(cat "$WORK/err")"
  grep -qF -- "$pattern" "$WORK/err" || fail "$*: stderr lacks '$pattern': $(cat "$WORK/err")"
}

case_usage_errors() {
  expect_exit 2 "launch_server.py: error: unrecognized arguments: --bogus" --flavor sglang --model-path m --bogus
  expect_exit 2 "vllm serve: error: argument --max-num-seqs: invalid int value: 'many'" --flavor vllm m \
    --max-num-seqs many
  expect_exit 2 "Error: No such option: --tp-size" --flavor trtllm m --tp-size 2
  expect_exit 2 "invalid choice: 'B200'" --flavor vllm m --sim-gpu-type B200
  expect_exit 2 "--flavor must be one of" --flavor tgi m
  "$SIM" --flavor vllm --help >"$WORK/help" || fail "--help exited non-zero"
  grep -qF -- "--gpu-memory-utilization" "$WORK/help" || fail "--help lacks the engine's flags"
}

case_startup_failures() {
  expect_exit 1 "CUDA out of memory" --flavor vllm meta-llama/Llama-3.1-70B --sim-gpu-type L4 --sim-tokenizer gpt2
  expect_exit 1 "Not enough memory" --flavor sglang --model-path meta-llama/Llama-3.1-8B --mem-fraction-static 0.1 \
    --sim-tokenizer gpt2
  expect_exit 1 "max local gpu count" --flavor vllm meta-llama/Llama-3.1-8B -tp 4 --sim-num-gpus 2 --sim-tokenizer gpt2
}

# Golden bytes of one streaming and one non-streaming exchange per flavor and endpoint.
case_golden() {
  local flavor model_args
  for flavor in sglang vllm trtllm; do
    case $flavor in
      sglang) model_args=(--model-path meta-llama/Llama-3.1-8B-Instruct) ;;
      *) model_args=(meta-llama/Llama-3.1-8B-Instruct) ;;
    esac
    start_sim --flavor "$flavor" "${model_args[@]}" --host 127.0.0.1 --port 0 --sim-time-scale 100 ||
      { fail "$flavor did not start"; continue; }
    local base=http://127.0.0.1:$PORT
    local completion='{"model":"meta-llama/Llama-3.1-8B-Instruct","prompt":"Hello there, simulator","max_tokens":5,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}'
    local chat='{"model":"meta-llama/Llama-3.1-8B-Instruct","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"stream":true,"stream_options":{"include_usage":true}}'
    local plain='{"model":"meta-llama/Llama-3.1-8B-Instruct","prompt":"Hello there, simulator","max_tokens":4}'
    {
      echo "== POST /v1/completions stream"
      curl -sS -N -D - -H 'content-type: application/json' -d "$completion" "$base/v1/completions" |
        grep -iv '^date:\|^server:' | tr -d '\r'
      echo "== POST /v1/chat/completions stream"
      curl -sS -N -H 'content-type: application/json' -d "$chat" "$base/v1/chat/completions"
      echo "== POST /v1/completions"
      curl -sS -H 'content-type: application/json' -d "$plain" "$base/v1/completions"
      echo
      echo "== GET /v1/models"
      curl -sS "$base/v1/models"
      echo
      echo "== GET /health"
      curl -sS -o /dev/null -w '%{http_code}\n' "$base/health"
    } | mask >"$WORK/$flavor.out"
    stop_sim
    if [[ -n ${UPDATE_GOLDEN:-} ]]; then cp "$WORK/$flavor.out" "$TESTDATA/stream_$flavor.golden"; fi
    diff -u "$TESTDATA/stream_$flavor.golden" "$WORK/$flavor.out" || fail "$flavor bytes differ from the golden file"
  done
}

# usage.prompt_tokens matches the shared tokenizer; completion_tokens = max_tokens; over-long prompts get 400.
case_usage_and_context() {
  start_sim --flavor vllm meta-llama/Llama-3.1-8B-Instruct --port 0 --max-model-len 64 --sim-time-scale 100 ||
    { fail "vllm did not start"; return; }
  local base=http://127.0.0.1:$PORT prompt="The simulator counts tokens with the same tokenizer as the load generator."
  local want
  want=$(printf '%s\n' "\"$prompt\"" | "$AUTOTUNER" tokenize --tokenizer llama3.1 --add-special-tokens |
    python3 -c 'import json,sys; print(len(json.loads(sys.stdin.readline())))')
  local body
  body=$(curl -sS -H 'content-type: application/json' \
    -d "{\"prompt\":\"$prompt\",\"max_tokens\":7,\"ignore_eos\":true}" "$base/v1/completions")
  local got
  got=$(printf '%s' "$body" | python3 -c 'import json,sys; u=json.load(sys.stdin)["usage"]; print(u["prompt_tokens"], u["completion_tokens"], u["total_tokens"])')
  [[ $got == "$want 7 $((want + 7))" ]] || fail "usage '$got', want '$want 7 $((want + 7))'"
  local long_prompt
  long_prompt=$(printf 'word %.0s' $(seq 1 80))
  local status
  status=$(curl -sS -o "$WORK/err.json" -w '%{http_code}' -H 'content-type: application/json' \
    -d "{\"prompt\":\"$long_prompt\",\"stream\":true}" "$base/v1/completions")
  [[ $status == 400 ]] || fail "over-long prompt got $status, want 400"
  grep -qF "However, the model's context length is only 64 tokens" "$WORK/err.json" ||
    fail "context error body: $(cat "$WORK/err.json")"
  stop_sim
}

# Each --sim-fault-* knob produces its fault.
case_faults() {
  local model=(meta-llama/Llama-3.1-8B-Instruct --port 0 --sim-tokenizer gpt2 --sim-time-scale 100)
  local stream='{"prompt":"Hi","max_tokens":10,"ignore_eos":true,"stream":true}'
  expect_exit 1 "simulated engine crash" --flavor vllm "${model[@]}" --sim-fault-crash-at-start

  "$SIM" --flavor vllm "${model[@]}" --sim-fault-hang-at-start >"$WORK/hang.log" 2>&1 &
  local pid=$!
  sleep 4
  if grep -q "ready" "$WORK/hang.log" || ! kill -0 "$pid" 2>/dev/null; then fail "hang-at-start became ready or exited"; fi
  kill -TERM "$pid"
  wait "$pid" || fail "hung simulator did not exit 0 on SIGTERM"

  start_sim --flavor vllm "${model[@]}" --sim-fault-crash-after 2 || { fail "crash-after did not start"; return; }
  local base=http://127.0.0.1:$PORT i
  for i in 1 2; do
    curl -sSf -H 'content-type: application/json' -d '{"prompt":"Hi","max_tokens":2}' "$base/v1/completions" \
      >/dev/null || fail "request $i before the crash failed"
  done
  curl -s -H 'content-type: application/json' -d '{"prompt":"Hi","max_tokens":2}' "$base/v1/completions" \
    >/dev/null && fail "request 3 was answered"
  wait "$SIM_PID"
  [[ $? == 1 ]] || fail "crash-after: exit status is not 1"

  start_sim --flavor vllm "${model[@]}" --sim-fault-hang-after-tokens 3 || { fail "hang-after did not start"; return; }
  curl -sS -N --max-time 3 -H 'content-type: application/json' -d "$stream" "http://127.0.0.1:$PORT/v1/completions" \
    >"$WORK/hang.out" 2>/dev/null
  [[ $? == 28 ]] || fail "hang-after-tokens: the stream did not stall"
  [[ $(grep -c '"text"' "$WORK/hang.out") == 3 ]] || fail "hang-after-tokens: $(cat "$WORK/hang.out")"
  stop_sim

  start_sim --flavor vllm "${model[@]}" --sim-fault-drop-rate 1 || { fail "drop did not start"; return; }
  curl -sS -N -H 'content-type: application/json' -d "$stream" "http://127.0.0.1:$PORT/v1/completions" \
    >"$WORK/drop.out" 2>/dev/null && fail "drop: the stream completed"
  grep -q '\[DONE\]' "$WORK/drop.out" && fail "drop: [DONE] arrived"
  grep -q '"text"' "$WORK/drop.out" || fail "drop: no token arrived before the drop"
  stop_sim

  start_sim --flavor sglang --model-path "${model[@]}" --sim-fault-http-500-rate 1 || { fail "500 did not start"; return; }
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$stream" \
    "http://127.0.0.1:$PORT/v1/completions") == 500 ]] || fail "http-500-rate 1 did not answer 500"
  stop_sim

  # 100 tokens of an 8B model take well over 0.5 virtual seconds; slowed 100× at time scale 100 that is real time.
  start_sim --flavor vllm "${model[@]}" --sim-fault-slow-tokens 100 || { fail "slow did not start"; return; }
  local elapsed
  elapsed=$(curl -sS -o /dev/null -w '%{time_total}' -H 'content-type: application/json' \
    -d '{"prompt":"Hi","max_tokens":100,"ignore_eos":true}' "http://127.0.0.1:$PORT/v1/completions")
  python3 -c "import sys; sys.exit(0 if $elapsed >= 0.5 else 1)" || fail "slow-tokens: 100 tokens took ${elapsed}s"
  stop_sim
}

# Metrics at each flavor's path with the engine's names; /v1/embeddings with the shared tokenizer's count.
case_metrics_and_embeddings() {
  local flavor
  for flavor in sglang vllm trtllm; do
    local model_args=(meta-llama/Llama-3.1-8B-Instruct)
    [[ $flavor == sglang ]] && model_args=(--model-path meta-llama/Llama-3.1-8B-Instruct --enable-metrics)
    start_sim --flavor "$flavor" "${model_args[@]}" --port 0 --sim-time-scale 100 || { fail "$flavor did not start"; continue; }
    local base=http://127.0.0.1:$PORT
    curl -sSf -H 'content-type: application/json' -d '{"prompt":"Hi","max_tokens":4,"ignore_eos":true}' \
      "$base/v1/completions" >/dev/null || fail "$flavor completion failed"
    local path=/metrics prefix=vllm: running=vllm:num_requests_running
    case $flavor in
      sglang) prefix=sglang: running=sglang:num_running_reqs ;;
      trtllm) path=/prometheus/metrics prefix=trtllm_ running=trtllm_num_requests_running ;;
    esac
    curl -sSf "$base$path" >"$WORK/metrics" || fail "$flavor: GET $path failed"
    grep -q "^$running{" "$WORK/metrics" || fail "$flavor: no $running"
    grep -qE "^${prefix}generation_tokens_total\{.*\} 4$" "$WORK/metrics" || fail "$flavor: generation tokens != 4"
    grep -qE "^${prefix}time_to_first_token_seconds_count\{.*\} 1$" "$WORK/metrics" || fail "$flavor: TTFT count != 1"
    if [[ $flavor == trtllm ]]; then
      curl -sSf "$base/metrics" | python3 -c 'import json,sys; assert "kvCacheStats" in json.load(sys.stdin)[0]' ||
        fail "trtllm: /metrics is not the JSON iteration stats"
    fi
    local want got
    want=$(printf '%s\n' '"embed me"' | "$AUTOTUNER" tokenize --tokenizer llama3.1 --add-special-tokens |
      python3 -c 'import json,sys; print(len(json.loads(sys.stdin.readline())))')
    got=$(curl -sSf -H 'content-type: application/json' -d '{"input":"embed me"}' "$base/v1/embeddings" |
      python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["usage"]["prompt_tokens"], len(b["data"][0]["embedding"]))')
    [[ $got == "$want 4096" ]] || fail "$flavor embeddings: got '$got', want '$want 4096'"
    stop_sim
  done
  start_sim --flavor sglang --model-path meta-llama/Llama-3.1-8B-Instruct --port 0 --sim-time-scale 100 ||
    { fail "sglang did not start"; return; }
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics") == 404 ]] ||
    fail "sglang serves /metrics without --enable-metrics"
  stop_sim
}

# Firehose mode: the whole stream at once, same events as normal mode.
case_firehose() {
  start_sim --flavor vllm meta-llama/Llama-3.1-8B-Instruct --port 0 --sim-time-scale 100 --sim-firehose || { fail "firehose did not start"; return; }
  local i
  for i in 1 2; do
    curl -sS -N -H 'content-type: application/json' \
      -d '{"prompt":"Hi","max_tokens":50,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}' \
      "http://127.0.0.1:$PORT/v1/completions" >"$WORK/fire.out"
    [[ $(grep -c '"text"' "$WORK/fire.out") == 50 ]] || fail "firehose: $(grep -c '"text"' "$WORK/fire.out") token events"
    grep -q '"completion_tokens":50' "$WORK/fire.out" || fail "firehose: no usage chunk"
    grep -q '^data: \[DONE\]' "$WORK/fire.out" || fail "firehose: no [DONE]"
  done
  stop_sim
}

CASES=("$@")
[[ ${#CASES[@]} -gt 0 ]] || CASES=(usage_errors startup_failures golden usage_and_context faults metrics_and_embeddings firehose)
for c in "${CASES[@]}"; do
  echo "--- $c"
  "case_$c"
done
exit $FAILED
