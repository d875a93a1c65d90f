#!/usr/bin/env bash
# First-token times at high concurrency (issue 23): `autotuner bench` against the release simulator
# (vLLM flavor, Prometheus /metrics), comparing the client's mean TTFT with the engine's own histogram
# (vllm:time_to_first_token_seconds, sum/count over the run) and printing the pre-run connect time apart.
# Usage: bench/ttft_agreement.sh [BUILD_DIR] [STREAMS] [REPETITIONS]
set -euo pipefail
build=${1:-build/release}
streams=${2:-1000}
reps=${3:-3}
port=${PORT:-18601}
work=$(mktemp -d)
sim_pid=
cleanup() { [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

"$build/bin/autotuner-sim" --flavor vllm meta-llama/Llama-3.1-8B-Instruct --host 127.0.0.1 --port "$port" \
  --max-num-seqs 1024 --sim-startup-scale 0 >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 300); do grep -q "ready" "$work/sim.log" && break; sleep 0.1; done
grep -q "ready" "$work/sim.log" || { cat "$work/sim.log"; exit 1; }

histogram() {  # sum and count of the engine's TTFT histogram
  curl -s "http://127.0.0.1:$port/metrics" |
    awk '/^vllm:time_to_first_token_seconds_sum/ {s += $2} /^vllm:time_to_first_token_seconds_count/ {c += $2}
         END {printf "%.9f %d\n", s, c}'
}

for rep in $(seq "$reps"); do
  read -r sum0 count0 < <(histogram)
  out=$work/out-$rep
  "$build/bin/autotuner" bench --api-base "http://127.0.0.1:$port" --model meta-llama/Llama-3.1-8B-Instruct \
    --tokenizer llama3 --traffic-scenario 'D(128,16)' --num-concurrency "$streams" \
    --max-requests-per-run "$streams" --max-time-per-run 0 --num-threads 1 --output-dir "$out" >"$work/client.log" 2>&1 ||
    { cat "$work/client.log"; exit 1; }
  read -r sum1 count1 < <(histogram)
  python3 - "$out/summary.json" "$sum0" "$count0" "$sum1" "$count1" "$rep" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["raw_results"][0]
s0, c0, s1, c1 = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
engine = (s1 - s0) / (c1 - c0)
client = run["stats"]["ttft"]["mean"]
ct = run["stats"]["connect_time"]
print(f"rep {sys.argv[6]}: {run['num_completed_requests']} ok / {run['num_error_requests']} errors; mean TTFT client "
      f"{client * 1e3:.2f} ms, engine {engine * 1e3:.2f} ms (n={c1 - c0}), difference {(client - engine) * 1e3:+.2f} ms; "
      f"connect_time mean {ct['mean'] * 1e3:.2f} ms, max {ct['max'] * 1e3:.2f} ms")
PY
done
