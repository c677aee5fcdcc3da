#!/bin/sh
# Throughput of `camsweep analyze` on a synthetic capture of camera uploads (mirror-port frame
# sizes). Usage: scripts/bench-analyze.sh [SIZE_MB] (default 1100). Needs a release build.
# When tshark is installed it is run on the same file, extracting DNS names, SNIs and
# conversation byte counts, for the side-by-side figure.
set -eu
size=${1:-1100}
cap=${CAPTURE:-/tmp/camsweep-bench-${size}MB.pcap}
bin=${CAMSWEEP:-target/release/camsweep}
[ -f "$cap" ] || python3 scripts/make-synthetic-capture.py "$size" "$cap"
bytes=$(stat -c %s "$cap")
cat "$cap" > /dev/null   # warm the page cache so both tools read from memory
out=$(mktemp -d)
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$out/rss" taskset -c 0 "$bin" -q analyze "$cap" --out "$out/report" >/dev/null || true
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc -l)
printf 'camsweep analyze: %s bytes in %.2f s = %.0f MB/s, peak RSS %s KiB\n' \
  "$bytes" "$secs" "$(echo "$bytes / $secs / 1000000" | bc -l)" "$(cat "$out/rss")"
if command -v tshark >/dev/null; then
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$out/tshark-rss" taskset -c 0 tshark -r "$cap" -T fields \
    -e dns.qry.name -e dns.a -e tls.handshake.extensions_server_name \
    -e ip.src -e ip.dst -e frame.len > /dev/null 2>&1
  end=$(date +%s.%N)
  tsecs=$(echo "$end - $start" | bc -l)
  printf 'tshark -T fields: %.2f s = %.0f MB/s, peak RSS %s KiB; camsweep is %.0fx faster\n' \
    "$tsecs" "$(echo "$bytes / $tsecs / 1000000" | bc -l)" "$(cat "$out/tshark-rss")" "$(echo "$tsecs / $secs" | bc -l)"
else
  echo "tshark: not installed, no side-by-side figure"
fi
rm -rf "$out"
