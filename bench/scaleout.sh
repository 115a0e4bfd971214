#!/usr/bin/env bash
# Scale-out: proves that several Guildhall servers can share one PostgreSQL
# database. Two nodes start at the same moment on an empty database behind
# nginx (round robin); a mixed load of sign-ins, page reads, replies, joins
# and leaves goes through nginx; then bench/scaleout.py checks each node
# directly: no acknowledged write lost, sessions and sign-in throttling
# shared, the same pulse, migrations applied once, no ERROR in the logs.
#
# Usage: bench/scaleout.sh [--seconds N] [--workers W]
#   --seconds N  length of the load (default 30; 8 is enough for a check)
#   --workers W  load clients, each with its own member account (default 8)
# Environment: GUILDHALL_BIN (default target/release/guildhall, built when
#   missing); SCALEOUT_KEEP=1 keeps the temporary folder (server, nginx and
#   PostgreSQL logs) instead of removing it.
# Installs nginx, curl and python3 with apt-get when missing; PostgreSQL is a
# throwaway cluster from .ci/postgres.sh (which installs postgresql-15).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

find_nginx() {
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

missing=()
[ -n "$(find_nginx)" ] || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  # Installing nginx would start it as a system service on port 80; this
  # run starts its own. policy-rc.d answering 101 stops that, for the
  # install only (a policy that is already there is left as it is).
  added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  [ -z "$added_policy" ] || as_root rm -f /usr/sbin/policy-rc.d
fi
nginx_bin=$(find_nginx)

bin=${GUILDHALL_BIN:-target/release/guildhall}
if [ ! -x "$bin" ]; then
  cargo build --release -p guildhall >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/guildhall-scaleout.XXXXXX")
# The postgres user (the cluster's owner) and nginx's workers go through it.
chmod 755 "$work"
pg_dir=$work/pg

cleanup() {
  local status=$?
  # Whatever bench/scaleout.py started and could not stop itself (it was
  # killed): it lists the ids of its running children in $work/pids.
  if [ -f "$work/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$work/pids"
  fi
  if [ -d "$pg_dir/data" ]; then .ci/postgres.sh stop "$pg_dir" 2>/dev/null || true; fi
  if [ "${SCALEOUT_KEEP:-}" = 1 ]; then
    echo "kept $work (logs: node-a.log, node-b.log, nginx/error.log, pg/log)" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT

# A free port for PostgreSQL.
pg_port=55460
while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do
  pg_port=$((pg_port + 1))
done
eval "$(.ci/postgres.sh start "$pg_dir" "$pg_port")"
pg_url=$GUILDHALL_TEST_DATABASE_URL
unset GUILDHALL_TEST_DATABASE_URL

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $("$nginx_bin" -v 2>&1); $("$bin" --version)"
python3 bench/scaleout.py --bin "$bin" --postgres "$pg_url" --nginx "$nginx_bin" --workdir "$work" "$@" &
harness=$!
# Waited for in the background so that INT or TERM stop the run at once:
# the harness is told with TERM and stops the servers and nginx itself.
trap 'kill -TERM "$harness" 2>/dev/null; wait "$harness"; exit 130' INT
trap 'kill -TERM "$harness" 2>/dev/null; wait "$harness"; exit 143' TERM
wait "$harness"
