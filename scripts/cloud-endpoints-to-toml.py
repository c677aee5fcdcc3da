#!/usr/bin/env python3
"""Converts ../shared/data/cloud-endpoints.tsv into signatures/cloud/*.toml (one-off import;
entries are then maintained in the TOML files). Usage: cloud-endpoints-to-toml.py TSV OUTDIR"""
import re, sys, itertools

COUNTRY = [  # provider's home country, by a word of the provider column
    ("Hikvision", "CN"), ("Dahua", "CN"), ("Xiongmai", "CN"), ("Yi ", "CN"), ("Xiaomi", "CN"),
    ("Tuya", "CN"), ("Ovopark", "CN"), ("Opretail", "CN"), ("Baidu", "CN"), ("Tencent", "CN"),
    ("Alibaba", "CN"), ("Megvii", "CN"), ("Huawei", "CN"), ("Kingsoft", "CN"), ("Zmodo", "CN"),
    ("TP-Link", "CN"), ("Kalay", "TW"), ("ThroughTek", "TW"), ("D-Link", "TW"), ("Foscam", "CN"),
    ("Amazon", "US"), ("AWS", "US"), ("Ring", "US"), ("Blink", "US"), ("Arlo", "US"), ("Wyze", "US"),
    ("Google", "US"), ("Microsoft", "US"), ("Amcrest", "US"), ("iSmartAlarm", "US"), ("Microseven", "US"),
    ("Runtop", "TW"),
]

def expand(tok):
    m = re.search(r"\{([^}]*)\}", tok)
    if not m:
        return [tok]
    return [tok[:m.start()] + alt + tok[m.end():] for alt in m.group(1).split(",")]

def patterns(field):
    field = re.sub(r"\([^)]*\)", "", field)          # drop "(apiieu, apiius, ...)" notes
    field = field.replace("<bucket>", "*").replace("{productKey}.", "")
    out = []
    for part in re.split(r"\s*/\s*|\s*,\s*(?![^{]*\})", field):
        part = part.strip().split(":")[0].strip()
        if not part or "." not in part or " " in part:
            continue
        for p in expand(part):
            p = p.lower()
            if re.fullmatch(r"[a-z0-9*.\-_]+", p):
                out.append(p)
    # A device connects to "{productKey}.iot-as-mqtt…": the product-key prefix is a wildcard.
    out += ["*." + p for p in out if p.startswith("iot-as-mqtt.")]
    return sorted(set(out))

def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")][1:]
files = {}
for dom, prov, service, cat, source in rows:
    ranges = re.findall(r"\d+\.\d+\.\d+\.\d+/\d+", dom)
    doms = [] if ranges else patterns(dom)
    if not doms and not ranges:
        print("skipped:", dom, file=sys.stderr)
        continue
    country = next((c for w, c in COUNTRY if w in prov), None)
    face = "Ovopark" in prov or "Opretail" in prov
    name = {"face_api": "face-api", "object_storage": "object-storage", "generic_cloud": "generic-cloud"}.get(cat, "vendors")
    if ranges:
        name = "ranges"
    lines = ["[[endpoint]]"]
    if doms: lines.append("domains = [" + ", ".join(q(d) for d in doms) + "]")
    if ranges: lines.append("ranges = [" + ", ".join(q(r) for r in ranges) + "]")
    lines += [f"provider = {q(prov)}", f"service = {q(service)}", f"category = {q(cat)}"]
    if country: lines.append(f"country = {q(country)}")
    if face: lines.append("face_analytics = true")
    lines.append(f"source = {q(source)}")
    files.setdefault(name, []).append("\n".join(lines))
for name, entries in files.items():
    with open(f"{sys.argv[2]}/{name}.toml", "w", encoding="utf-8") as f:
        f.write(f"# Imported from cloud-endpoints.tsv by scripts/cloud-endpoints-to-toml.py; see signatures/cloud/README.md.\n\n")
        f.write("\n\n".join(entries) + "\n")
