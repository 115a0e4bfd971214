#!/usr/bin/env bash
# Pages against the machine's limit: each page's requests/s at 64
# connections beside a bare axum "hello world" (bench/hello, same axum and
# tokio) measured alternately in the same run, its share of that, and its
# median at one connection.
#
# Usage: bench/pages.sh [DB_PATH]
#   Without DB_PATH, makes (once) and reuses the 10,000-person demonstration
#   organization (200 communities, 36 months) under $TMPDIR/guildhall-bench.
#   Give the full-size database of bench/demo.sh for the large figures.
# Environment: SECONDS_EACH (default 10) per wrk run at 64 connections;
#   GUILDHALL_BIN to measure another build.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
each=${SECONDS_EACH:-10}
cargo build --release -p guildhall >&2
bin=${GUILDHALL_BIN:-target/release/guildhall}
CARGO_TARGET_DIR=target/bench-hello cargo build --release --manifest-path bench/hello/Cargo.toml >&2
hello_bin=target/bench-hello/release/guildhall-bench-hello

db=${1:-}
if [ -z "$db" ]; then
  dir=${TMPDIR:-/tmp}/guildhall-bench
  mkdir -p "$dir"
  db=$dir/demo-10k.db
  if [ ! -f "$db" ]; then
    echo "making the 10,000-person organization in $db" >&2
    "$bin" --database "$db" demo --people 10000 --communities 200 --months 36 >&2
  fi
fi

port=18089
hello_port=18090
log=${TMPDIR:-/tmp}/gh-bench-server.log
"$bin" --database "$db" serve --bind 127.0.0.1:$port > "$log" 2>&1 &
server=$!
"$hello_bin" 127.0.0.1:$hello_port &
hello=$!
trap 'kill $server $hello 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$hello_port/" >/dev/null

cookie=$(curl -fs -c - -H 'content-type: application/json' \
  -d '{"email":"member@demo.guildhall.test","password":"guildhall-demo"}' \
  "http://127.0.0.1:$port/api/v1/session" | awk '$6=="gh_session"{print $7}')
[ -n "$cookie" ] || { echo "could not sign in" >&2; exit 1; }
api() { curl -fs -b "gh_session=$cookie" "http://127.0.0.1:$port$1"; }
# The largest open community (by members), and its latest thread.
slug=$(api "/api/v1/communities?sort=members&per_page=100" \
  | python3 -c 'import json,sys; print([c["slug"] for c in json.load(sys.stdin)["items"] if c["visibility"]=="open"][0])')
thread=$(api "/api/v1/communities/$slug/threads?per_page=1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
threads=$(api "/api/v1/communities/$slug/threads?per_page=1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')

rps() { # URL [COOKIE]: requests/s at 64 connections (and non-2xx, if any)
  local out
  out=$(wrk -t2 -c64 -d"${each}s" ${2:+-H "Cookie: gh_session=$2"} "$1")
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers from $1" >&2; fi
  awk '/Requests\/sec/{printf "%d", $2}' <<<"$out"
}
median() { # URL COOKIE: median latency at one connection, in ms
  wrk -t1 -c1 -d5s --latency -H "Cookie: gh_session=$2" "$1" \
    | awk '$1=="50%"{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f", v}'
}

echo "database: $db ($(du -h "$db" | cut -f1)); community: $slug ($threads threads); thread: $thread"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| page | req/s (64 conn.) | bare axum req/s | share | median at 1 conn. |"
echo "|---|---|---|---|---|"
for path in "/communities/$slug" "/communities/$slug/threads" "/threads/$thread" "/people" \
            "/api/v1/search?q=checklist" "/communities/$slug/pulse" "/" "/healthz"; do
  base=$(rps "http://127.0.0.1:$hello_port/")
  page=$(rps "http://127.0.0.1:$port$path" "$cookie")
  share=$(python3 -c "print(f'{100 * $page / max($base, 1):.2f} %')")
  med=$(median "http://127.0.0.1:$port$path" "$cookie")
  echo "| \`$path\` | $page | $base | $share | $med ms |"
done
# Writes beside reads: replies posted one after another (by the member
# account, in the latest thread of its largest community) while 64
# connections read the community page measured above (whose feed and
# counts each reply changes).
reply_community=$(api "/api/v1/communities?sort=members&per_page=100" \
  | python3 -c 'import json,sys; print([c["slug"] for c in json.load(sys.stdin)["items"] if c["my_role"]][0])')
reply_thread=$(api "/api/v1/communities/$reply_community/threads?per_page=1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
wrk -t2 -c64 -d"$((each + 5))s" -H "Cookie: gh_session=$cookie" "http://127.0.0.1:$port/communities/$slug" > /dev/null &
reads=$!
sleep 2
python3 - "$port" "$cookie" "$reply_thread" "$each" <<'PY'
import http.client, json, sys, time
port, cookie, thread, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
took, refused, end = [], 0, time.monotonic() + seconds
while time.monotonic() < end:
    body = json.dumps({"body": f"Reply under load {len(took)}"})
    t0 = time.perf_counter()
    conn.request("POST", f"/api/v1/threads/{thread}/replies", body=body,
                 headers={"Cookie": f"gh_session={cookie}", "Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    if r.status >= 300:
        refused += 1
        continue
    took.append((time.perf_counter() - t0) * 1000)
took.sort()
pick = lambda q: took[min(len(took) - 1, int(q * len(took)))] if took else float("nan")
print(f"replies to thread {thread} while 64 connections read the community page: {len(took)} posted"
      f" ({refused} refused), p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {took[-1] if took else float('nan'):.1f} ms")
PY
wait $reads

echo
echo "server memory: $(awk '/VmRSS/{printf "%d MiB", $2/1024}' /proc/$server/status) (peak $(awk '/VmHWM/{printf "%d MiB", $2/1024}' /proc/$server/status))"
