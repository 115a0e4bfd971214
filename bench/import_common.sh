# Sourced by the import benchmarks: the binary to measure, and one timed
# import into a fresh SQLite file.
# GUILDHALL_BIN: the binary to measure (default: a release build of this tree).

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
bin=${GUILDHALL_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -p guildhall >&2
  bin=target/release/guildhall
fi

# timed_import WORK_DIR INPUT IMPORT_ARGS...: migrates a fresh WORK_DIR/import.db,
# runs `guildhall import IMPORT_ARGS...` under /usr/bin/time -v, prints the
# summary, wall time and peak RSS, and sets $secs to the wall time in seconds.
timed_import() {
  local work=$1 input=$2
  shift 2
  local db="$work/import.db"
  rm -f "$db" "$db-wal" "$db-shm"
  "$bin" --database "$db" migrate >/dev/null
  du -sh "$input"
  /usr/bin/time -v "$bin" --database "$db" import "$@" > "$work/summary.txt" 2> "$work/time.txt"
  cat "$work/summary.txt"
  grep -E "Elapsed|Maximum resident" "$work/time.txt"
  secs=$(awk -F': ' '/Elapsed/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
}
