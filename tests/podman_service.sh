#!/usr/bin/env bash
# Test fixture: `start DIR` runs podman's Docker-compatible API on DIR/podman.sock (runc, cgroupfs, no ulimits: the
# settings DEVELOPERS.md gives) and builds the small local image the Docker tests run; `stop DIR` ends it and
# removes the containers the tests left. No image is ever pulled.
set -euo pipefail
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
image=localhost/autotuner-test-shell:2
export CONTAINERS_CONF="$dir/containers.conf"

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
      bin=$(type -P "$tool")
      for f in "$bin" $(ldd "$bin" | grep -o '/[^ ]*'); do
        mkdir -p "$rootfs$(dirname "$f")"
        cp -L "$f" "$rootfs$f"
      done
    done
    tar -C "$rootfs" -cf "$dir/rootfs.tar" .
    podman --runtime runc import "$dir/rootfs.tar" "$image" >/dev/null 2>&1
  fi
  echo "podman service on $dir/podman.sock, image $image"
  ;;
stop)
  podman --runtime runc rm -f --filter label=autotuner.task >/dev/null 2>&1 || true
  if [ -f "$dir/service.pid" ]; then
    kill "$(cat "$dir/service.pid")" 2>/dev/null || true
    rm -f "$dir/service.pid"
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
