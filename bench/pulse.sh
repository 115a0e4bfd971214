#!/usr/bin/env bash
# Times the health pulse of all communities two ways in one run, and checks
# that they agree (definitions: METRICS.md):
#   (a) `guildhall pulse --format json` — the Rust binary, a cold start of the
#       command (a new process; the database file is read through once before,
#       so that it is in the page cache): wall time and peak RSS from
#       /usr/bin/time -v;
#   (b) the same computation by DuckDB SQL over the CSV export of the activity
#       log (bench/pulse_duckdb.py): load and compute times reported
#       separately, peak RSS of the whole DuckDB process.
# The export itself is timed separately and is part of neither figure.
# Both sides use the same T: the export's last event time (to the second) + 1 s,
# and a window of 90 days. Then the two JSON outputs are compared figure by
# figure (bench/pulse_compare.py: ints exact, floats within 1e-9 relative,
# nulls equal, alerts equal).
#
# Usage: bench/pulse.sh DB_PATH
#   GUILDHALL_BIN  the binary (default target/release/guildhall, built with
#                  `cargo build --release -p guildhall` if missing)
#   WINDOW         window in days (default 90)
#   KEEP=1         keep the temporary directory (CSV, JSON, logs)
# Exit status: 0 if all figures agree, 1 on any mismatch or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
    echo "usage: bench/pulse.sh DB_PATH" >&2
    exit 2
fi
db=$1
[ -f "$db" ] || { echo "no database file: $db" >&2; exit 2; }
bin=${GUILDHALL_BIN:-target/release/guildhall}
window=${WINDOW:-90}
if [ ! -x "$bin" ]; then
    if [ "$bin" = target/release/guildhall ]; then
        cargo build --release -p guildhall >&2
    elif [ "$bin" = target/debug/guildhall ]; then
        cargo build -p guildhall >&2
    else
        echo "GUILDHALL_BIN=$bin is not executable" >&2; exit 2
    fi
fi
if ! /usr/bin/time -v true >/dev/null 2>&1; then
    echo "installing GNU time" >&2
    { apt-get update -qq && apt-get install -y -qq time; } >&2
fi
python3 -c 'import duckdb' 2>/dev/null || python3 bench/pulse_duckdb.py --help >/dev/null

dir=$(mktemp -d "${TMPDIR:-/tmp}/pulse-bench.XXXXXX")
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$dir"' EXIT; fi

# /usr/bin/time -v output -> "wall_s peak_rss_kib cpu_s" (cpu = user + system)
time_fields() {
    awk -F': ' '
        /Elapsed \(wall clock\) time/ { n = split($2, p, ":"); s = 0
                                        for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
        /Maximum resident set size/   { rss = $2 }
        /User time|System time/       { cpu += $2 }
        END { printf "%.2f %d %.2f\n", wall, rss, cpu }' "$1"
}
# Busy CPU time of the whole machine so far, in seconds (from /proc/stat), to
# tell how much CPU other processes took while a step ran: the machine is
# shared (builds, servers) and such noise shows up in the wall times.
machine_busy() {
    awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}
others() { # busy_before busy_after own_cpu_s -> "other processes: X CPU-s"
    awk -v a="$1" -v b="$2" -v own="$3" 'BEGIN { o = b - a - own; if (o < 0) o = 0
        printf "other processes used %.1f CPU-s meanwhile", o }'
}
# Read a file through once so that the timed command finds it in the page cache
# (this VM reclaims cold page cache eagerly; without this, timings include
# disk reads that vary from run to run). Prints how much was resident after.
warm() {
    cat "$@" >/dev/null
    if command -v fincore >/dev/null; then
        fincore -n -o RES,SIZE,FILE "$@" | awk '{ printf "(page cache: %s of %s resident for %s)\n", $1, $2, $3 }'
    fi
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 " GiB RAM" }'), $(uname -sr)"
echo "database: $db ($(du -h "$db" | cut -f1)); binary: $bin"

# --- export (timed separately, part of neither figure) ---------------------
csv=$dir/activity.csv
warm "$db"
b0=$(machine_busy)
/usr/bin/time -v -o "$dir/export.time" \
    "$bin" --database "$db" export activity --format csv --out "$csv" 2>"$dir/export.log" \
    || { cat "$dir/export.log" "$dir/export.time" >&2; exit 1; }
b1=$(machine_busy)
read -r export_wall export_rss export_cpu < <(time_fields "$dir/export.time")
events=$(($(wc -l < "$csv") - 1))
echo "export: $events events, $(du -h "$csv" | cut -f1) CSV, wall ${export_wall} s, cpu ${export_cpu} s, peak RSS $(mib "$export_rss"); $(others "$b0" "$b1" "$export_cpu")"

# T = the export's last event time (to the second) + 1 s: later than every event.
last=$(awk -F, 'NR > 1 { s = substr($2, 1, 19); if (s > m) m = s } END { print m }' "$csv")
as_of=$(python3 -c '
import sys, datetime as dt
t = dt.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S") + dt.timedelta(seconds=1)
print(t.strftime("%Y-%m-%dT%H:%M:%SZ"))' "$last")
echo "as of: $as_of (last event ${last}Z + 1 s), window $window days"

# --- (a) Rust: guildhall pulse, cold start of the command -------------------
sync
warm "$db"
b0=$(machine_busy)
/usr/bin/time -v -o "$dir/rust.time" \
    "$bin" --database "$db" pulse --format json --as-of "$as_of" --window "$window" \
    >"$dir/pulse-rust.json" 2>"$dir/rust.log" \
    || { cat "$dir/rust.log" "$dir/rust.time" >&2; exit 1; }
b1=$(machine_busy)
read -r rust_wall rust_rss rust_cpu < <(time_fields "$dir/rust.time")
echo "rust   pulse: wall ${rust_wall} s, cpu ${rust_cpu} s, peak RSS $(mib "$rust_rss"); $(others "$b0" "$b1" "$rust_cpu")"
grep -h 'guildhall_app::pulse' "$dir/rust.log" | sed 's/\x1b\[[0-9;]*m//g; s/^/  rust log: /' || true

# --- (b) DuckDB over the CSV ------------------------------------------------
warm "$csv"
b0=$(machine_busy)
/usr/bin/time -v -o "$dir/duckdb.time" \
    python3 bench/pulse_duckdb.py --activity "$csv" --as-of "$as_of" --window "$window" \
    --out "$dir/pulse-duckdb.json" 2>"$dir/duckdb.log" \
    || { cat "$dir/duckdb.log" "$dir/duckdb.time" >&2; exit 1; }
b1=$(machine_busy)
read -r duck_wall duck_rss duck_cpu < <(time_fields "$dir/duckdb.time")
duck_line=$(grep '^duckdb:' "$dir/duckdb.log")
load_s=$(sed -E 's/.*load_s=([0-9.]+).*/\1/' <<<"$duck_line")
compute_s=$(sed -E 's/.*compute_s=([0-9.]+).*/\1/' <<<"$duck_line")
echo "duckdb pulse: load ${load_s} s, compute ${compute_s} s (process wall ${duck_wall} s, cpu ${duck_cpu} s, peak RSS $(mib "$duck_rss"); $(others "$b0" "$b1" "$duck_cpu")) [${duck_line#duckdb: }]"

# --- agreement --------------------------------------------------------------
status=0
python3 bench/pulse_compare.py "$dir/pulse-duckdb.json" "$dir/pulse-rust.json" \
    --expected-name duckdb --got-name rust || status=1

echo
echo "| measure | value |"
echo "|---|---|"
echo "| events | $events |"
echo "| communities (rust) | $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$dir/pulse-rust.json") |"
echo "| rust pulse wall (cold start) | ${rust_wall} s |"
echo "| rust pulse CPU (user + sys) | ${rust_cpu} s |"
echo "| rust pulse peak RSS | $(mib "$rust_rss") |"
echo "| export wall (not in either figure) | ${export_wall} s |"
echo "| duckdb load (CSV -> table) | ${load_s} s |"
echo "| duckdb compute | ${compute_s} s |"
echo "| duckdb process wall / CPU (python start + load + compute + JSON) | ${duck_wall} s / ${duck_cpu} s |"
echo "| duckdb process peak RSS | $(mib "$duck_rss") |"
echo "| agreement | $([ $status -eq 0 ] && echo "all figures agree" || echo MISMATCHES) |"
if awk -v w="$rust_wall" -v r="$rust_rss" 'BEGIN { exit !(w > 2 || r > 1048576) }'; then
    echo "NOTE: the Rust pulse exceeds 2 s or 1 GiB (wall ${rust_wall} s, peak RSS $(mib "$rust_rss"))"
fi
[ "${KEEP:-0}" = 1 ] && echo "files: $dir"
exit $status
