#!/usr/bin/env bash
# Test fixture: `start DIR PORT` initialises a throwaway PostgreSQL cluster in DIR listening on 127.0.0.1:PORT
# with user `autotuner` (trust auth, loopback only) and database `autotuner_test`; `stop DIR PORT` stops it.
# As root the server runs as the `postgres` system user, which PostgreSQL requires.
set -euo pipefail
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
port=$3
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (scripts/setup.sh installs postgresql)"; exit 1; }

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if [ -f "$dir/data/postmaster.pid" ]; then as_server "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir/data"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  as_server "$bin/initdb" -D "$dir/data" -U autotuner --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log"; exit 1; }
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    { cat "$dir/server.log"; exit 1; }
  as_server "$bin/createdb" -h 127.0.0.1 -p "$port" -U autotuner autotuner_test
  echo "postgresql on 127.0.0.1:$port (data in $dir/data)"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then as_server "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null; fi
  ;;
*)
  echo "usage: $0 start|stop DIR PORT" >&2
  exit 2
  ;;
esac
