#!/usr/bin/env bash
# Cross-check `guildhall pulse` against an independent recomputation
# (bench/pulse_check.py) from `guildhall export activity`, as METRICS.md defines it.
#
# Usage: bench/pulse_check.sh [DB_PATH]
#   DB_PATH       an existing database (default: a fresh demo database in a temp dir,
#                 demo --people 600 --communities 40 --months 18 --seed 7)
#   GUILDHALL_BIN the binary (default: target/debug/guildhall, built if missing)
#   PULSE_KEEP    1 keeps the work folder (demo database, export) for inspection
#   AS_OF         the fixed past instant (default: 120 days before the day of the
#                 last event of the export, at 12:34:56Z)
#
# Runs: now/90 days, AS_OF/30, now/365, AS_OF/365, AS_OF/7, then boundary runs
# (window 30) placed exactly on event times (an event at T, T-W, T-2W/3, T-W/3,
# T-2W) and one with a sub-second as_of 0.5 s after an event; every run also
# checks that the pulse reports the requested as_of and window.
# Exit status: 0 if every pulse agrees, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${GUILDHALL_BIN:-target/debug/guildhall}
if [ ! -x "$bin" ]; then
    cargo build -p guildhall >&2
fi

dir=$(mktemp -d)
# The demo database and export stay only when asked for (PULSE_KEEP=1):
# each CI run would otherwise leave 28 MB in the temporary folder.
trap '[ "${PULSE_KEEP:-0}" = 1 ] || rm -rf "$dir"' EXIT
if [ $# -ge 1 ]; then
    db=$1
else
    db=$dir/demo.db
    echo "creating demo database $db" >&2
    "$bin" --database "$db" demo --people 600 --communities 40 --months 18 --seed 7 \
        >"$dir/demo.log" 2>&1 || { cat "$dir/demo.log" >&2; exit 1; }
fi

"$bin" --database "$db" export activity --format csv --out "$dir/activity.csv" \
    2>"$dir/export.log" || { cat "$dir/export.log" >&2; exit 1; }
echo "export: $(($(wc -l < "$dir/activity.csv") - 1)) events -> $dir/activity.csv"

# Instants derived from the export: AS_OF, and boundary events about 120 days
# before the end of the data (a member.joined, a thread.help, a reply to a help
# request) on whose exact times the boundary runs put T, T-W, T-W/3, T-2W/3, T-2W.
mapfile -t picks < <(python3 - "$dir/activity.csv" <<'EOF'
import csv, sys, datetime as dt
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
ts = lambda r: dt.datetime.strptime(r["at"][:19], "%Y-%m-%dT%H:%M:%S")
end = max(ts(r) for r in rows)
print((end.replace(hour=0, minute=0, second=0) - dt.timedelta(days=120)).strftime("%Y-%m-%dT12:34:56Z"))
target = end - dt.timedelta(days=120)
helps = {r["subject"] for r in rows if r["kind"] == "thread.help"}
for name, ok in [("joined", lambda r: r["kind"] == "member.joined"),
                 ("help", lambda r: r["kind"] == "thread.help"),
                 ("reply", lambda r: r["kind"] == "reply.created" and r["parent"] in helps)]:
    cands = [r for r in rows if ok(r) and ts(r) <= target]
    if cands:
        ev = max(cands, key=ts)
        print(name, ev["at"], f"event#{ev['id']}:{ev['kind']}@community{ev['community']}")
EOF
)
default_as_of=${picks[0]}
AS_OF=${AS_OF:-$default_as_of}
shift_at() { # RFC3339 Z time, seconds to add (may be fractional) -> RFC3339
    python3 -c '
import sys, datetime as dt
t = dt.datetime.strptime(sys.argv[1][:19], "%Y-%m-%dT%H:%M:%S") + dt.timedelta(seconds=float(sys.argv[2]))
print(t.strftime("%Y-%m-%dT%H:%M:%S") + (".%03dZ" % (t.microsecond // 1000) if t.microsecond else "Z"))
' "$1" "$2"
}

status=0
run() { # name, as_of ("" = now), window
    local name=$1 as_of=$2 window=$3
    local args=(--window "$window") check=(--window "$window")
    if [ -n "$as_of" ]; then args+=(--as-of "$as_of"); check+=(--as-of "$as_of"); fi
    echo "== $name: pulse ${args[*]}"
    "$bin" --database "$db" pulse --format json "${args[@]}" > "$dir/pulse-$name.json"
    python3 bench/pulse_check.py --activity "$dir/activity.csv" --pulse "$dir/pulse-$name.json" \
        "${check[@]}" || status=1
}
run now-90 "" 90
run past-30 "$AS_OF" 30
run now-365 "" 365
run past-365 "$AS_OF" 365
run past-7 "$AS_OF" 7

W=30 d=86400
for pick in "${picks[@]:1}"; do
    read -r name at desc <<<"$pick"
    echo "boundary runs on $desc at $at"
    run "$name-at-T" "$at" $W                                        # event at T: excluded
    run "$name-window-start" "$(shift_at "$at" $((W * d)))" $W          # at T-W: first third
    run "$name-second-third" "$(shift_at "$at" $((2 * W * d / 3)))" $W  # at T-2W/3
    run "$name-last-third" "$(shift_at "$at" $((W * d / 3)))" $W        # at T-W/3
    run "$name-prev-start" "$(shift_at "$at" $((2 * W * d)))" $W        # at T-2W: previous window
done
# Sub-second instant 0.5 s after an event: the event counts (at < T).
read -r _ at _ <<<"${picks[1]}"
run subsecond "$(shift_at "$at" 0.5)" $W

echo "files: $dir"
if [ $status -eq 0 ]; then echo "pulse_check: all agree"; else echo "pulse_check: MISMATCHES"; fi
exit $status
