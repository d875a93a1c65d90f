#!/usr/bin/env bash
# `autotuner run --ui` after its study: on a terminal the UI stays until Ctrl-C, which exits with the study's
# exit code; without a terminal (a script, CI) it exits as soon as the study is reported.
#   run_ui_test.sh BUILD_BIN_DIR   (autotuner and autotuner-sim)
set -euo pipefail
bin_dir="$(cd "$1" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/task.yaml" <<'YAML'
task_name: ui-stays
base_runtime: sim-sglang
model: {id_or_path: meta-llama/Llama-3.2-1B-Instruct}
hardware: {gpu_type: H100, num_gpus: 1}
parameters: {mem-fraction-static: [0.9]}
optimization: {strategy: grid_search, objective: minimize_latency, max_iterations: 1}
benchmark: {model_tokenizer: gpt2, traffic_scenarios: ["D(100,100)"], num_concurrency: [1], max_time_per_iteration: 2}
YAML
export HOME="$work" XDG_DATA_HOME="$work/data" XDG_RUNTIME_DIR="$work/run" PATH="$bin_dir:$PATH"
mkdir -p "$XDG_RUNTIME_DIR"

# No terminal: the report, then exit 0 without waiting.
if ! timeout 300 "$bin_dir/autotuner" run "$work/task.yaml" --db "$work/plain.db" --ui 0 --no-auth \
  </dev/null >"$work/plain.log" 2>&1; then
  echo "FAIL: run --ui without a terminal did not exit 0 on its own"
  cat "$work/plain.log"
  exit 1
fi
if grep -q "the UI stays" "$work/plain.log"; then
  echo "FAIL: without a terminal the UI must not stay"
  exit 1
fi

# A terminal (a pty): the UI stays and answers after the study; Ctrl-C exits with the study's code (0).
python3 - "$bin_dir/autotuner" "$work" <<'PY'
import os, pty, re, select, sys, time, urllib.request

binary, work = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(binary, [binary, "run", f"{work}/task.yaml", "--db", f"{work}/tty.db", "--ui", "0", "--no-auth"])
out = b""


def read_until(pattern, timeout):
    global out
    deadline = time.time() + timeout
    while not re.search(pattern, out):
        if time.time() > deadline:
            sys.exit("FAIL: no %r in:\n%s" % (pattern, out.decode(errors="replace")))
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                sys.exit("FAIL: exited before %r:\n%s" % (pattern, out.decode(errors="replace")))
            out += chunk


read_until(rb"study finished; the UI stays at \S+ \xe2\x80\x94 Ctrl-C to exit", 300)
url = re.search(rb"the UI stays at (http://127\.0\.0\.1:\d+)", out).group(1).decode()
time.sleep(1)
with urllib.request.urlopen(url + "/api/tasks", timeout=5) as response:
    if response.status != 200 or b'"ui-stays"' not in response.read():
        sys.exit("FAIL: the UI does not serve the study after it ended")
if os.waitpid(pid, os.WNOHANG) != (0, 0):
    sys.exit("FAIL: exited without Ctrl-C")
os.write(fd, b"\x03")  # Ctrl-C at the terminal: SIGINT to its foreground process
deadline = time.time() + 30
while time.time() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if select.select([fd], [], [], 0.2)[0]:
        try:
            out += os.read(fd, 4096)
        except OSError:
            pass
else:
    sys.exit("FAIL: Ctrl-C did not end it:\n" + out.decode(errors="replace"))
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.exit("FAIL: Ctrl-C exited %d, want the study's 0:\n%s" % (code, out.decode(errors="replace")))
print("PASS: the UI stayed after the study and Ctrl-C exited 0")
PY
