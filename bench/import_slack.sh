#!/usr/bin/env bash
# Slack import into a fresh SQLite file: messages per second and peak RSS.
# The Slack fixture (a real 2016 workspace export) is repeated in time by
# bench/slack_scale.py into an export of about MESSAGES messages (default
# 200,000), each repetition in day files of its own.
# Usage: bench/import_slack.sh [MESSAGES] [WORK_DIR]
# GUILDHALL_BIN: the binary to measure (default: a release build of this tree).
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-200000}
work=${2:-$(mktemp -d)}
export_dir="$work/scaled-slack-$messages"
db="$work/import.db"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
bin=${GUILDHALL_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -p guildhall >&2
  bin=target/release/guildhall
fi
[ -d "$export_dir" ] || python3 bench/slack_scale.py crates/import/tests/fixtures/slack-houstondatavis "$export_dir" "$messages"
rm -f "$db" "$db-wal" "$db-shm"
"$bin" --database "$db" migrate >/dev/null
du -sh "$export_dir"
/usr/bin/time -v "$bin" --database "$db" import slack "$export_dir" > "$work/summary.txt" 2> "$work/time.txt"
cat "$work/summary.txt"
grep -E "Elapsed|Maximum resident" "$work/time.txt"
read -r total < <(python3 -c "import json,glob,sys; print(sum(len(json.load(open(f))) for f in glob.glob(sys.argv[1]+'/*/*.json')))" "$export_dir")
secs=$(awk -F': ' '/Elapsed/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
python3 -c "print(f'messages: {$total}, wall {float($secs):.1f} s, {$total/float($secs):,.0f} messages/s')"
echo "work folder: $work"
