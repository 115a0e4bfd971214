#!/usr/bin/env bash
# Discourse import into a fresh SQLite file: posts per second and peak RSS.
# The test forum's topic documents are repeated with shifted topic and post
# ids by bench/discourse_scale.py into about TOPICS topics (default 30,000).
# Usage: bench/import_discourse.sh [TOPICS] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
topics=${1:-30000}
work=${2:-$(mktemp -d)}
forum="$work/scaled-forum-$topics"
. bench/import_common.sh
[ -d "$forum" ] || python3 bench/discourse_scale.py crates/import/tests/fixtures/discourse "$forum" "$topics"
timed_import "$work" "$forum" discourse "$forum"
read -r total < <(python3 -c "import json,glob,sys; print(sum(len(json.load(open(f))['post_stream']['posts']) for f in glob.glob(sys.argv[1]+'/*.json') if not f.endswith('categories.json')))" "$forum")
python3 -c "print(f'posts: {$total}, wall {float($secs):.1f} s, {$total/float($secs):,.0f} posts/s')"
echo "work folder: $work"
