#!/usr/bin/env bash
# Builds every cargo-fuzz target and runs each for SECONDS (default 60), seeded from the
# project's real-byte fixtures. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# A crash leaves its input in fuzz/artifacts/TARGET/ and makes this script exit non-zero:
# turn it into a regression test (tests/fixtures/fuzz/) before fixing it.
#
# -O: optimised without debug assertions, the build CI and the recorded runs use.
# cargo-fuzz needs nightly-only compiler flags for its instrumentation; the project builds with
# the stable toolchain only, so RUSTC_BOOTSTRAP=1 unlocks those flags for this build alone.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(wire_discovery http_rtsp onvif_xml pcap traffic_payloads signatures site_rules zeek_logs)
fi
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1

# seed DIR SELECTOR FILE...: copies each file into the corpus with its selector byte in front
# (the targets that serve several parsers pick one by the first byte).
seed() {
  local dir=$1 selector=$2
  shift 2
  mkdir -p "$dir"
  local f
  for f in "$@"; do
    [[ -f $f ]] || continue
    { printf "\\x$(printf %02x "$selector")"; cat "$f"; } >"$dir/$(basename "$f").$selector"
  done
}

corpus=fuzz/corpus
w=tests/fixtures/wire
seed $corpus/wire_discovery 0 $w/arp-*.bin
seed $corpus/wire_discovery 1 $w/dhcp-*.bin
seed $corpus/wire_discovery 2 $w/mdns-*.bin
seed $corpus/wire_discovery 3 $w/wsd-*.xml
seed $corpus/wire_discovery 4 $w/ssdp-*.txt
seed $corpus/wire_discovery 5 $w/upnp-*.xml
seed $corpus/wire_discovery 6 $w/wsd-*.xml
seed $corpus/wire_discovery 7 $w/dhdiscover-*
seed $corpus/wire_discovery 9 tests/fixtures/probe/*.xml
seed $corpus/http_rtsp 2 $w/rtsp-*.txt
seed $corpus/http_rtsp 0 $w/ssdp-*.txt
seed $corpus/http_rtsp 1 $w/upnp-*.xml
mkdir -p $corpus/onvif_xml && cp tests/fixtures/probe/*.xml $corpus/onvif_xml/
mkdir -p $corpus/pcap && cp tests/fixtures/pcaps/*.pcap* $corpus/pcap/
mkdir -p $corpus/traffic_payloads $corpus/zeek_logs
for hex in tests/fixtures/traffic/*.hex; do
  selector=0
  [[ $hex == *client_hello* ]] && selector=1
  { printf "\\x$(printf %02x $selector)"; perl -0777 -ne 's/\s//g; print pack("H*", $_)' "$hex"; } \
    >"$corpus/traffic_payloads/$(basename "$hex").bin"
done
seed $corpus/signatures 0 signatures/devices/hikvision.toml signatures/devices/dahua.toml
seed $corpus/signatures 1 signatures/oui/cameras.tsv
seed $corpus/site_rules 0 signatures/sites/demo-store.toml
seed $corpus/site_rules 1 signatures/rules/cn.toml
for form in tsv json; do
  for log in tests/fixtures/zeek/named_uploads/$form/*.log; do
    selector=0
    case $(basename "$log") in conn.log) selector=1 ;; dns.log) selector=2 ;; ssl.log) selector=3 ;; http.log) selector=4 ;; esac
    { printf "\\x$(printf %02x $selector)"; cat "$log"; } >"$corpus/zeek_logs/$form-$(basename "$log")"
  done
done

status=0
for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  # -rss_limit_mb: a parser that balloons on hostile input is a finding too.
  rc=0
  cargo fuzz run -O --fuzz-dir fuzz "$target" "$corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=1024 -max_len=65536 -print_final_stats=1 \
    >"fuzz/last-$target.log" 2>&1 || rc=$?
  grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY)' \
    "fuzz/last-$target.log" || true
  if [[ $rc -ne 0 ]]; then
    tail -n 30 "fuzz/last-$target.log"
    echo "FAILED: $target (see fuzz/last-$target.log and fuzz/artifacts/$target/)"
    status=1
  fi
done
exit $status
