#!/usr/bin/env bash
# Fault injection (issue 17): real `autotuner run` studies on the simulator, each with one fault injected:
# engine faults (--sim-fault-* flags as fixed task parameters), kill -9 of autotuner during a deploy and inside
# store writes (AUTOTUNER_FAILPOINT), SIGTERM, a locked database, a full disk, two runners on one study. Each
# case checks the store's final state (sqlite3), that no engine or autotuner process of the case is left, and
# whether the study went on or stopped as it should; `run --resume` finishes the interrupted ones.
#   faults_test.sh BIN_DIR   (autotuner and autotuner-sim, release builds; FAULTS_KEEP=1 keeps the stores and logs)
set -uo pipefail
bin_dir=$1
tmp=$(mktemp -d /tmp/autotuner-faults.XXXXXX)
# Every engine of this run serves a model named "$tag-CASE": the marker that finds this run's processes among
# other suites' simulators on the same machine.
tag="faultsuite$$r$RANDOM"
failures=0 injected=0 lost=0 leaked=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
cleanup() {
  local pids
  pids=$(pgrep -f -- "$tag|$tmp/" | grep -vx "$$")
  # shellcheck disable=SC2086
  [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
  if [[ -n "${FAULTS_KEEP:-}" ]]; then echo "faults: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
command -v sqlite3 >/dev/null || { echo "faults: needs the sqlite3 CLI (scripts/setup.sh installs it)"; exit 1; }

at() { HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/data" "$bin_dir/autotuner" "$@"; }
db() { echo "$tmp/$1/store.db"; }

# study CASE TIMEOUT_S PARAMETERS [BENCHMARK_LIMITS]: a tiny grid-search study in $tmp/CASE/task.yaml, each
# experiment by default 20 requests (at most 1 s) of D(100,100) at concurrency 2.
study() {
  mkdir -p "$tmp/$1"
  cat >"$tmp/$1/task.yaml" <<EOF
task_name: $1
base_runtime: sim-sglang
model: {id_or_path: meta-llama/Llama-3.2-1B-Instruct}
hardware: {gpu_type: H100, num_gpus: 1}
parameters:
  sim-time-scale: [20]
$3
optimization: {strategy: grid_search, objective: minimize_latency, timeout_per_iteration: $2}
benchmark:
  model_name: $tag-$1
  model_tokenizer: gpt2
  traffic_scenarios: ["D(100,100)"]
  num_concurrency: [2]
${4:-  max_time_per_iteration: 1
  max_requests_per_iteration: 20}
EOF
}

# run CASE [ARGS...]: `autotuner run` of the case's task (or ARGS, e.g. --resume CASE) on its store, output
# appended to $tmp/CASE/run.log; returns its exit code.
run() {
  local case=$1
  shift
  [[ $# -eq 0 ]] && set -- "$tmp/$case/task.yaml"
  echo "== run $*" >>"$tmp/$case/run.log"
  timeout 180 "$bin_dir/autotuner" run "$@" --db "$(db "$case")" >>"$tmp/$case/run.log" 2>&1 \
    < /dev/null
}
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/data"
# start_run CASE: the case's study in the background; run_pid is autotuner's own pid (not a subshell's), the
# one process a test signals.
start_run() {
  echo "== run (background)" >>"$tmp/$1/run.log"
  "$bin_dir/autotuner" run "$tmp/$1/task.yaml" --db "$(db "$1")" >>"$tmp/$1/run.log" 2>&1 </dev/null &
  run_pid=$!
}

sql() { sqlite3 -cmd ".timeout 5000" "$(db "$1")" "$2" 2>&1; }
# Experiments of the case's task, in order: "status:error_class" each, or KEY=status:error_class with a
# parameter named.
outcomes() {
  local key=${2:-}
  local value="''"
  [[ -n "$key" ]] && value="json_extract(e.parameters, '\$.\"$key\"') || '='"
  sql "$1" "SELECT group_concat(v, ' ') FROM (SELECT $value || e.status || ':' || e.error_class AS v
    FROM experiments e JOIN tasks t ON t.id = e.task_id WHERE t.name = '$1' ORDER BY e.number)"
}
task_status() { sql "$1" "SELECT status FROM tasks WHERE name = '${2:-$1}'"; }  # CASE [TASK]
# The finished experiments, one line each: what a later run must keep as it is.
finished() {
  sql "$1" "SELECT e.id, e.number, e.status, e.error_class, ifnull(e.score, ''), e.parameters FROM experiments e
    JOIN tasks t ON t.id = e.task_id WHERE t.name = '$1' AND e.status NOT IN ('pending', 'deploying',
    'benchmarking') ORDER BY e.number"
}
# expect_kept CASE SNAPSHOT: every finished experiment of SNAPSHOT is still stored unchanged.
expect_kept() {
  local now line
  now=$(finished "$1")
  while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    if ! grep -qxF -- "$line" <<<"$now"; then
      fail "$1: experiment lost or changed: $line"
      lost=$((lost + 1))
    fi
  done <<<"$2"
}
expect() {  # description got want
  [[ "$2" == "$3" ]] || fail "$1: got '$2', want '$3'; log: $(tail -c 1500 "$tmp/${1%%:*}/run.log" 2>/dev/null)"
}
# no_leaks CASE: within 15 s no engine of the case and no autotuner on its files is left (the guard's grace
# is 10 s); what is left is counted, reported and killed.
no_leaks() {
  local pids=""
  for _ in $(seq 150); do
    pids=$(pgrep -f -- "$tag-$1( |\$)|$tmp/$1/")
    [[ -z "$pids" ]] && return 0
    sleep 0.1
  done
  fail "$1: processes left: $(ps -o pid=,args= -p "$(tr '\n' , <<<"$pids" | sed 's/,$//')")"
  leaked=$((leaked + $(wc -l <<<"$pids")))
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null
}
wait_for() {  # FILE TEXT SECONDS: true once FILE holds TEXT
  for _ in $(seq $(($3 * 10))); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
engines_of() { pgrep -f -- "$tag-$1( |\$)" | wc -l; }

start_case() { echo "faults: $1"; started_at=$SECONDS; }
end_case() { echo "faults: $1 done in $((SECONDS - started_at)) s"; }

# --- Engine faults: the faulty configuration fails with its class, the healthy one succeeds, the study
# completes (exit 0: a feasible configuration), no engine is left.
engine_fault() {  # CASE FLAG "HEALTHY, FAULTY" WANT_CLASS WANT_IN_MESSAGE [TIMEOUT_S]
  local case=$1 flag=$2 values=$3 want=$4 message
  start_case "$case"
  study "$case" "${6:-20}" "  sim-startup-scale: [0.01]
  $flag: [$values]"
  run "$case"
  expect "$case: exit code" "$?" 0
  injected=$((injected + 1))
  local healthy=${values%%,*} faulty=${values##*, }
  [[ "$healthy" == false ]] && healthy=0
  [[ "$faulty" == true ]] && faulty=1
  expect "$case: experiments" "$(outcomes "$case" "$flag")" "$healthy=success: $faulty=failed:$want"
  expect "$case: task" "$(task_status "$case")" completed
  message=$(sql "$case" "SELECT error_message FROM experiments WHERE status = 'failed'")
  grep -qF -- "$5" <<<"$message" || fail "$case: '$5' not in the failure's message: $message"
  no_leaks "$case"
  end_case "$case"
}
engine_fault crash_at_start sim-fault-crash-at-start "false, true" deploy_failed "simulated engine crash"
engine_fault hang_mid_stream sim-fault-hang-after-tokens "0, 5" bench_failed "no request completed (errors: {\"timeout\":" 15
engine_fault dropped_connections sim-fault-drop-rate "0, 1" bench_failed '(errors: {"connection_reset":20})'
engine_fault http_500_storm sim-fault-http-500-rate "0, 1" bench_failed 'no request completed (errors: {"500":20})'

# Slow tokens: a slow engine is measured as slow, not failed.
start_case slow_tokens
study slow_tokens 20 "  sim-startup-scale: [0.01]
  sim-fault-slow-tokens: [1, 8]"
run slow_tokens
expect "slow_tokens: exit code" "$?" 0
injected=$((injected + 1))
expect "slow_tokens: experiments" "$(outcomes slow_tokens sim-fault-slow-tokens)" "1=success: 8=success:"
tpot() {
  sql slow_tokens "SELECT json_extract(metrics, '\$.mean_tpot') FROM experiments
    WHERE json_extract(parameters, '\$.\"sim-fault-slow-tokens\"') = $1"
}
fast=$(tpot 1) slow=$(tpot 8)
awk -v f="$fast" -v s="$slow" 'BEGIN { exit !(f > 0 && s > 4 * f) }' ||
  fail "slow_tokens: mean TPOT $slow s slowed 8x is not over 4x the healthy $fast s"
no_leaks slow_tokens
end_case slow_tokens

# --- kill -9 of autotuner during a deploy, then inside the write that marks it interrupted and inside a status
# write (AUTOTUNER_FAILPOINT=name=exit), each followed by `run --resume`: finished experiments are kept, a write
# that died is rolled back whole, the interrupted experiments end failed/interrupted, the last resume completes.
start_case kill9
study kill9 30 "  sim-startup-scale: [0.3]
  mem-fraction-static: [0.7, 0.8, 0.9]"
start_run kill9
if wait_for "$tmp/kill9/run.log" "[Experiment 2] Status: DEPLOYING" 60; then
  for _ in $(seq 100); do [[ $(engines_of kill9) -gt 0 ]] && break; sleep 0.05; done
  expect "kill9: engine deploying at the kill" "$(engines_of kill9)" 1
  kill -KILL "$run_pid"
  injected=$((injected + 1))
fi
wait "$run_pid"
expect "kill9: exit code after kill -9 in a deploy" "$?" 137
no_leaks kill9
expect "kill9: experiments after kill -9" "$(outcomes kill9)" "success: deploying:"
before=$(finished kill9)
# The resume's first write marks experiment 2 interrupted; it dies inside it, uncommitted.
AUTOTUNER_FAILPOINT=store.finish_experiment=exit run kill9 --resume kill9
expect "kill9: exit code at the result-write failpoint" "$?" 137
injected=$((injected + 1))
no_leaks kill9
expect "kill9: experiments after the result write" "$(outcomes kill9)" "success: deploying:"
expect_kept kill9 "$before"
AUTOTUNER_FAILPOINT=store.experiment_status=exit run kill9 --resume kill9
expect "kill9: exit code at the status-write failpoint" "$?" 137
injected=$((injected + 1))
no_leaks kill9
expect "kill9: experiments after the status write" "$(outcomes kill9)" "success: failed:interrupted pending:"
expect_kept kill9 "$before"
before=$(finished kill9)
run kill9 --resume kill9
expect "kill9: exit code of the last resume" "$?" 0
no_leaks kill9
expect_kept kill9 "$before"
expect "kill9: task" "$(task_status kill9)" completed
expect "kill9: one success per configuration" "$(sql kill9 "SELECT count(DISTINCT parameters) || '/' ||
  count(*) FROM experiments WHERE status = 'success'")" 3/3
expect "kill9: interrupted experiments" "$(outcomes kill9 | grep -o interrupted | wc -l)" 2
end_case kill9

# --- kill -9 inside the write of a benchmarked experiment's result (metrics, score): the transaction rolls
# back, the experiment stays `benchmarking` (never half-written); `--resume` marks it interrupted and completes.
start_case result_write
study result_write 30 "  sim-startup-scale: [0.01]
  mem-fraction-static: [0.8, 0.9]"
AUTOTUNER_FAILPOINT=store.finish_experiment=exit run result_write
expect "result_write: exit code" "$?" 137
injected=$((injected + 1))
no_leaks result_write
expect "result_write: experiments" "$(outcomes result_write)" "benchmarking:"
expect "result_write: metrics written" "$(sql result_write "SELECT count(*) FROM experiments
  WHERE metrics IS NOT NULL OR score IS NOT NULL")" 0
run result_write --resume result_write
expect "result_write: exit code of the resume" "$?" 0
no_leaks result_write
expect "result_write: experiments after the resume" "$(outcomes result_write)" \
  "failed:interrupted success: success:"
end_case result_write

# --- SIGTERM mid-benchmark: a clean stop (exit 130, experiment and task cancelled, engine stopped), then
# resumable to the end.
start_case sigterm
study sigterm 30 "  sim-startup-scale: [0.01]
  mem-fraction-static: [0.8, 0.9]" "  max_time_per_iteration: 2
  max_requests_per_iteration: 100000"
start_run sigterm
if wait_for "$tmp/sigterm/run.log" "[Experiment 1] Status: BENCHMARKING" 60; then
  kill -TERM "$run_pid"
  injected=$((injected + 1))
fi
wait "$run_pid"
expect "sigterm: exit code" "$?" 130
no_leaks sigterm
expect "sigterm: experiments" "$(outcomes sigterm)" "cancelled:"
expect "sigterm: task" "$(task_status sigterm)" cancelled
before=$(finished sigterm)
run sigterm --resume sigterm
expect "sigterm: exit code of the resume" "$?" 0
no_leaks sigterm
expect_kept sigterm "$before"
expect "sigterm: experiments after the resume" "$(outcomes sigterm)" "cancelled: success: success:"
expect "sigterm: task after the resume" "$(task_status sigterm)" completed
end_case sigterm

# --- Two runners on one study: the second `run --resume` is refused while the first holds the lease; the first
# finishes undisturbed.
start_case lease
study lease 30 "  sim-startup-scale: [0.01]
  mem-fraction-static: [0.8, 0.9]" "  max_time_per_iteration: 2
  max_requests_per_iteration: 100000"
start_run lease
if wait_for "$tmp/lease/run.log" "[Experiment 1] Status: BENCHMARKING" 60; then
  injected=$((injected + 1))
  at run --resume lease --db "$(db lease)" >"$tmp/lease/second.log" 2>&1
  expect "lease: second runner's exit code" "$?" 1
  grep -q "is being run by" "$tmp/lease/second.log" ||
    fail "lease: the second runner does not say why: $(cat "$tmp/lease/second.log")"
fi
wait "$run_pid"
expect "lease: first runner's exit code" "$?" 0
expect "lease: experiments" "$(outcomes lease)" "success: success:"
no_leaks lease
end_case lease

# --- A locked database: another process holds BEGIN EXCLUSIVE for 4 s mid-study (under SQLite's 10 s busy
# timeout): the run waits and loses nothing. Held past the timeout before a run starts: exit 1 naming the
# lock, nothing stored, no engine started.
start_case locked
study locked 30 "  sim-startup-scale: [0.01]
  mem-fraction-static: [0.8, 0.9]"
start_run locked
if wait_for "$tmp/locked/run.log" "[Experiment 1] Status: BENCHMARKING" 60; then
  { echo "BEGIN EXCLUSIVE;"; sleep 4; echo "COMMIT;"; } | sqlite3 "$(db locked)" >"$tmp/locked/lock.log" 2>&1
  expect "locked: the lock was taken" "$?/$(cat "$tmp/locked/lock.log")" "0/"
  injected=$((injected + 1))
fi
wait "$run_pid"
expect "locked: exit code" "$?" 0
expect "locked: experiments" "$(outcomes locked)" "success: success:"
{ echo "BEGIN EXCLUSIVE;"; sleep 14; echo "COMMIT;"; } | sqlite3 "$(db locked)" &
locker=$!
sleep 0.5
injected=$((injected + 1))
cp "$tmp/locked/task.yaml" "$tmp/locked/again.yaml"
run locked "$tmp/locked/again.yaml"
expect "locked: exit code past the busy timeout" "$?" 1
grep -q "database is locked" "$tmp/locked/run.log" || fail "locked: no 'database is locked' message"
wait "$locker"
expect "locked: tasks after the refused run" "$(sql locked "SELECT count(*) FROM tasks")" 1
expect "locked: experiments kept" "$(outcomes locked)" "success: success:"
no_leaks locked
end_case locked

# --- A full disk: the run's files may not grow past a limit (RLIMIT_FSIZE; SIGXFSZ ignored, so writes fail
# with EFBIG as on a full disk). The run stops with a clear error and exit 1, not a crash; what was stored
# before is intact; without the limit the study resumes to its end.
start_case diskfull
study diskfull 30 "  sim-startup-scale: [0.01]
  mem-fraction-static: [0.8, 0.9]"
run diskfull
expect "diskfull: exit code of the first study" "$?" 0
cp "$tmp/diskfull/task.yaml" "$tmp/diskfull/full.yaml"
sed -i 's/^task_name: diskfull/task_name: diskfull-full/' "$tmp/diskfull/full.yaml"
before=$(finished diskfull)
limit=$(($(stat -c %s "$(db diskfull)") + 96 * 1024))
(
  trap '' XFSZ
  exec prlimit --fsize=$limit -- timeout 180 "$bin_dir/autotuner" run "$tmp/diskfull/full.yaml" \
    --db "$(db diskfull)" >>"$tmp/diskfull/run.log" 2>&1 </dev/null
)
rc=$?
injected=$((injected + 1))
[[ $rc -eq 1 ]] || fail "diskfull: exit code $rc, want 1; log: $(tail -c 1500 "$tmp/diskfull/run.log")"
# SQLite's words: "database or disk is full" for ENOSPC, "disk I/O error" for the size limit's EFBIG.
grep -qE "^autotuner: sqlite: (database or disk is full|disk I/O error)$" "$tmp/diskfull/run.log" ||
  fail "diskfull: no clear message: $(grep '^autotuner:' "$tmp/diskfull/run.log")"
# What could not be stored is still shown: the console has the study's last lines, marked.
grep -q "(not stored: " "$tmp/diskfull/run.log" ||
  fail "diskfull: the lines the store refused are not on the console: $(tail -c 800 "$tmp/diskfull/run.log")"
no_leaks diskfull
expect "diskfull: integrity" "$(sql diskfull "PRAGMA integrity_check")" ok
expect_kept diskfull "$before"
at experiments diskfull --db "$(db diskfull)" >"$tmp/diskfull/experiments.log" 2>&1 ||
  fail "diskfull: the store does not open after the full disk: $(cat "$tmp/diskfull/experiments.log")"
run diskfull --resume diskfull-full
expect "diskfull: exit code of the resume" "$?" 0
expect "diskfull: task after the resume" "$(task_status diskfull diskfull-full)" completed
expect "diskfull: successes after the resume" "$(sql diskfull "SELECT count(DISTINCT e.parameters) FROM
  experiments e JOIN tasks t ON t.id = e.task_id WHERE t.name = 'diskfull-full' AND e.status = 'success'")" 2
no_leaks diskfull
end_case diskfull

echo "faults injected $injected, experiments lost $lost, processes leaked $leaked ($failures failure(s))"
[[ $failures -eq 0 && $lost -eq 0 && $leaked -eq 0 ]]
