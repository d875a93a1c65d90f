#!/usr/bin/env bash
# Streaming-client throughput and memory (issue 23): `autotuner bench` against bench/sse_firehose, a static
# SSE server that costs almost nothing per event. The server runs on CPU 0, the client on CPU 1 (taskset);
# events per CPU-second divide the events received by the client process's user + system time (GNU time).
# Prints one line per repetition; record the medians in bench/README.md.
# Usage: bench/firehose.sh [BUILD_DIR] [MODE]
#   MODE throughput (default): --num-threads 1, 16 streams, 1000-token responses, 3 repetitions
#   MODE streams N [THREADS]: N concurrent streams of 64-token responses, peak RSS per stream
set -euo pipefail
build=${1:-build/release}
mode=${2:-throughput}
bin=$build/bin
port=${PORT:-18491}
work=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

start_server() {  # $1 = tokens per response
  taskset -c 0 "$bin/sse_firehose" --port "$port" --tokens "$1" >"$work/server.log" &
  server_pid=$!
  for _ in $(seq 50); do grep -q listening "$work/server.log" 2>/dev/null && return; sleep 0.1; done
  echo "firehose did not start" >&2; exit 1
}

# $1 = label, then the bench flags. Prints events/s (wall, from the report), events per client CPU-s, peak RSS.
client() {
  local label=$1; shift
  local out=$work/out-$RANDOM
  /usr/bin/time -f '%U %S %M' -o "$work/time" taskset -c 1 "$bin/autotuner" bench \
    --api-base "http://127.0.0.1:$port" --model llama-3.1-8b --max-time-per-run 0 --output-dir "$out" "$@" \
    >"$work/client.log" 2>&1 || { cat "$work/client.log"; exit 1; }
  python3 - "$out/summary.json" "$work/time" "$label" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
run = summary["raw_results"][0]
user, system, rss_kb = open(sys.argv[2]).read().split()
cpu = float(user) + float(system)
events = run["stats"]["num_output_tokens"]["sum"]
errors = run["num_error_requests"]
print(f"{sys.argv[3]}: {events:.0f} events, {errors} errors, {events / run['run_duration'] / 1e6:.2f} M events/s wall, "
      f"{events / cpu / 1e6:.2f} M events per client CPU-s (cpu {cpu:.2f} s), peak RSS {int(rss_kb) / 1024:.1f} MiB, "
      f"connect p50 {run['stats']['connect_time']['p50'] * 1e3:.2f} ms")
PY
}

case $mode in
  throughput)
    start_server 1000
    for rep in 1 2 3; do
      client "rep $rep, 1 thread, 16 streams x 1000 tokens" --traffic-scenario 'D(1,1000)' --num-concurrency 16 \
        --max-requests-per-run 4000 --num-threads 1
    done
    ;;
  streams)
    n=${3:-10000}
    threads=${4:-1}
    start_server 64
    client "baseline, 1 stream" --traffic-scenario 'D(1,64)' --num-concurrency 1 --max-requests-per-run 1 \
      --num-threads "$threads"
    client "$n concurrent streams, $threads thread(s)" --traffic-scenario 'D(1,64)' --num-concurrency "$n" \
      --max-requests-per-run "$n" --num-threads "$threads"
    ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
