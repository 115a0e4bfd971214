#!/usr/bin/env bash
# Slack import into a fresh SQLite file: messages per second and peak RSS.
# The Slack fixture (a real 2016 workspace export) is repeated in time by
# bench/slack_scale.py into an export of about MESSAGES messages (default
# 200,000), each repetition in day files of its own.
# Usage: bench/import_slack.sh [MESSAGES] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-200000}
work=${2:-$(mktemp -d)}
export_dir="$work/scaled-slack-$messages"
. bench/import_common.sh
[ -d "$export_dir" ] || python3 bench/slack_scale.py crates/import/tests/fixtures/slack-houstondatavis "$export_dir" "$messages"
timed_import "$work" "$export_dir" slack "$export_dir"
read -r total < <(python3 -c "import json,glob,sys; print(sum(len(json.load(open(f))) for f in glob.glob(sys.argv[1]+'/*/*.json')))" "$export_dir")
python3 -c "print(f'messages: {$total}, wall {float($secs):.1f} s, {$total/float($secs):,.0f} messages/s')"
echo "work folder: $work"
