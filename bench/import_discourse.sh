#!/usr/bin/env bash
# Discourse import into a fresh SQLite file: posts per second and peak RSS.
# The test forum's topic documents are repeated with shifted topic and post
# ids by bench/discourse_scale.py into about TOPICS topics (default 30,000).
# Usage: bench/import_discourse.sh [TOPICS] [WORK_DIR]
# GUILDHALL_BIN: the binary to measure (default: a release build of this tree).
set -euo pipefail
cd "$(dirname "$0")/.."
topics=${1:-30000}
work=${2:-$(mktemp -d)}
forum="$work/scaled-forum-$topics"
db="$work/import.db"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
bin=${GUILDHALL_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -p guildhall >&2
  bin=target/release/guildhall
fi
[ -d "$forum" ] || python3 bench/discourse_scale.py crates/import/tests/fixtures/discourse "$forum" "$topics"
rm -f "$db" "$db-wal" "$db-shm"
"$bin" --database "$db" migrate >/dev/null
du -sh "$forum"
/usr/bin/time -v "$bin" --database "$db" import discourse "$forum" > "$work/summary.txt" 2> "$work/time.txt"
cat "$work/summary.txt"
grep -E "Elapsed|Maximum resident" "$work/time.txt"
read -r total < <(python3 -c "import json,glob,sys; print(sum(len(json.load(open(f))['post_stream']['posts']) for f in glob.glob(sys.argv[1]+'/*.json') if not f.endswith('categories.json')))" "$forum")
secs=$(awk -F': ' '/Elapsed/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
python3 -c "print(f'posts: {$total}, wall {float($secs):.1f} s, {$total/float($secs):,.0f} posts/s')"
echo "work folder: $work"
