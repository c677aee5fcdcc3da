#!/usr/bin/env python3
"""Write the "used for signatures" half of the evaluation corpus from the public facts the
signatures were written from, so the whole-corpus figure has a known-circular part to compare
the evaluation-only part against.

Usage: scripts/eval-corpus-from-signature-sources.py [SHARED_DATA_DIR] [OUT_DIR]
       (defaults: /work/shared/data  tests/fixtures/regression)

Writes OUT_DIR/sig-fingerprints-public.toml (cameras, recorders, access control from
shared/data/fingerprints-public.tsv: one device per row whose string a camsweep probe collects)
and OUT_DIR/sig-recog-decoys.toml (printers, routers, NAS, TVs, phones … from Recog's own
<example>s). Python 3 standard library only. Every string is quoted from its source verbatim.
"""

import os
import re
import sys
import xml.etree.ElementTree as ET

# fingerprints-public.tsv "protocol" / kind -> camsweep evidence source; rows of other kinds
# (SIP, SNMP, nmap match patterns, probe payloads) are not strings a camsweep probe collects.
KIND_SOURCES = [
    (re.compile(r"^DHCP vendor class"), "dhcp.vendor_class"),
    (re.compile(r"^(FTP banner|telnet banner)"), "tcp.banner"),
    (re.compile(r"^HTTP WWW-Authenticate"), "http.www_authenticate"),
    (re.compile(r"^TLS cert subject"), "tls.subject"),
    (re.compile(r"^(favicon MD5|nmap http-favicon MD5)"), "http.favicon_md5"),
    (re.compile(r"^favicon mmh3"), "http.favicon_mmh3"),
    (re.compile(r"^mDNS PTR service"), "mdns.service"),
]
PROTOCOL_SOURCES = {"http_server": "http.server", "http_title": "http.title", "rtsp_server": "rtsp.server", "upnp": "http.server"}
TYPES = {"camera": "camera", "nvr": "nvr", "access": "access_control"}
# Rows whose example is an nmap or nuclei match pattern rather than a string a device sent.
NOT_A_STRING = re.compile(r"^nmap:|regex|matches|substring|dsl", re.I)
GENERIC_VENDOR = re.compile(r"^(generic|various|unknown|multiple|oem|-)", re.I)
VENDOR_ALIASES = {
    "axis": "Axis", "hikvision": "Hikvision", "dahua": "Dahua", "hanwha techwin": "Hanwha Vision",
    "hanwha": "Hanwha Vision", "samsung techwin": "Hanwha Vision", "xiongmai": "Xiongmai",
    "xiongmai technology": "Xiongmai", "samsung": "Hanwha Vision",
    "shenzhen reecam tech. ltd.": "Reecam", "interlogix truvision": "Interlogix", "2n telekomunikace": "2N", "teledyne flir": "FLIR",
}

# Recog decoys: hw.device values that are plainly not surveillance gear, one example each,
# at most PER_CLASS per device class so one class does not swamp the rest.
DECOY_DEVICES = {"Printer", "Multifunction Device", "Print Server", "Router", "Broadband Router", "WAP",
                 "NAS", "Storage", "Smart TV", "Media Server", "Media Player", "Mobile Phone", "Tablet",
                 "Laptop", "Desktop", "VoIP", "Light Bulb", "UPS", "Network Audio", "DSL Modem", "Cable Modem"}
RECOG_FILES = {"http_servers.xml": "http.server", "html_title.xml": "http.title",
               "http_wwwauth.xml": "http.www_authenticate", "dhcp_vendor_class.xml": "dhcp.vendor_class",
               "mdns_device-info_txt.xml": "mdns.txt"}
PER_CLASS = 3


def toml_str(s):
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def device_block(name, source, klass, vendor, dtype, evidence):
    lines = ["[[device]]", "name = %s" % toml_str(name), "source = %s" % toml_str(source), "class = %s" % toml_str(klass)]
    if vendor:
        lines.append("vendor = %s" % toml_str(vendor))
    if dtype:
        lines.append("type = %s" % toml_str(dtype))
    lines.append("evidence = { %s }" % ", ".join("%s = %s" % (toml_str(k), toml_str(v)) for k, v in evidence))
    return "\n".join(lines) + "\n"


def unescape_tsv(s):
    return s.replace("\\r", "\r").replace("\\n", "\n")


def from_tsv(path):
    blocks = []
    with open(path, encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh][1:]
    for repo, rpath, proto, example, vendor, kind, typ in rows:
        source = PROTOCOL_SOURCES.get(proto)
        if proto == "other":
            source = next((s for rx, s in KIND_SOURCES if rx.search(kind)), None)
        if not source or typ not in TYPES or NOT_A_STRING.search(kind):
            continue
        vendor = re.sub(r"\s*\(.*\)$", "", vendor).split("/")[0].strip()
        v = None if GENERIC_VENDOR.search(vendor) else VENDOR_ALIASES.get(vendor.lower(), vendor)
        blocks.append(device_block(kind, "%s %s" % (repo, rpath), "surveillance", v, TYPES[typ],
                                   [(source, unescape_tsv(example))]))
    return blocks


def from_recog(recog_dir):
    blocks = []
    per_class = {}
    for fname, source in sorted(RECOG_FILES.items()):
        text = open(os.path.join(recog_dir, fname), encoding="utf-8").read()
        blanked = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
        lines = [blanked.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<fingerprint\b", blanked)]
        for fp, line in zip(ET.fromstring(text.encode()).findall("fingerprint"), lines):
            params = {p.get("name"): p.get("value", "") for p in fp.findall("param") if p.get("pos") == "0"}
            device = params.get("hw.device") or params.get("os.device") or ""
            if device not in DECOY_DEVICES or per_class.get(device, 0) >= PER_CLASS:
                continue
            ex = next((e for e in fp.findall("example") if not e.get("_encoding") and not e.get("_filename") and e.text), None)
            if ex is None:
                continue
            per_class[device] = per_class.get(device, 0) + 1
            desc = " ".join((fp.findtext("description") or "").split())
            blocks.append(device_block("%s (%s)" % (desc, device), "rapid7/recog xml/%s#L%d" % (fname, line), "other", None, None,
                                       [(source, ex.text)]))
    return blocks


HEADER = """# GENERATED by scripts/eval-corpus-from-signature-sources.py: do not edit by hand.
# %s
# These strings are the ones camsweep's signatures were written from: a hit here proves only
# that the signature exists. The evaluation-only files (eval-*.toml) are the honest measure.
source = %s
used_for_signatures = true

"""


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "regression")
    os.makedirs(out, exist_ok=True)
    tsv = from_tsv(os.path.join(data, "fingerprints-public.tsv"))
    with open(os.path.join(out, "sig-fingerprints-public.toml"), "w", encoding="utf-8") as fh:
        fh.write(HEADER % ("Surveillance devices from shared/data/fingerprints-public.tsv (Recog, nuclei, nmap …).",
                           toml_str("shared/data/fingerprints-public.tsv (rows cite their repository and path)")))
        fh.write("\n".join(tsv))
    recog = from_recog(os.path.join(data, "recog"))
    with open(os.path.join(out, "sig-recog-decoys.toml"), "w", encoding="utf-8") as fh:
        fh.write(HEADER % ("Non-surveillance devices from Rapid7 Recog's examples (BSD-2-Clause, see signatures/devices/RECOG-LICENSE).",
                           toml_str("rapid7/recog xml/*.xml <example>s")))
        fh.write("\n".join(recog))
    print("sig-fingerprints-public.toml: %d devices; sig-recog-decoys.toml: %d devices" % (len(tsv), len(recog)))


if __name__ == "__main__":
    main()
