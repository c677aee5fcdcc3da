//! The examples `--help` ends with (clap's after_help), one set per command.

pub const CAMSWEEP: &str = "\
Examples:
  camsweep demo                                   simulated shop, no root, no real network
  camsweep audit -i eth0 --authorised-by \"Li Wei, store manager\" --out case-031/
  camsweep scan --targets 192.168.1.0/24          print the devices, write nothing
  camsweep report case-031/ --lang en --out case-031-en/
  camsweep analyze capture.pcapng --inventory case-031/report.json
  camsweep completions bash > /etc/bash_completion.d/camsweep";

pub const AUDIT: &str = "\
Examples:
  camsweep audit -i eth0 --authorised-by \"Li Wei, store manager\" --out case-031/
  camsweep audit --targets-file shop-31.txt --site site.toml --lang en
  camsweep audit -i eth0 --listen 10m --write-pcap case-031.pcap --out case-031/";

pub const SCAN: &str = "\
Examples:
  camsweep scan --targets 192.168.1.0/24
  camsweep scan -i eth0 --hosts-only
  camsweep scan --targets 192.168.1.10-60 --json > devices.json";

pub const REPORT: &str = "\
Examples:
  camsweep report case-031/ --lang en --out case-031-en/
  camsweep report case-031/report.json --site site.toml --out case-031-declared/
  camsweep report case-031/ --redact --out case-031-public/";

pub const ANALYZE: &str = "\
Examples:
  camsweep analyze mirror-port.pcapng --inventory case-031/report.json --out case-031/traffic/
  camsweep analyze -i eth0 --listen 10m --out case-031-traffic/";

pub const DEMO: &str = "\
Examples:
  camsweep demo
  camsweep demo --lang en --out /tmp/demo";
