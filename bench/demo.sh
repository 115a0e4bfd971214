#!/usr/bin/env bash
# Full-size demonstration organization: wall time and peak RSS.
# Usage: bench/demo.sh [DB_PATH]   (default: a fresh file under /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-$(mktemp -d)/demo-full.db}
rm -f "$db" "$db-wal" "$db-shm"
cargo build --release -p guildhall >&2
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
/usr/bin/time -v target/release/guildhall --database "$db" demo --people 100000 --communities 2000 --months 36 2> "$db.time"
grep -E "Elapsed|Maximum resident" "$db.time"
echo "events: $(target/release/guildhall --database "$db" export activity --format csv | tail -n +2 | wc -l)"
ls -lh "$db"
echo "database: $db"
