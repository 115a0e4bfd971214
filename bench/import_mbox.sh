#!/usr/bin/env bash
# mbox import into a fresh SQLite file: messages per second and peak RSS.
# The mailing-list fixtures (real Apache archives) are repeated with
# rewritten Message-IDs (and the In-Reply-To / References that name them)
# into one mbox of about MESSAGES messages (default 50,000), all distinct.
# Usage: bench/import_mbox.sh [MESSAGES] [WORK_DIR]
# GUILDHALL_BIN: the binary to measure (default: a release build of this tree).
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-50000}
work=${2:-$(mktemp -d)}
mbox="$work/scaled-$messages.mbox"
db="$work/import.db"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
bin=${GUILDHALL_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -p guildhall >&2
  bin=target/release/guildhall
fi
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
rm -f "$db" "$db-wal" "$db-shm"
"$bin" --database "$db" migrate >/dev/null
du -sh "$mbox"
/usr/bin/time -v "$bin" --database "$db" import mbox "$mbox" --community bench-list \
  > "$work/summary.txt" 2> "$work/time.txt"
cat "$work/summary.txt"
grep -E "Elapsed|Maximum resident" "$work/time.txt"
secs=$(awk -F': ' '/Elapsed/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
python3 -c "print(f'messages: {$messages}, wall {float($secs):.1f} s, {$messages/float($secs):,.0f} messages/s')"
ls -lh "$db"
echo "work folder: $work"
