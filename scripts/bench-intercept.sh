#!/usr/bin/env bash
# Forwarding benchmark for `audit --intercept` (issue 12): a 200 Mbit/s TCP stream (iperf3) and a
# ping between a "device" and its "gateway" on a learning bridge, first direct, then through
# camsweep's ARP interception. Everything runs inside a private user + network namespace made
# here (unshare -rn); nothing reaches a real network.
#
# Usage: scripts/bench-intercept.sh [path/to/camsweep]   (needs iperf3, ping, ip, unshare, nsenter)
# Figures go to docs/benchmarks.md; on a loaded 2-core machine they are noisy.
set -euo pipefail
BIN=$(readlink -f "${1:-target/release/camsweep}")
RATE=${RATE:-200M}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
if [ -z "${BENCH_INSIDE:-}" ]; then
  exec unshare -rn --fork env BENCH_INSIDE=1 RATE="$RATE" SECONDS_PER_RUN="$SECONDS_PER_RUN" "$0" "$BIN"
fi
WORK=$(mktemp -d)
cleanup() { kill "${DEV:-}" "${GW:-}" "${SCAN:-}" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

ip link set lo up
ip link add br0 type bridge   # learning, ageing 300 s: an ordinary unmanaged switch
unshare -n sleep 3600 & DEV=$!
unshare -n sleep 3600 & GW=$!
sleep 0.3
ip link add lan0 type veth peer name sw-scan
ip link add sw-dev type veth peer name eth0 netns "$DEV"
ip link add sw-gw type veth peer name eth0 netns "$GW"
for port in sw-scan sw-dev sw-gw; do ip link set "$port" master br0 up; done
ip link set br0 up
ip link set lan0 up
ip addr add 198.18.0.2/24 dev lan0
nsenter -t "$DEV" -n sh -c 'ip link set lo up; ip link set eth0 up; ip addr add 198.18.0.12/24 dev eth0'
nsenter -t "$GW" -n sh -c 'ip link set lo up; ip link set eth0 up; ip addr add 198.18.0.1/24 dev eth0'
nsenter -t "$GW" -n iperf3 -s -D -1 >/dev/null 2>&1 || nsenter -t "$GW" -n iperf3 -s -D
sleep 0.5

measure() { # $1 label
  nsenter -t "$DEV" -n ping -q -c 1 198.18.0.1 >/dev/null || true
  nsenter -t "$DEV" -n ping -c 200 -i 0.01 198.18.0.1 > "$WORK/ping-$1.txt" || true
  nsenter -t "$DEV" -n iperf3 -c 198.18.0.1 -b "$RATE" -t "$SECONDS_PER_RUN" -J > "$WORK/iperf-$1.json" || true
  # iperf3 -1 serves once; start it again for the next run.
  nsenter -t "$GW" -n iperf3 -s -D -1 >/dev/null 2>&1 || true
  sleep 0.3
}

measure direct
DEV_MAC_BEFORE=$(nsenter -t "$DEV" -n ip neigh show 198.18.0.1 | awk '{print $5}')
"$BIN" audit --targets 198.18.0.12 --interface lan0 --ports 80 --listen 60s --intercept \
  --gateway 198.18.0.1 --authorised-by "benchmark, lab owner" --json --lang en \
  --out "$WORK/report" > "$WORK/report.json" 2> "$WORK/camsweep.err" & SCAN=$!
for _ in $(seq 1 50); do
  entry=$(nsenter -t "$DEV" -n ip neigh show 198.18.0.1 | awk '{print $5}')
  [ "$entry" = "$(ip -br link show lan0 | awk '{print $3}')" ] && break
  sleep 0.2
done
echo "device's entry for the gateway: $DEV_MAC_BEFORE before, $entry during the interception"
measure intercepted
kill -INT "$SCAN"; wait "$SCAN" || true
SCAN=

python3 - "$WORK" <<'PY'
import json, re, statistics, sys
work = sys.argv[1]
def ping(label):
    times = [float(m) for m in re.findall(r"time=([0-9.]+) ms", open(f"{work}/ping-{label}.txt").read())]
    return statistics.median(times) if times else float("nan"), len(times)
def iperf(label):
    try:
        r = json.load(open(f"{work}/iperf-{label}.json"))
        s = r["end"]["sum_sent"]; rcv = r["end"]["sum_received"]
        segs = max(1, s["bytes"] // 1448)
        return s["bits_per_second"] / 1e6, rcv["bits_per_second"] / 1e6, s.get("retransmits", 0), 100.0 * s.get("retransmits", 0) / segs
    except Exception as e:
        return (float("nan"),) * 4
rows = {l: (ping(l), iperf(l)) for l in ("direct", "intercepted")}
print(f"{'path':12} {'ping median ms':>15} {'replies':>8} {'sent Mbit/s':>12} {'recv Mbit/s':>12} {'retransmits':>12} {'retr %':>7}")
for l, ((med, n), (snd, rcv, retr, pct)) in rows.items():
    print(f"{l:12} {med:15.3f} {n:8d} {snd:12.1f} {rcv:12.1f} {retr:12} {pct:7.2f}")
print(f"added median latency: {rows['intercepted'][0][0] - rows['direct'][0][0]:.3f} ms")
try:
    i = json.load(open(f"{work}/report.json"))["scan"]["interception"]
    d = i["devices"][0]
    print(f"interception: restored={i['restored']} kernel drops={i['frames_dropped_by_kernel']} "
          f"not analysed={i['frames_not_analysed']} forwarded to gateway {d['packets_to_gateway']} frames / {d['bytes_to_gateway']} B, "
          f"to device {d['packets_to_device']} frames, dropped {d['packets_dropped']}")
except Exception as e:
    print("no interception summary:", e, open(f"{work}/camsweep.err").read()[-2000:])
PY
