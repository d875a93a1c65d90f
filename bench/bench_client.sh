#!/usr/bin/env bash
# Streaming-client throughput (issue 6): nginx serves pre-written SSE files (a server that costs almost nothing
# per event; POST to a static file needs `error_page 405 =200 $uri;`), the client runs on one core, and curl
# fan-out over the identical workload is the plain reference. Prints numbers; record them in bench/README.md.
# Usage: bench/bench_client.sh [RELEASE_BUILD_DIR]   (needs nginx: apt-get install nginx-light)
set -euo pipefail
build=${1:-build/bench-rel}
bin=$build/bin/bench_client_bench
port=${PORT:-18481}
work=$(mktemp -d)
chmod 755 "$work"
nginx_pid=
cleanup() { [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# $1 = directory under www, $2 = token events per response.
write_stream() {
  mkdir -p "$work/www/$1/v1"
  awk -v n="$2" 'BEGIN {
    for (i = 0; i < n; i++)
      printf "data: {\"id\":\"cmpl-9f1c2e7a4b3d4c5e8a6b7c8d9e0f1a2b\",\"object\":\"text_completion\",\"created\":1767225600,\"model\":\"llama-3.1-8b\",\"choices\":[{\"index\":0,\"text\":\" tok%d\",\"logprobs\":null,\"finish_reason\":%s,\"stop_reason\":null,\"prompt_token_ids\":null,\"token_ids\":null}]}\n\n", i % 1000, (i == n - 1 ? "\"length\"" : "null");
    printf "data: {\"id\":\"cmpl-9f1c2e7a4b3d4c5e8a6b7c8d9e0f1a2b\",\"object\":\"text_completion\",\"created\":1767225600,\"model\":\"llama-3.1-8b\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"total_tokens\":%d,\"completion_tokens\":%d}}\n\ndata: [DONE]\n\n", n + 1, n
  }' > "$work/www/$1/v1/completions"
}
write_stream long 4096
write_stream short 64
chmod -R a+rX "$work/www"
mkdir -p "$work/tmp"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 12000; }
http {
  access_log off;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  default_type text/event-stream;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port backlog=8192;
    root $work/www;
    location / { error_page 405 =200 \$uri; }
  }
}
CONF
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
sleep 1
echo "== client, in memory (one core)"
taskset -c 1 "$bin" --benchmark_filter=BM_ParseEvents
echo "== client against nginx: 4096-token streams, one io thread on one core"
AUTOTUNER_BENCH_URL=http://127.0.0.1:$port/long AUTOTUNER_BENCH_TOKENS=4096 \
  taskset -c 1 "$bin" --benchmark_filter='BM_Firehose/(1/20|16/200)/'
echo "== client against nginx: 4096 concurrent 64-token streams"
AUTOTUNER_BENCH_URL=http://127.0.0.1:$port/short AUTOTUNER_BENCH_TOKENS=64 \
  taskset -c 1 "$bin" --benchmark_filter='BM_Firehose/4096/'
echo "== reference: curl fan-out, 200 x 4096-token streams, 16 at a time, bytes only (no SSE parsing)"
start=$(date +%s.%N)
seq 200 | taskset -c 1 xargs -P 16 -I{} curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"model":"m","prompt":"x","max_tokens":4096,"stream":true}' "http://127.0.0.1:$port/long/v1/completions"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { t = e - s; printf "curl: %.3f s, %.0f events/s\n", t, 200 * 4096 / t }'
