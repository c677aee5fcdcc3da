#!/usr/bin/env python3
"""Measurements taken inside a benchmark lab (run by scripts/bench-nmap.sh and
scripts/bench-scale.sh through `camsweep lab --hosts LAB -- python3 scripts/bench_lab.py ...`).

Everything here runs inside the lab's network namespace: `lan0` (198.18.0.2) is the only
interface, so camsweep and nmap see the lab and nothing else.

  bench_lab.py nmap  --hosts HOSTS.jsonl --runs N --nmap-runs M --out DIR
  bench_lab.py scale --hosts HOSTS.jsonl --label LABEL --out DIR

Both print their figures as JSON on stdout. Outside the lab, the same script turns them into
Markdown tables, prints them and replaces its section of docs/benchmarks.md:

  bench_lab.py table-nmap  --result RESULT.json --doc docs/benchmarks.md
  bench_lab.py table-scale --result RESULTS.jsonl --doc docs/benchmarks.md
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

CAMSWEEP = os.environ.get("CAMSWEEP", "target/release/camsweep")
SUBNET = os.environ.get("CAMSWEEP_LAB_SUBNET", "198.18.0.0/24")
IFACE = os.environ.get("CAMSWEEP_LAB_INTERFACE", "lan0")
SCANNER = "198.18.0.2"

# How nmap may spell a maker the lab imitates (service product, extrainfo, device type, hostname).
VENDOR_WORDS = {
    "Hikvision": ["hikvision"],
    "Dahua": ["dahua"],
    "Hanwha Vision": ["hanwha", "samsung", "wisenet"],
    "Xiongmai": ["xiongmai", "xmeye"],
    "Uniview": ["uniview", "unv"],
    "Axis": ["axis"],
    "EZVIZ": ["ezviz"],
    "Reolink": ["reolink"],
    "TP-Link": ["tp-link", "tplink", "tapo"],
    "ZKTeco": ["zkteco", "zk "],
    "Milesight": ["milesight"],
    "Vivotek": ["vivotek"],
    "Tiandy": ["tiandy"],
}
SURVEILLANCE_WORDS = re.compile(
    r"camera|webcam|\bipc\b|\bnvr\b|\bdvr\b|video|surveillance|face|access control|time attendance|doorbell",
    re.I,
)
NMAP_SURVEILLANCE_TYPES = {"webcam", "security-misc"}


def load_hosts(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def timed(cmd, out_path=None):
    """Runs cmd under /usr/bin/time; returns (wall seconds, peak RSS KiB, exit code)."""
    rss_file = os.path.join(ARGS.out, "rss.txt")
    full = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd
    stdout = open(out_path, "w") if out_path else subprocess.DEVNULL
    start = time.monotonic()
    code = subprocess.call(full, stdout=stdout, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - start
    if out_path:
        stdout.close()
    with open(rss_file) as f:
        rss = int(f.read().strip().splitlines()[-1])
    return wall, rss, code


def score_camsweep(report_path, hosts):
    with open(report_path) as f:
        report = json.load(f)
    by_ip = {d["ip"]: d for d in report["devices"]}
    named, false_pos = 0, 0
    for h in hosts:
        d = by_ip.get(h["ip"])
        if h["surveillance"]:
            if (
                d
                and d["identity"].get("vendor") == h["expect_vendor"]
                and d["identity"]["device_type"] == h["expect_type"]
            ):
                named += 1
        elif d and d["identity"]["device_type"] not in ("other", "unknown"):
            false_pos += 1
    return {"named": named, "false_positives": false_pos, "devices": len(report["devices"])}


def nmap_host_text(host):
    parts = []
    for svc in host.iter("service"):
        for key in ("name", "product", "version", "extrainfo", "devicetype", "ostype", "hostname"):
            if svc.get(key):
                parts.append(svc.get(key))
    return " | ".join(parts)


def score_nmap(xml_path, hosts):
    root = ET.parse(xml_path).getroot()
    seen = {}
    for host in root.iter("host"):
        ip = next((a.get("addr") for a in host.iter("address") if a.get("addrtype") == "ipv4"), None)
        if ip:
            seen[ip] = host
    named, vendor_only, typed_only, false_pos = 0, 0, 0, 0
    for h in hosts:
        host = seen.get(h["ip"])
        if host is None:
            continue
        text = nmap_host_text(host).lower()
        types = {s.get("devicetype", "").lower() for s in host.iter("service")}
        says_surveillance = bool(types & NMAP_SURVEILLANCE_TYPES) or bool(SURVEILLANCE_WORDS.search(text))
        if h["surveillance"]:
            words = VENDOR_WORDS.get(h["expect_vendor"], [h["expect_vendor"].lower()])
            says_vendor = any(w in text for w in words)
            if says_vendor and says_surveillance:
                named += 1
            elif says_vendor:
                vendor_only += 1
            elif says_surveillance:
                typed_only += 1
        elif says_surveillance:
            false_pos += 1
    return {
        "named": named,
        "vendor_without_type": vendor_only,
        "type_without_vendor": typed_only,
        "false_positives": false_pos,
        "hosts_listed": len(seen),
    }


def count_nmap_up(xml_path):
    root = ET.parse(xml_path).getroot()
    up = 0
    for host in root.iter("host"):
        status = host.find("status")
        ip = next((a.get("addr") for a in host.iter("address") if a.get("addrtype") == "ipv4"), None)
        if status is not None and status.get("state") == "up" and ip != SCANNER:
            up += 1
    return up


def swept_ports():
    """camsweep's default port set (signatures/ports.toml), for nmap's -p."""
    ports = []
    with open("signatures/ports.toml") as f:
        for line in f:
            m = re.match(r"\s*port\s*=\s*(\d+)", line)
            if m:
                ports.append(int(m.group(1)))
    return ports


def audit_cmd(out_dir):
    return [CAMSWEEP, "-q", "audit", "--interface", IFACE, "--targets", SUBNET,
            "--lang", "en", "--out", out_dir, "--json"]


def median(xs):
    return statistics.median(xs) if xs else None


def run_nmap(hosts):
    ports = ",".join(str(p) for p in swept_ports())
    res = {"ports": ports, "camsweep": [], "nmap": [], "discovery": {"camsweep": [], "nmap": []}}
    expected_up = len(hosts)
    for i in range(ARGS.runs):
        d = os.path.join(ARGS.out, f"cs-disc{i}.json")
        wall, rss, _ = timed([CAMSWEEP, "-q", "scan", "--interface", IFACE, "--targets", SUBNET,
                              "--hosts-only", "--json"], d)
        with open(d) as f:
            found = len(json.load(f))
        res["discovery"]["camsweep"].append({"wall": wall, "rss": rss, "up": found})
        x = os.path.join(ARGS.out, f"nmap-sn{i}.xml")
        wall, rss, _ = timed(["nmap", "-sn", "-n", "-e", IFACE, "-oX", x, SUBNET])
        res["discovery"]["nmap"].append({"wall": wall, "rss": rss, "up": count_nmap_up(x)})
        print(f"discovery run {i}: camsweep {res['discovery']['camsweep'][-1]}, nmap {res['discovery']['nmap'][-1]}", file=sys.stderr)
    for i in range(ARGS.runs):
        out_dir = os.path.join(ARGS.out, f"cs{i}")
        report = os.path.join(ARGS.out, f"cs{i}.json")
        wall, rss, code = timed(audit_cmd(out_dir), report)
        score = score_camsweep(report, hosts)
        res["camsweep"].append({"wall": wall, "rss": rss, "exit": code, **score})
        print(f"camsweep audit run {i}: {res['camsweep'][-1]}", file=sys.stderr)
    for i in range(ARGS.nmap_runs):
        x = os.path.join(ARGS.out, f"nmap{i}.xml")
        wall, rss, code = timed(["nmap", "-sV", "-n", "-e", IFACE, "-p", ports, "--open", "-oX", x, SUBNET])
        score = score_nmap(x, hosts)
        res["nmap"].append({"wall": wall, "rss": rss, "exit": code, **score})
        print(f"nmap -sV run {i}: {res['nmap'][-1]}", file=sys.stderr)
    res["expected_up"] = expected_up
    res["expected_surveillance"] = sum(1 for h in hosts if h["surveillance"])
    res["load"] = os.getloadavg()
    print(json.dumps(res))


def run_scale(hosts):
    res = []
    for i in range(ARGS.runs):
        out_dir = os.path.join(ARGS.out, f"{ARGS.label}-{i}")
        report = out_dir + ".json"
        wall, rss, code = timed(audit_cmd(out_dir), report)
        score = score_camsweep(report, hosts)
        res.append({"wall": wall, "rss": rss, "exit": code, **score})
        print(f"{ARGS.label} audit run {i}: {res[-1]}", file=sys.stderr)
    print(json.dumps({
        "label": ARGS.label,
        "subnet": SUBNET,
        "live": len(hosts),
        "surveillance": sum(1 for h in hosts if h["surveillance"]),
        "runs": res,
        "load": os.getloadavg(),
    }))


def fmt_s(x):
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def med(runs, key):
    return median([r[key] for r in runs])


def machine_line(load):
    return (f"{os.cpu_count()} cores {os.uname().machine}, load average at the end "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min; the CPU is shared)")


def table_nmap(res):
    cs, nm = res["camsweep"], res["nmap"]
    dc, dn = res["discovery"]["camsweep"], res["discovery"]["nmap"]
    want = res["expected_surveillance"]
    lines = [
        f"Lab: `camsweep lab --hosts store` — 198.18.0.0/24, {res['expected_up']} live hosts "
        f"({want} surveillance devices), the scanner on 198.18.0.2. "
        f"Ports: camsweep's default set ({len(res['ports'].split(','))} ports: {res['ports']}).",
        "",
        "| task | tool | runs | median wall time | peak RSS | result |",
        "|---|---|---|---|---|---|",
        f"| host discovery | `camsweep scan --hosts-only --interface lan0` | {len(dc)} | "
        f"**{fmt_s(med(dc, 'wall'))}** | {med(dc, 'rss') / 1024:.0f} MB | {med(dc, 'up'):.0f} of {res['expected_up']} hosts up |",
        f"| host discovery | `nmap -sn -n -e lan0` | {len(dn)} | {fmt_s(med(dn, 'wall'))} | "
        f"{med(dn, 'rss') / 1024:.0f} MB | {med(dn, 'up'):.0f} of {res['expected_up']} hosts up |",
        f"| audit (identify) | `camsweep audit --interface lan0` | {len(cs)} | **{fmt_s(med(cs, 'wall'))}** | "
        f"{med(cs, 'rss') / 1024:.0f} MB | {min(r['named'] for r in cs)}–{max(r['named'] for r in cs)} of {want} "
        f"surveillance devices named (vendor + type); {max(r['false_positives'] for r in cs)} ordinary hosts misnamed |",
    ]
    if nm:
        lines.append(
            f"| audit (identify) | `nmap -sV -n -e lan0 -p <same ports> --open` | {len(nm)} | {fmt_s(med(nm, 'wall'))} | "
            f"{med(nm, 'rss') / 1024:.0f} MB | {min(r['named'] for r in nm)}–{max(r['named'] for r in nm)} of {want} named "
            f"(vendor + camera/NVR/etc.); {med(nm, 'vendor_without_type'):.0f} more with the vendor only, "
            f"{med(nm, 'type_without_vendor'):.0f} with a type only; {max(r['false_positives'] for r in nm)} ordinary hosts called surveillance |")
        lines += [
            "",
            f"camsweep is **{med(nm, 'wall') / med(cs, 'wall'):.0f}× faster** than `nmap -sV` on the same ports "
            f"and **{med(dn, 'wall') / med(dc, 'wall'):.1f}×** faster at host discovery than `nmap -sn`.",
        ]
    lines += ["", f"Machine: {machine_line(res['load'])}."]
    return "\n".join(lines)


def table_scale(results):
    lines = [
        "| lab | live hosts | surveillance named | runs | median wall time | peak RSS (median) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        runs = r["runs"]
        lines.append(
            f"| `{r['label']}` ({r['subnet']}) | {r['live']} | {min(x['named'] for x in runs)}–{max(x['named'] for x in runs)} of {r['surveillance']} | "
            f"{len(runs)} | **{fmt_s(med(runs, 'wall'))}** | {med(runs, 'rss') / 1024:.0f} MB |")
    lines += ["", f"Machine: {machine_line(results[-1]['load'])}."]
    return "\n".join(lines)


def replace_section(doc, name, body):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = open(doc).read()
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(doc, "w") as f:
        f.write(text)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["nmap", "scale", "table-nmap", "table-scale"])
    p.add_argument("--result")
    p.add_argument("--doc")
    p.add_argument("--hosts")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--nmap-runs", type=int, default=3)
    p.add_argument("--label", default="")
    p.add_argument("--out")
    ARGS = p.parse_args()
    if ARGS.what.startswith("table-"):
        with open(ARGS.result) as f:
            results = [json.loads(line) for line in f if line.strip()]
        name = ARGS.what[len("table-"):]
        body = table_nmap(results[0]) if name == "nmap" else table_scale(results)
        print(body)
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        if ARGS.doc:
            replace_section(ARGS.doc, f"bench-{name}", f"Measured {stamp}.\n\n{body}")
        return
    hosts = load_hosts(ARGS.hosts)
    if ARGS.what == "nmap":
        run_nmap(hosts)
    else:
        run_scale(hosts)


if __name__ == "__main__":
    main()
