#!/usr/bin/env bash
# Integration test of the `autotuner` CLI as a user runs it: exit codes and messages of validate.
#   cli_test.sh AUTOTUNER_BINARY SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_rc() {  # expected_rc description command...
  local want=$1 what=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "$what: exit $got, want $want; stderr: $(head -c 400 "$tmp/err")"
}
expect_in() {  # file pattern description
  grep -qF -- "$2" "$1" || fail "$3: '$2' not in output: $(head -c 600 "$1")"
}

expect_rc 0 "--help" "$bin" --help
expect_in "$tmp/out" "validate" "--help lists validate"
expect_rc 0 "--version" "$bin" --version
expect_in "$tmp/out" "autotuner " "--version prints the version"
expect_rc 2 "no subcommand" "$bin"
expect_rc 2 "unknown subcommand" "$bin" frobnicate
expect_rc 2 "unknown flag" "$bin" validate --bogus "$src/examples/quickstart.yaml"
expect_rc 0 "validate --help" "$bin" validate --help
expect_in "$tmp/out" "--json" "validate --help shows --json"

for f in "$src"/examples/*.yaml "$src"/examples/*.json; do
  expect_rc 0 "validate $(basename "$f")" "$bin" validate "$f"
  expect_in "$tmp/out" "Search space:" "validate $(basename "$f") prints the search space"
done

expect_rc 0 "validate quickstart --json" "$bin" validate --json "$src/examples/quickstart.yaml"
expect_in "$tmp/out" '"grid_size": 350' "quickstart grid size"
expect_in "$tmp/out" '"valid": true' "quickstart valid"

# Three different mistakes: all three reported, with file, line and column.
cat >"$tmp/bad.yaml" <<'YAML'
task_name: bad
base_runtime: sglang
model: {id_or_path: m}
optimization:
  strategy: anneal
benchmark:
  num_concurrency: [1, 4, -2]
  max_time_per_iteraton: 5
YAML
expect_rc 2 "three mistakes" "$bin" validate "$tmp/bad.yaml"
expect_in "$tmp/err" "3 errors" "three mistakes counted"
expect_in "$tmp/err" "bad.yaml:5:3: optimization.strategy: unknown strategy 'anneal'" "strategy error"
expect_in "$tmp/err" "bad.yaml:7:27: benchmark.num_concurrency[2]: must be a positive integer" "concurrency error"
expect_in "$tmp/err" "benchmark.max_time_per_iteraton: unknown field 'max_time_per_iteraton'; did you mean 'max_time_per_iteration'?" "typo error"

# Missing file and broken YAML: the file, line and column.
expect_rc 2 "missing file" "$bin" validate "$tmp/nope.yaml"
expect_in "$tmp/err" "$tmp/nope.yaml: cannot open: No such file or directory" "missing file message"
printf 'task_name: x\nmodel: [a, b\nbase_runtime: vllm\n' >"$tmp/broken.yaml"
expect_rc 2 "broken YAML" "$bin" validate "$tmp/broken.yaml"
expect_in "$tmp/err" "broken.yaml:3:" "broken YAML names file and line"
printf '{\n  "task_name": "x",\n  "model": }\n' >"$tmp/broken.json"
expect_rc 2 "broken JSON" "$bin" validate "$tmp/broken.json"
expect_in "$tmp/err" "broken.json:3:12: invalid JSON" "broken JSON names file, line and column"

# Runtimes: listed, shown, and a task's flags checked against them.
expect_rc 0 "runtimes" "$bin" runtimes
expect_in "$tmp/out" "sim-sglang" "runtimes lists the simulator runtimes"
expect_rc 0 "runtimes sglang" "$bin" runtimes sglang
expect_in "$tmp/out" "--mem-fraction-static" "runtimes sglang shows tuned flags"
expect_rc 2 "unknown runtime" "$bin" runtimes sglag
expect_in "$tmp/err" "did you mean 'sglang'?" "unknown runtime suggestion"
printf 'task_name: x\nbase_runtime: sglang\nmodel: {id_or_path: m}\nparameters: {mem-frac: [0.8]}\n' >"$tmp/flag.yaml"
expect_rc 2 "unknown engine flag" "$bin" validate "$tmp/flag.yaml"
expect_in "$tmp/err" "parameters.mem-frac: unknown flag --mem-frac for sglang; did you mean --mem-fraction-static?" \
  "unknown flag message"
mkdir -p "$tmp/rt"
printf 'name: my-engine\nextends: vllm\ncommand: [/opt/my-vllm]\n' >"$tmp/rt/my.yaml"
AUTOTUNER_RUNTIMES_DIR="$tmp/rt" expect_rc 0 "user runtime" "$bin" runtimes my-engine
expect_in "$tmp/out" "/opt/my-vllm" "user runtime file is read" || true

# The store commands on an empty store.
expect_rc 0 "tasks on an empty store" "$bin" tasks --db "$tmp/empty.db"
expect_in "$tmp/out" "No tasks in sqlite:$tmp/empty.db" "empty store"
AUTOTUNER_DB="$tmp/env.db" expect_rc 0 "tasks via AUTOTUNER_DB" "$bin" tasks --json
expect_in "$tmp/out" "[]" "json list of no tasks"
[ -f "$tmp/env.db" ] || fail "AUTOTUNER_DB names the store file"
expect_rc 2 "export of an unknown task" "$bin" export nope --db "$tmp/empty.db"
expect_in "$tmp/err" "no task named or numbered 'nope'" "unknown task message"
expect_rc 2 "export with a bad format" "$bin" export nope --db "$tmp/empty.db" --format xml

# cancel-experiment: a request in the store for whichever process runs the study; refused when nothing would act.
expect_rc 1 "cancel of an unknown experiment" "$bin" cancel-experiment 999 --db "$tmp/empty.db"
expect_in "$tmp/err" "no experiment 999 in sqlite:$tmp/empty.db" "unknown experiment message"
expect_rc 2 "cancel-experiment without an id" "$bin" cancel-experiment --db "$tmp/empty.db"
now=$(date +%s)
sqlite3 "$tmp/empty.db" "INSERT INTO tasks (name, description, spec, status, created_at) VALUES ('t', '', '{}', 'running', $now);
  INSERT INTO experiments (task_id, number, parameters, status, transitions, created_at)
    VALUES (1, 1, '{}', 'deploying', '[]', $now), (1, 2, '{}', 'success', '[]', $now);"
expect_rc 0 "cancel of a deploying experiment" "$bin" cancel-experiment 1 --db "$tmp/empty.db"
expect_in "$tmp/out" "asked experiment 1 of task t to cancel" "cancel-experiment confirms"
[ "$(sqlite3 "$tmp/empty.db" "SELECT cancel_requested_at IS NOT NULL FROM experiments WHERE id = 1")" = 1 ] ||
  fail "cancel-experiment records the request in the store"
[ "$(sqlite3 "$tmp/empty.db" "SELECT cancel_requested_at IS NULL FROM tasks WHERE id = 1")" = 1 ] ||
  fail "cancel-experiment leaves the study running"
expect_rc 1 "cancel of a finished experiment" "$bin" cancel-experiment 2 --db "$tmp/empty.db"
expect_in "$tmp/err" "experiment 2 of task t is already success" "finished experiment message"

expect_rc 2 "invalid task --json" "$bin" validate --json "$tmp/bad.yaml"
expect_in "$tmp/out" '"path": "optimization.strategy"' "json errors carry paths"

# run: bad input exits 2 with a message naming what is wrong, and stores nothing.
expect_rc 2 "run without a task" "$bin" run --db "$tmp/run.db"
expect_in "$tmp/err" "give a TASK_FILE or --resume" "run without a task says what to give"
expect_rc 2 "run of a missing file" "$bin" run "$tmp/missing.yaml" --db "$tmp/run.db"
expect_in "$tmp/err" "missing.yaml: cannot open" "missing file named"
expect_rc 2 "run of an invalid task" "$bin" run "$tmp/bad.yaml" --db "$tmp/run.db"
expect_in "$tmp/err" "optimization.strategy" "invalid task errors listed"
expect_rc 2 "run --resume of an unknown task" "$bin" run --resume nope --db "$tmp/run.db"
expect_in "$tmp/err" "no task named or numbered 'nope'" "unknown task for --resume"
expect_rc 2 "run with a file and --resume" "$bin" run "$src/examples/quickstart.yaml" --resume x --db "$tmp/run.db"
expect_rc 0 "nothing stored by bad runs" "$bin" tasks --json --db "$tmp/run.db"
expect_in "$tmp/out" "[]" "no task stored by bad runs"
expect_rc 0 "run --help" "$bin" run --help
expect_in "$tmp/out" "--resume" "run --help shows --resume"

# best: the stored winner as a command line, the very line `run` printed.
expect_rc 2 "best of an unknown task" "$bin" best nope --db "$tmp/empty.db"
expect_in "$tmp/err" "no task named or numbered 'nope'" "best names the unknown task"
expect_rc 2 "best with a bad format" "$bin" best nope --db "$tmp/empty.db" --format xml
expect_rc 0 "best --help" "$bin" best --help
expect_in "$tmp/out" "--format" "best --help shows --format"
expect_in "$tmp/out" "3 no feasible configuration" "best --help states its exit codes"
# A real study needs the simulator built next to the CLI.
if [ -x "$(dirname "$bin")/autotuner-sim" ]; then
  export XDG_DATA_HOME=$tmp/data
  expect_rc 0 "a short study" "$bin" run --quiet --db "$tmp/study.db" --max-iterations 1 \
    "$src/examples/quickstart.yaml"
  ran=$(grep -A1 '^Launch it with:' "$tmp/out" | sed -n '2s/^  //p')
  real=$(grep -A1 '^On the real engine:' "$tmp/out" | sed -n '2s/^  //p')
  [ -n "$ran" ] || fail "run prints the best's launch line: $(tail -c 600 "$tmp/out")"
  # The quickstart runs the defaults first, so its last line measures the best against them.
  case "$(tail -n 1 "$tmp/out")" in
    "best: "*" experiments"*) ;;
    *) fail "run ends with the best's summary line: '$(tail -n 1 "$tmp/out")'" ;;
  esac
  expect_in "$tmp/out" "baseline (engine defaults)" "the baseline is in the final table"
  expect_rc 0 "best quickstart" "$bin" best quickstart --db "$tmp/study.db"
  [ "$(head -n 1 "$tmp/out")" = "$ran" ] || fail "best prints run's line: '$(head -n 1 "$tmp/out")' vs '$ran'"
  expect_in "$tmp/out" "# on the real engine (sglang): $real" "best adds the real engine's line as a comment"
  expect_rc 0 "best --format json" "$bin" best 1 --db "$tmp/study.db" --format json
  expect_in "$tmp/out" '"objective": "maximize_throughput"' "best json names the objective"
  expect_rc 0 "best --format docker" "$bin" best quickstart --db "$tmp/study.db" --format docker
  expect_in "$tmp/out" "docker run --rm --network host" "best docker line"
  expect_rc 2 "best --format k8s of a local task" "$bin" best quickstart --db "$tmp/study.db" --format k8s
  expect_in "$tmp/err" "no manifest" "k8s format needs a cluster task"
  sed -e 's/^task_name: quickstart/task_name: crashing/' \
      -e 's/^  max-running-requests: .*/  sim-fault-crash-at-start: [true]/' \
      -e '/^  cuda-graph-max-bs-decode:/d' -e '/^  enable-torch-compile:/d' -e '/^  chunked-prefill-size:/d' \
      "$src/examples/quickstart.yaml" >"$tmp/crash.yaml"
  "$bin" run --quiet --db "$tmp/study.db" --max-iterations 1 "$tmp/crash.yaml" >"$tmp/crash.out" 2>&1
  expect_rc 3 "best of a study with nothing feasible" "$bin" best crashing --db "$tmp/study.db"
  expect_in "$tmp/err" "no feasible successful experiment" "best says nothing was feasible"
else
  echo "skipping the study cases: no autotuner-sim next to $bin"
fi

# --mode: the original tool took the deployment mode from its command line, not from the task file.
printf 'task_name: x\nbase_runtime: sim-sglang\nmodel: {id_or_path: meta-llama/Llama-3.2-1B-Instruct}\nbenchmark: {model_tokenizer: gpt2}\n' \
  >"$tmp/mode.yaml"
DOCKER_HOST=unix://$tmp/no-docker.sock expect_rc 1 "run --mode docker without Docker" "$bin" run --dry-run \
  --mode docker --db "$tmp/mode.db" "$tmp/mode.yaml"
expect_in "$tmp/out" "cannot reach the Docker API" "--mode docker checks the Docker API"
expect_rc 2 "run --mode bogus" "$bin" run --dry-run --mode bogus "$tmp/mode.yaml"
printf 'task_name: x\nbase_runtime: sglang-llama-small\nmodel: {id_or_path: m}\nclusterservingruntime_config: {preset: sglang-llama-small}\n' \
  >"$tmp/ome_form.yaml"
expect_rc 2 "an OME runtime name in local mode" "$bin" validate "$tmp/ome_form.yaml"
expect_in "$tmp/err" "set deployment_mode: ome (or run with --mode ome)" "OME-form tasks are told about --mode ome"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli tests passed"
