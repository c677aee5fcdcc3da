#!/usr/bin/env bash
# Times the demo audit of the simulated store's /24 (254 addresses, all ports of the default set):
# wall time of the whole `camsweep demo` (lab start, sweep, probes, fingerprinting, report files) and
# the scan's own duration from the report. Prints each run and the median. Usage: scripts/bench-demo.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
out=$(mktemp -d)
walls=()
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  ./target/release/camsweep demo --quiet --json --out "$out/run$i" > "$out/run$i.json" || [ $? -eq 1 ]
  end=$(date +%s.%N)
  wall=$(python3 -c "print($end - $start)")
  scan=$(python3 -c "import json,sys,datetime as d; r=json.load(open(sys.argv[1]))['scan']; f=lambda s: d.datetime.fromisoformat(s.replace('Z','+00:00')); print((f(r['finished_at'])-f(r['started_at'])).total_seconds())" "$out/run$i.json")
  devices=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['devices']))" "$out/run$i.json")
  printf 'run %d: wall %.2f s, scan %.0f s (whole seconds), %d devices\n' "$i" "$wall" "$scan" "$devices"
  walls+=("$wall")
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
printf 'median wall time over %d runs: %.2f s (%d cores: %s)\n' "$runs" "$median" "$(nproc)" "$(uname -m)"
rm -rf "$out"
