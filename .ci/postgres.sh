#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 server for the test suite and prints its
# URL on stdout. Usage: eval "$(.ci/postgres.sh start DIR PORT)"; .ci/postgres.sh stop DIR
# PostgreSQL refuses to run as root, so the cluster belongs to the postgres
# user (or the current user when not root).
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}; port=${3:-55432}

find_bin() {
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/$1" ] && { echo "$d/$1"; return; }
  done
  command -v "$1"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    if [ -z "$(find_bin initdb 2>/dev/null)" ]; then
      echo "installing postgresql-15" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$(find_bin initdb)" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_owner "$(find_bin pg_ctl)" -D "$dir/data" -w -l "$dir/log" start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" >&2
    echo "export GUILDHALL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "$(find_bin pg_ctl)" -D "$dir/data" -m fast stop >&2 || true
    ;;
esac
