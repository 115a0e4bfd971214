#!/usr/bin/env bash
# mbox import into a fresh SQLite file: messages per second and peak RSS.
# The mailing-list fixtures (real Apache archives) are repeated with
# rewritten Message-IDs (and the In-Reply-To / References that name them)
# into one mbox of about MESSAGES messages (default 50,000), all distinct.
# Usage: bench/import_mbox.sh [MESSAGES] [WORK_DIR]
# GUILDHALL_BIN: see bench/import_common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-50000}
work=${2:-$(mktemp -d)}
mbox="$work/scaled-$messages.mbox"
. bench/import_common.sh
fixtures=crates/import/tests/fixtures/apache-ponymail
if [ ! -f "$mbox" ]; then
  # One mirror of each archive: the others would only be duplicates.
  python3 bench/mbox_scale.py "$mbox" "$messages" \
    "$fixtures"/maven-dev-2017-11-listsao.mbox \
    "$fixtures"/maven_duplicates_2017_listsao_1.mbox \
    "$fixtures"/ponymail-dev-1080-listsao.mbox \
    "$fixtures"/httpd-users-4950.mbox "$fixtures"/httpd-dev-28428.mbox \
    "$fixtures"/nexus-html-only.mbox "$fixtures"/text_enriched.mbox \
    "$fixtures"/tomcat-ancient-boundary.mbox "$fixtures"/empty_body.mbox
fi
timed_import "$work" "$mbox" mbox "$mbox" --community bench-list
python3 -c "print(f'messages: {$messages}, wall {float($secs):.1f} s, {$messages/float($secs):,.0f} messages/s')"
ls -lh "$work/import.db"
echo "work folder: $work"
