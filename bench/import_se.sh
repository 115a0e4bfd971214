#!/usr/bin/env bash
# Stack Exchange import into a fresh SQLite file: posts per second and peak
# RSS. The ai.stackexchange.com 2016 dump (the test fixture) is scaled up by
# repetition with shifted ids to about POSTS posts (default 1,000,000).
# Usage: bench/import_se.sh [POSTS] [WORK_DIR]
# GUILDHALL_BIN: see bench/import_common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
posts=${1:-1000000}
work=${2:-$(mktemp -d)}
site="$work/ai-scaled.stackexchange.com"
. bench/import_common.sh
if [ ! -f "$site/Posts.xml" ]; then
  python3 bench/se_scale.py crates/import/tests/fixtures/stackexchange-ai-2016 "$site" "$posts"
fi
rows=$(grep -c '<row ' "$site/Posts.xml")
timed_import "$work" "$site" stackexchange "$site"
python3 -c "print(f'Posts.xml rows: {$rows}, wall {float($secs):.1f} s, {$rows/float($secs):,.0f} posts/s')"
ls -lh "$work/import.db"
echo "work folder: $work"
