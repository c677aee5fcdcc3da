#!/usr/bin/env bash
# How `camsweep audit` grows (issue 7): wall time and peak memory of the audit over benchmark labs
# of 1, 4, 16 and 64 surveillance devices on a /24, the 253-host store /24 and the sparse campus
# /16 (65,534 addresses, 300 live), each at the default settings. Each lab is built once by
# `camsweep lab` and audited RUNS times from inside it. Prints the table and rewrites the
# `bench-scale` section of docs/benchmarks.md.
#
# Usage: scripts/bench-scale.sh [RUNS] [LABS...]   (default 3 runs; labs cameras:1 cameras:4
#        cameras:16 cameras:64 store campus)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
labs=("$@")
[ ${#labs[@]} -gt 0 ] || labs=(cameras:1 cameras:4 cameras:16 cameras:64 store campus)
cargo build --release --quiet
bin=$PWD/target/release/camsweep
out=$(mktemp -d)
for lab in "${labs[@]}"; do
  label=${lab/:/-}
  "$bin" lab --hosts "$lab" --list > "$out/$label.hosts.jsonl"
  CAMSWEEP=$bin "$bin" lab --hosts "$lab" -- \
    python3 scripts/bench_lab.py scale --hosts "$out/$label.hosts.jsonl" --label "$lab" --runs "$runs" --out "$out" \
    >> "$out/results.jsonl"
done
python3 scripts/bench_lab.py table-scale --result "$out/results.jsonl" --doc docs/benchmarks.md
echo "raw results: $out"
