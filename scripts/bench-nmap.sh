#!/usr/bin/env bash
# camsweep against nmap on the benchmark store (issue 7): one lab, both tools, side by side.
#
# Builds `camsweep lab --hosts store` (198.18.0.0/24, 253 live hosts: 40 surveillance devices of
# 20 models, 212 PCs/phones/printers/POS/NAS, the router) in unprivileged namespaces and, inside
# its network (the tools see the lab and nothing else), times:
#   host discovery: camsweep scan --hosts-only   vs  nmap -sn
#   identification: camsweep audit               vs  nmap -sV -p <camsweep's ports> --open
# and scores how many surveillance devices each named with the right vendor and type (nmap's
# answer read from its -oX XML). Prints the table and rewrites the `bench-nmap` section of
# docs/benchmarks.md. Traffic (camsweep analyze vs tshark) is scripts/bench-analyze.sh.
#
# Usage: scripts/bench-nmap.sh [RUNS] [NMAP_RUNS]   (defaults 5 and 3; nmap -sV is slow)
# Needs: a Rust toolchain, python3, nmap (Debian: apt-get install -y nmap), /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
nmap_runs=${2:-3}
command -v nmap >/dev/null || { echo "nmap is not installed (apt-get install -y nmap)" >&2; exit 2; }
cargo build --release --quiet
bin=$PWD/target/release/camsweep
out=$(mktemp -d)
"$bin" lab --hosts store --list > "$out/hosts.jsonl"
CAMSWEEP=$bin "$bin" lab --hosts store -- \
  python3 scripts/bench_lab.py nmap --hosts "$out/hosts.jsonl" --runs "$runs" --nmap-runs "$nmap_runs" --out "$out" \
  > "$out/result.json"
python3 scripts/bench_lab.py table-nmap --result "$out/result.json" --doc docs/benchmarks.md
echo "raw results: $out"
