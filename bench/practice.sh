#!/usr/bin/env bash
# Practice benchmarks (search, thread page, posting under load) on a
# full-size demo database. Usage: bench/practice.sh DATABASE
#   DATABASE: a SQLite file made by bench/demo.sh, or a postgres:// URL
# holding the same demonstration organization.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:?give the database made by bench/demo.sh}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -p guildhall >&2
port=18090
target/release/guildhall --database "$db" serve --bind 127.0.0.1:$port > "${TMPDIR:-/tmp}/gh-practice-server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
python3 bench/practice.py "http://127.0.0.1:$port"
