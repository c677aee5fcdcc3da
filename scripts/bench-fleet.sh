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
printf '| reports | report bytes | wall time | peak RSS |\n|---:|---:|---:|---:|\n'
for n in 1000 10000; do
  [ -d "$work/reports-$n" ] || python3 scripts/make-fleet.py --shops "$n" --out "$work/reports-$n" --seed "$n" 2>/dev/null
  rm -rf "$work/out-$n"
  /usr/bin/time -v "$bin" fleet "$work/reports-$n" --out "$work/out-$n" --partition date -q \
    2> "$work/time-$n.txt" >/dev/null
  wall=$(grep 'Elapsed (wall clock)' "$work/time-$n.txt" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$work/time-$n.txt" | awk '{print $NF}')
  bytes=$(du -sb "$work/reports-$n" | cut -f1)
  printf '| %d | %d MB | %s | %d MB |\n' "$n" $((bytes / 1000000)) "$wall" $((rss / 1024))
done
