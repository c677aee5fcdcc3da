#!/bin/sh
# Highest rate `camsweep analyze --interface` captures without a kernel drop (issue 13): the
# live_capture lab (two private namespaces joined by a veth; nothing reaches a real network)
# steps a paced TCP transfer, then a UDP stream of full-size datagrams, up from 200 Mbit/s and
# stops each at the first kernel drop or when the sender cannot reach the rate. Each step
# compares camsweep's counted bytes with the interface counters. Runs as root or as an
# ordinary user. Usage: scripts/bench-live-capture.sh [SECONDS_PER_STEP] (default 5).
set -eu
secs=${1:-5}
echo "machine: $(nproc) cores, $(uname -m), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
date -u +"start: %Y-%m-%d %H:%M UTC"
cargo test --release --test labs -- --bench-rates "$secs"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
