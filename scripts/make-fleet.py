#!/usr/bin/env python3
"""Writes N shop reports for `camsweep fleet` tests and benchmarks: OUT/shop-00001/report.json ...

SYNTHETIC: every report is the demo's report (reports/example/report.json) with its site varied:
shop name, Chinese address (province and city, from a fixed list), scan date, a subset of the
demo's devices (kept with their own findings, ports and cloud contacts), and some devices'
vendor/upload provider swapped for another real vendor/provider the demo report already shows.
No real shop is described. Each report stays valid against reports/report.schema.json (only
values of existing fields change; the subset keeps findings consistent with the devices kept).

Usage: scripts/make-fleet.py --shops 10000 --out DIR [--seed 1] [--duplicates K] [--chain NAME]
  --duplicates K additionally writes K copies of earlier reports (same bytes) as dup-*/report.json.
  --chain NAME   one chain's shops (the Kohler pattern, 222 shops in the 2021 case): every shop is
                 NAME's, and every shop keeps the demo's customer-flow camera that uploads faces to
                 its vendor's cloud (people counters uploading, unchanged); other devices vary.
"""
import argparse
import copy
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLACES = [
    ("浙江省", "杭州市"), ("浙江省", "宁波市"), ("江苏省", "南京市"), ("江苏省", "苏州市"),
    ("广东省", "广州市"), ("广东省", "深圳市"), ("四川省", "成都市"), ("湖北省", "武汉市"),
    ("山东省", "青岛市"), ("福建省", "厦门市"), ("河南省", "郑州市"), ("陕西省", "西安市"),
    ("广西壮族自治区", "南宁市"), ("上海市", None), ("北京市", None), ("重庆市", None),
]
BRANDS = ["示例服装", "示例超市", "示例家居", "示例电器"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shops", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duplicates", type=int, default=0)
    ap.add_argument("--chain", default=None)
    ap.add_argument("--source", default=os.path.join(ROOT, "reports", "example", "report.json"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(args.source, encoding="utf-8") as f:
        base = json.load(f)
    devices = base["devices"]
    vendors = sorted({d["identity"]["vendor"] for d in devices if d["identity"]["vendor"]})
    # The Kohler pattern: a people counter uploading to its vendor's cloud, kept in every shop.
    pattern = {
        k for k, d in enumerate(devices)
        if d["identity"].get("device_type") == "people_counter"
        and any(c.get("upload") for c in d.get("cloud_contacts") or [])
    }
    if args.chain and not pattern:
        sys.exit(f"{args.source} has no people counter uploading to a cloud: no chain pattern to repeat")
    os.makedirs(args.out, exist_ok=True)
    written = []
    for i in range(1, args.shops + 1):
        report = copy.copy(base)
        province, city = rng.choice(PLACES)
        place = province + (city or "")
        brand = args.chain or rng.choice(BRANDS)
        site = dict(base["site"])
        site["name"] = f"{brand}{(city or province)[:-1]}{i:05d}店（模拟） / Example shop {i:05d} (simulated)"
        site["address"] = f"{place}示例路 {rng.randint(1, 999)} 号（模拟地址）"
        report["site"] = site
        # A subset of the demo's devices (at least 5), each kept with everything that refers to it.
        keep = sorted(rng.sample(range(len(devices)), rng.randint(5, len(devices))))
        if args.chain:
            keep = sorted(set(keep) | pattern)
        kept = []
        for k in keep:
            d = devices[k]
            if rng.random() < 0.2 and d["identity"]["vendor"] and not (args.chain and k in pattern):
                d = copy.deepcopy(d)
                d["identity"]["vendor"] = rng.choice(vendors)
            kept.append(d)
        ids = {d["id"] for d in kept}
        report["devices"] = kept
        report["findings"] = [f for f in base["findings"] if f["device"] is None or f["device"] in ids]
        scan = dict(base["scan"])
        day = rng.randint(1, 28)
        month = rng.choice([10, 11, 12])
        scan["started_at"] = f"2026-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
        scan["finished_at"] = scan["started_at"]
        report["scan"] = scan
        folder = os.path.join(args.out, f"shop-{i:05d}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "report.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False)
            f.write("\n")
        written.append(path)
    for j in range(args.duplicates):
        src = rng.choice(written)
        folder = os.path.join(args.out, f"dup-{j:05d}")
        os.makedirs(folder, exist_ok=True)
        with open(src, "rb") as f, open(os.path.join(folder, "report.json"), "wb") as g:
            g.write(f.read())
    print(f"wrote {args.shops} reports (+{args.duplicates} duplicates) under {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
