#!/usr/bin/env bash
# Community page and people directory latency on a full-size database.
# Usage: bench/pages.sh DB_PATH   (made by bench/demo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:?give the database made by bench/demo.sh}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -p guildhall >&2
port=18089
target/release/guildhall --database "$db" serve --bind 127.0.0.1:$port > "${TMPDIR:-/tmp}/gh-bench-server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
cookie=$(curl -fs -c - -H 'content-type: application/json' \
  -d '{"email":"member@demo.guildhall.test","password":"guildhall-demo"}' \
  "http://127.0.0.1:$port/api/v1/session" | awk '$6=="gh_session"{print $7}')
[ -n "$cookie" ] || { echo "could not sign in" >&2; exit 1; }
# The largest open community (by members): the heaviest community page.
slug=$(curl -fs -b "gh_session=$cookie" "http://127.0.0.1:$port/api/v1/communities?sort=members&per_page=100" \
  | python3 -c 'import json,sys; print([c["slug"] for c in json.load(sys.stdin)["items"] if c["visibility"]=="open"][0])')
echo "community: $slug"
# One connection at a time: the latency is the server's time per request
# (plus loopback), not queueing behind other requests on 2 cores.
for path in "/communities/$slug" "/people" "/communities/$slug/pulse" "/communities" "/"; do
  echo "== GET $path"
  wrk -t1 -c1 -d15s --latency -H "Cookie: gh_session=$cookie" "http://127.0.0.1:$port$path" \
    | grep -E "50%|90%|99%|Requests/sec|Non-2xx"
done
