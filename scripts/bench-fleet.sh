#!/usr/bin/env bash
# `camsweep fleet` over 1,000 and 10,000 generated shop reports (issue 16): wall time and peak
# memory (/usr/bin/time -v, maximum resident set size). Reports come from scripts/make-fleet.py
# (the demo's report with varied sites and devices); each set is generated once and reused.
#
# Usage: scripts/bench-fleet.sh [WORKDIR]   (default /tmp/camsweep-bench-fleet; needs ~3 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/camsweep-bench-fleet}
cargo build --release --quiet
bin=$PWD/target/release/camsweep
mkdir -p "$work"
printf '| reports | options | report bytes | wall time | CPU (user+sys) | peak RSS |\n|---:|---|---:|---:|---:|---:|\n'
run() {  # n label extra-args...
  local n=$1 label=$2
  shift 2
  rm -rf "$work/out-$n-$label"
  /usr/bin/time -v "$bin" fleet "$work/reports-$n" --out "$work/out-$n-$label" -q "$@" \
    2> "$work/time-$n-$label.txt" >/dev/null
  local t=$work/time-$n-$label.txt
  wall=$(grep 'Elapsed (wall clock)' "$t" | awk '{print $NF}')
  cpu=$(awk '/User time|System time/ {s += $NF} END {printf "%.1f s", s}' "$t")
  rss=$(grep 'Maximum resident set size' "$t" | awk '{print $NF}')
  bytes=$(du -sb "$work/reports-$n" | cut -f1)
  printf '| %d | %s | %d MB | %s | %s | %d MB |\n' "$n" "$label" $((bytes / 1000000)) "$wall" "$cpu" $((rss / 1024))
}
for n in 1000 10000; do
  [ -d "$work/reports-$n" ] || python3 scripts/make-fleet.py --shops "$n" --out "$work/reports-$n" --seed "$n" 2>/dev/null
  run "$n" default
done
# Hive partitions by date: one open file per table and date, so more, smaller row groups.
[ -n "${SKIP_PARTITION:-}" ] || run 10000 --partition-date --partition date
