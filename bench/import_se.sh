#!/usr/bin/env bash
# Stack Exchange import into a fresh SQLite file: posts per second and peak
# RSS. The ai.stackexchange.com 2016 dump (the test fixture) is scaled up by
# repetition with shifted ids to about POSTS posts (default 1,000,000).
# Usage: bench/import_se.sh [POSTS] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
posts=${1:-1000000}
work=${2:-$(mktemp -d)}
site="$work/ai-scaled.stackexchange.com"
db="$work/import.db"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release -p guildhall >&2
if [ ! -f "$site/Posts.xml" ]; then
  python3 bench/se_scale.py crates/import/tests/fixtures/stackexchange-ai-2016 "$site" "$posts"
fi
rows=$(grep -c '<row ' "$site/Posts.xml")
rm -f "$db" "$db-wal" "$db-shm"
target/release/guildhall --database "$db" migrate >/dev/null
du -sh "$site"
/usr/bin/time -v target/release/guildhall --database "$db" import stackexchange "$site" \
  > "$work/summary.txt" 2> "$work/time.txt"
cat "$work/summary.txt"
grep -E "Elapsed|Maximum resident" "$work/time.txt"
secs=$(awk -F': ' '/Elapsed/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
python3 -c "print(f'Posts.xml rows: {$rows}, wall {float($secs):.1f} s, {$rows/float($secs):,.0f} posts/s')"
ls -lh "$db"
echo "work folder: $work"
