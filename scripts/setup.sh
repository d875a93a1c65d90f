#!/usr/bin/env bash
# Installs every dependency autotuner needs (idempotent: only what is missing, one apt-get update), then
# configures and builds the given CMake presets (default: only the release preset's `autotuner` and
# `autotuner-sim`, all a first run needs; a named preset builds every target).
#   scripts/setup.sh [release|debug]...
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git clang-format clang libclang-rt-14-dev lld
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev libboost1.81-dev nlohmann-json3-dev libsimdjson-dev
  libsqlitecpp-dev libsqlite3-dev sqlite3 libpq-dev
  libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libpcre2-dev libicu-dev
  libeigen3-dev libnlopt-cxx-dev
  podman runc postgresql
  chromium
)
# Node.js and npm: the machine's own when present (Node 20 + npm 11), else Debian's.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages (data and web UI), each directory from its lock file: `npm ci` only when node_modules is missing
# or the lock file changed since the last install. --ignore-scripts: no package may download at install time.
for npm_dir in data/tokenizers web; do
  stamp="$npm_dir/node_modules/.autotuner-installed-lock.json"
  if ! cmp -s "$npm_dir/package-lock.json" "$stamp"; then
    echo "setup: installing npm packages in $npm_dir"
    (cd "$npm_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$npm_dir/package-lock.json" "$stamp"
  fi
done

# Web UI bundle (web/dist, served by `autotuner serve --web-root web/dist`): rebuilt when a source changed.
web_stamp=web/node_modules/.autotuner-built
if [ ! -f web/dist/index.html ] || [ ! -f "$web_stamp" ] ||
   [ -n "$(find web/src web/scripts web/index.html web/vite.config.ts web/tsconfig.json web/package.json web/package-lock.json -newer "$web_stamp" -print -quit)" ]; then
  echo "setup: building the web UI"
  (cd web && npm run build --silent >node_modules/.autotuner-build.log 2>&1) || { cat web/node_modules/.autotuner-build.log; exit 1; }
  touch "$web_stamp"
fi

# Without arguments: only what the main job runs (the CLI and the simulator; the web bundle is above).
# With presets (scripts/test.sh passes `debug`): every target of each, tests and benchmarks included.
presets=("$@")
targets=()
if [ ${#presets[@]} -eq 0 ]; then
  presets=(release)
  targets=(--target autotuner autotuner-sim)
fi
for preset in "${presets[@]}"; do
  echo "setup: building preset '$preset'${targets:+ (${targets[*]:1})}"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" "${targets[@]}"
done
