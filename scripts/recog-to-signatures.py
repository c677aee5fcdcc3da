#!/usr/bin/env python3
"""Convert Rapid7 Recog fingerprints that name devices into camsweep signature files.

Usage: scripts/recog-to-signatures.py [RECOG_XML_DIR] [OUT_DIR]
       (defaults: /work/shared/data/recog  signatures/devices)

Writes OUT_DIR/recog-surveillance-<recog file>.toml (cameras, recorders, access control, …) and
OUT_DIR/recog-other-<recog file>.toml (printers, routers, NAS, phones, TVs …: device_type "other", so decoys
are known as what they are), and prints what it skipped and why. Python 3 standard library only.

Recog (https://github.com/rapid7/recog) is BSD-2-Clause; its notice is kept in
signatures/devices/RECOG-LICENSE and in the header of every generated file.
"""

import base64
import collections
import os
import re
import sys
import xml.etree.ElementTree as ET

# Recog XML file -> (camsweep evidence sources, how the pattern is applied).
# Only sources camsweep's probes or discovery parsers emit (src/model/evidence.rs,
# src/discover/protocols.rs). Banners read by the raw banner probe arrive whole in `tcp.banner`
# (reply code, CR LF and all), so those patterns are applied per line with the code optional.
FILE_MAP = {
    "http_servers.xml": (["http.server"], "plain"),
    "html_title.xml": (["http.title"], "plain"),
    "http_wwwauth.xml": (["http.www_authenticate"], "plain"),
    "rtsp_servers.xml": (["rtsp.server"], "plain"),
    "ftp_banners.xml": (["tcp.banner"], "ftp"),
    "telnet_banners.xml": (["tcp.banner"], "lines"),
    "ssh_banners.xml": (["tcp.banner"], "ssh"),
    "x509_subjects.xml": (["tls.subject"], "rdn"),
    "x509_issuers.xml": (["tls.issuer"], "rdn"),
    "favicons.xml": (["http.favicon_md5"], "plain"),
    "dhcp_vendor_class.xml": (["dhcp.vendor_class"], "plain"),
    "mdns_device-info_txt.xml": (["mdns.txt"], "plain"),
}

# Why the other Recog files are not converted (printed in the summary).
SKIPPED_FILES = {
    "snmp_sysdescr.xml": "no SNMP probe in camsweep (sysDescr is never collected)",
    "snmp_sysobjid.xml": "no SNMP probe",
    "http_cookies.xml": "cookies are not kept as evidence",
    "http_xpoweredby.xml": "X-Powered-By names web frameworks, not devices",
    "hp_pjl_id.xml": "no PJL probe",
    "tls_jarm.xml": "no JARM probe",
}

WEIGHT = {"plain": 0.6, "ftp": 0.55, "lines": 0.55, "ssh": 0.45, "rdn": 0.7}
WEIGHT_BY_SOURCE = {"http.favicon_md5": 0.7, "dhcp.vendor_class": 0.7}

# Recog hw.device / os.device values -> camsweep device_type.
SURVEILLANCE_DEVICES = {
    "ip camera": "camera",
    "web cam": "camera",
    "webcam": "camera",
    "camera": "camera",
    "dvr": "nvr",
    "nvr": "nvr",
    "cloud network video recorder": "nvr",
    "network video recorder": "nvr",
    "access control": "access_control",
    "doorbell": "doorbell",
    "intercom": "doorbell",
}
OTHER_DEVICES = {
    "printer", "multifunction device", "print server", "scanner", "router", "broadband router",
    "wap", "wireless controller", "switch", "firewall", "hub", "dsl modem", "adsl modem",
    "cable modem", "docsis cable modem", "nas", "storage", "storage appliance", "tape library",
    "smart tv", "media server", "media player", "media receiver", "av receiver", "network audio",
    "mobile phone", "tablet", "laptop", "desktop", "thin client", "voip", "voip gateway",
    "ip phone", "light bulb", "ups", "power device", "power meter", "lights out management",
    "kvm", "game console", "wireless presenter", "video conferencing", "alarm panel", "iptv",
    "set-top box", "vpn", "web proxy", "hypervisor", "point of sale", "whiteboard",
    "display controller", "sip gateway", "voip server", "telecom", "ethernet adapter",
    "device server", "relay controller", "power relay", "plc", "hmi controller",
}
# Words in a description or product that mark a surveillance device Recog types vaguely
# ("Device", "Video Encoder", none at all).
SURVEILLANCE_WORDS = [
    (re.compile(r"\b(door ?bells?)\b", re.I), "doorbell"),
    (re.compile(r"\b(face|facial)\b", re.I), "face_terminal"),
    # Door stations and intercoms are doorbells, as the surveillance vocabulary types them.
    (re.compile(r"\b(door stations?|intercoms?)\b", re.I), "doorbell"),
    (re.compile(r"\b(access control)\b", re.I), "access_control"),
    (re.compile(r"\b(dvr|nvr|xvr|hvr|video recorder)\b", re.I), "nvr"),
    (re.compile(r"\b(ip ?cam(era)?|net ?cam|web ?cam|network camera|camera|surveillance|cctv|video server)\b", re.I), "camera"),
]
NOT_SURVEILLANCE_DESC = re.compile(r"\b(conferenc|telepresence|video ?phone|codec)\w*", re.I)
# "DVR" in Recog also means a television recorder: those are home media, not surveillance.
TV_RECORDER = re.compile(r"\b(tivo|opentv|set-?top|satellite|cable box)\b", re.I)
# Recog's maker names -> the short vendor names camsweep's signatures and MAC table use.
VENDOR_ALIASES = {
    "xiongmai technology": "Xiongmai",
    "hanwha techwin": "Hanwha Vision",
    "2n telekomunikace": "2N",
    "shenzhen reecam tech. ltd.": "Reecam",
    "teledyne flir": "FLIR",
    "hewlett-packard": "HP",
    "hewlett packard": "HP",
}

PARAM_VENDOR = ("hw.vendor", "os.vendor", "service.vendor")
PARAM_MODEL = ("hw.product", "hw.model")
PARAM_FIRMWARE = ("hw.version", "os.version", "hw.firmware")


def toml_str(s):
    """A TOML basic string."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def escape_banner(data):
    """Same escaping as camsweep's banner probe (src/probe/banner.rs): control characters other
    than CR, LF, TAB and invalid UTF-8 bytes become \\xNN."""
    out = []
    i = 0
    while i < len(data):
        for end in range(min(len(data), i + 4), i, -1):
            try:
                ch = data[i:end].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1:
                break
        else:
            out.append("\\x%02x" % data[i])
            i += 1
            continue
        if (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) and ch not in "\r\n\t":
            out.extend("\\x%02x" % b for b in ch.encode("utf-8"))
        else:
            out.append(ch)
        i = end
    return "".join(out)


class Unconvertible(Exception):
    pass


UNSUPPORTED = [
    (re.compile(r"\(\?<?[=!]"), "lookaround"),
    (re.compile(r"\\[1-9]"), "backreference"),
    (re.compile(r"\(\?>"), "atomic group"),
    (re.compile(r"[*+?}]\+"), "possessive quantifier"),
    (re.compile(r"\\G"), "\\G anchor"),
    (re.compile(r"\\[kgR]"), "named backreference or subroutine"),
]


# Ruby's \w \d \s are ASCII-only; Rust's are Unicode (and far larger to compile): say ASCII.
OUTSIDE = {"w": "[[:word:]]", "d": "[0-9]", "s": "[[:space:]]", "W": "[^[:word:]]", "D": "[^0-9]", "S": "[^[:space:]]"}
INSIDE = {"w": "[:word:]", "d": "0-9", "s": "[:space:]"}


def ascii_classes(p):
    out = []
    i = 0
    in_class = False
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            e = p[i + 1]
            table = INSIDE if in_class else OUTSIDE
            out.append(table.get(e, c + e))
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            if p[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            if p[i + 1:i + 2] == "]":
                out.append("\\]")
                i += 1
        elif c == "]" and in_class:
            in_class = False
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def translate(pattern):
    """Ruby/PCRE regex -> Rust `regex` syntax, or raise Unconvertible(reason)."""
    for rx, why in UNSUPPORTED:
        if rx.search(pattern):
            raise Unconvertible(why)
    p = pattern
    p = p.replace("\\A", "^").replace("\\Z", "$").replace("\\z", "$")
    p = p.replace("\\h", "[0-9A-Fa-f]")
    p = p.replace("(?<", "(?P<")  # named groups (lookbehind already rejected)
    p = p.replace("(?P<=", "(?<=")
    # Huge bounded repeats blow the regex size limit and say nothing more than an open one.
    p = re.sub(r"\{(\d+),(\d+)\}", lambda m: "{%s,%s}" % (m.group(1), m.group(2)) if int(m.group(2)) <= 8 else "{%s,}" % m.group(1), p)
    p = re.sub(r"\{(\d+)\}", lambda m: m.group(0) if int(m.group(1)) <= 8 else "{%s,}" % m.group(1), p)
    # Ruby's (?m) is "dot matches newline"; Rust calls it (?s).
    p = re.sub(r"\(\?([a-z]*)m([a-z]*)\)", lambda m: "(?%ss%s)" % (m.group(1), m.group(2)), p)
    p = re.sub(r"\(\?([a-z]*)x([a-z]*)\)", lambda m: "(?%sx%s)" % (m.group(1), m.group(2)), p)
    try:
        # Python wants inline flags first; Rust takes them anywhere: drop them for this check.
        re.compile(re.sub(r"\(\?[a-zA-Z]+\)", "", p))
    except re.error as e:
        raise Unconvertible("does not compile (%s)" % e)
    return ascii_classes(p)


def apply_mode(p, mode, flags):
    """Adapt a value pattern to how camsweep stores the atom."""
    if "REG_DOT_NEWLINE" in flags or "REG_MULTILINE" in flags:
        p = "(?s)" + p
    if mode in ("ftp", "lines", "ssh"):
        # The banner probe writes control bytes and invalid UTF-8 as the text `\xNN`.
        def as_text(m):
            b = int(m.group(1), 16)
            if b in (0x09, 0x0A, 0x0D) or 0x20 <= b < 0x7F:
                return m.group(0)
            return "\\\\x%02x" % b
        p = re.sub(r"\\x([0-9a-fA-F]{2})", as_text, p)
    if mode == "ftp":
        body = p[1:] if p.startswith("^") else ".*?" + p
        return r"(?mR)^(?:\d{3}[ -])?" + body
    if mode == "ssh":
        body = p[1:] if p.startswith("^") else ".*?" + p
        return r"(?mR)^(?:SSH-[\d.]+-)?" + body
    if mode == "lines":
        return "(?mR)" + p
    return p


RDN_META = re.compile(r"(?<!\\)[\[\](){}*+?|^$.]")


def rdn_literals(pattern):
    """The literal `KEY=value` parts of a certificate-name pattern, unescaped."""
    p = pattern.strip("^$")
    parts = re.split(r"(?<!\\),", p)
    lits = []
    for part in parts:
        if not re.match(r"^[A-Za-z]{1,12}=", part):
            continue
        if RDN_META.search(part):
            continue
        lit = re.sub(r"\\(.)", r"\1", part)
        if len(lit.split("=", 1)[1]) >= 3:
            lits.append(lit)
    return lits


def device_of(params, description):
    """(class, device_type) for a fingerprint, or None when it names no device."""
    devices = [params.get("hw.device", ""), params.get("os.device", "")]
    text = " ".join([description, params.get("hw.product", ""), params.get("service.product", ""), params.get("os.product", "")])
    if TV_RECORDER.search(text + " " + params.get("hw.vendor", "")):
        return ("other", "other")
    # "DVR and IP Camera devices", "DVR and webcam servers": a server shared by both says only
    # "surveillance", so it gets the least specific type and model families refine it.
    says_camera = SURVEILLANCE_WORDS[5][0].search(text)
    says_recorder = SURVEILLANCE_WORDS[4][0].search(text)
    if says_camera and says_recorder:
        return ("surveillance", "camera")
    for d in devices:
        t = SURVEILLANCE_DEVICES.get(d.lower())
        if t:
            for rx, word_type in SURVEILLANCE_WORDS[:4]:
                if rx.search(text):
                    return ("surveillance", word_type)
            return ("surveillance", t)
    if NOT_SURVEILLANCE_DESC.search(text):
        if any(d.lower() in OTHER_DEVICES for d in devices):
            return ("other", "other")
        return None
    if any(d.lower() in ("video encoder", "device", "") for d in devices) or not any(devices):
        for rx, word_type in SURVEILLANCE_WORDS:
            if rx.search(text):
                return ("surveillance", word_type)
    for d in devices:
        if d.lower() in OTHER_DEVICES:
            return ("other", "other")
    return None


def canonical_vendors(out_dir):
    """Vendor names camsweep's hand-written signature files use, keyed by lower case."""
    names = {}
    for f in sorted(os.listdir(out_dir)):
        if not f.endswith(".toml") or f.startswith("recog-"):
            continue
        with open(os.path.join(out_dir, f), encoding="utf-8") as fh:
            for m in re.finditer(r'^vendor = "([^"]+)"', fh.read(), re.M):
                names.setdefault(m.group(1).lower(), m.group(1))
    return names


def line_index(text):
    """Map of fingerprint start offsets to 1-based line numbers."""
    # Commented-out fingerprints are not in the tree: blank comments, keeping their newlines.
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    lines = []
    for m in re.finditer(r"<fingerprint\b", text):
        lines.append(text.count("\n", 0, m.start()) + 1)
    return lines


def convert(recog_dir, out_dir):
    vendors = canonical_vendors(out_dir)
    out = {"surveillance": [], "other": []}
    skipped = collections.Counter()
    skipped_examples = collections.Counter()
    ids = set()
    for fname in sorted(os.listdir(recog_dir)):
        if not fname.endswith(".xml"):
            continue
        if fname not in FILE_MAP:
            continue
        sources, mode = FILE_MAP[fname]
        path = os.path.join(recog_dir, fname)
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        lines = line_index(text)
        root = ET.fromstring(text.encode("utf-8"))
        fps = root.findall("fingerprint")
        assert len(fps) == len(lines), fname
        for fp, line in zip(fps, lines):
            desc = " ".join((fp.findtext("description") or "").split())
            params = {}
            positional = {}
            for prm in fp.findall("param"):
                pos = int(prm.get("pos", "0"))
                name = prm.get("name")
                if pos == 0:
                    params[name] = prm.get("value", "")
                else:
                    positional[name] = pos
            kind = device_of(params, desc)
            if kind is None:
                skipped["names no device we classify"] += 1
                continue
            klass, dtype = kind
            pattern = fp.get("pattern")
            flags = fp.get("flags", "")
            examples = []
            for ex in fp.findall("example"):
                value = ex.text or ""
                if ex.get("_encoding") == "base64":
                    value = escape_banner(base64.b64decode(value))
                if ex.get("_filename"):
                    skipped_examples["example in a separate file"] += 1
                    continue
                examples.append((value, ex.attrib))
            if not examples:
                skipped["no inline example"] += 1
                continue
            clauses = []
            extract = {}
            try:
                if mode == "rdn":
                    lits = rdn_literals(pattern)
                    if not lits:
                        raise Unconvertible("certificate name without a literal attribute")
                    clauses = [{"contains": lit} for lit in lits]
                else:
                    rx = apply_mode(translate(pattern), mode, flags)
                    clauses = [{"regex": rx}]
                    if "REG_ICASE" not in flags:
                        clauses[0]["case_sensitive"] = True
                    for key, names in (("model", PARAM_MODEL), ("firmware", PARAM_FIRMWARE)):
                        for n in names:
                            if n in positional:
                                extract[key] = (rx, positional[n], n)
                                break
            except Unconvertible as e:
                skipped["regex: %s" % e] += 1
                continue
            vendor = next((params[v] for v in PARAM_VENDOR if params.get(v)), None)
            if vendor:
                vendor = VENDOR_ALIASES.get(vendor.lower(), vendor)
                vendor = vendors.get(vendor.lower(), vendor)
            stem = fname[:-4].replace("_", "-").lower()
            sid = "recog-%s-%d" % (stem, line)
            assert sid not in ids
            ids.add(sid)
            product = params.get("hw.product") or params.get("service.product") or ""
            out[klass].append({
                "id": sid,
                "recog_file": fname,
                "vendor": vendor,
                "description": desc + (" (Recog: %s)" % params.get("hw.device") if params.get("hw.device") else ""),
                "source": "rapid7/recog xml/%s#L%d (%s)" % (fname, line, desc),
                "weight": WEIGHT_BY_SOURCE.get(sources[0], WEIGHT[mode]),
                "device_type": dtype,
                "face": "no" if klass == "other" and dtype == "other" and params.get("hw.device", "").lower() not in ("laptop", "desktop", "tablet", "mobile phone", "hypervisor", "video conferencing", "thin client") else None,
                "sources": sources,
                "clauses": clauses,
                "extract": extract,
                "examples": examples,
                "product": product,
            })
    return out, skipped, skipped_examples


def render(entries, kind, notice):
    lines = [notice]
    lines.append("schema_version = 1")
    lines.append('source = "rapid7/recog xml/*.xml (BSD-2-Clause, see RECOG-LICENSE), converted by scripts/recog-to-signatures.py"')
    lines.append("")
    for e in entries:
        lines.append("[[signature]]")
        lines.append("id = %s" % toml_str(e["id"]))
        lines.append("vendor = %s" % toml_str(e["vendor"] or ""))
        lines.append("description = %s" % toml_str(e["description"]))
        lines.append("source = %s" % toml_str(e["source"]))
        lines.append("weight = %s" % e["weight"])
        lines.append("device_type = %s" % toml_str(e["device_type"]))
        if e["face"]:
            lines.append("face_recognition = %s" % toml_str(e["face"]))
        src = e["sources"]
        src_key = "source = %s" % toml_str(src[0]) if len(src) == 1 else "sources = [%s]" % ", ".join(map(toml_str, src))
        clauses = []
        for c in e["clauses"]:
            c = dict(c)
            cs = ", case_sensitive = true" if c.pop("case_sensitive", False) else ""
            (test, value), = c.items()
            clauses.append("  { %s, %s = %s%s }," % (src_key, test, toml_str(value), cs))
        lines.append("match = [")
        lines.extend(clauses)
        lines.append("]")
        if e["extract"]:
            parts = []
            for key, (rx, group, _) in e["extract"].items():
                parts.append("%s = { %s, regex = %s, group = %d }" % (key, src_key, toml_str(rx), group))
            lines.append("extract = { %s }" % ", ".join(parts))
        lines.append("example = [")
        for value, attrs in e["examples"]:
            items = ["%s = %s" % (toml_str(src[0]), toml_str(value))]
            for key, (_, _, param) in e["extract"].items():
                if attrs.get(param):
                    items.append('"expect.%s" = %s' % (key, toml_str(attrs[param])))
            lines.append("  { %s }," % ", ".join(items))
        lines.append("]")
        lines.append("")
    return "\n".join(lines)


NOTICE = """# GENERATED by scripts/recog-to-signatures.py from Rapid7 Recog (https://github.com/rapid7/recog,
# xml/ snapshot in /work/shared/data/recog). Do not edit by hand: edit the script and re-run it.
# Recog is Copyright (c) 2014, Rapid7, Inc., BSD-2-Clause; the full notice is in RECOG-LICENSE
# next to this file. Each signature's `source` names the Recog file, line and description.
# %s
"""


def main():
    recog_dir = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/recog"
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "signatures", "devices")
    out, skipped, skipped_examples = convert(recog_dir, out_dir)
    what = {
        "surveillance": "Cameras, recorders, access control, doorbells: fingerprints Recog types as such.",
        "other": 'Devices that are not surveillance gear (printers, routers, NAS, phones, TVs …): device_type "other".',
    }
    # One file per class and Recog file: small files keep loading fast (each signature's line
    # is found from the start of its file) and say where they came from.
    for old in os.listdir(out_dir):
        if old.startswith("recog-") and old.endswith(".toml"):
            os.remove(os.path.join(out_dir, old))
    for kind, entries in out.items():
        by_file = collections.defaultdict(list)
        for e in entries:
            by_file[e["recog_file"]].append(e)
        for recog_file, group in sorted(by_file.items()):
            name = "recog-%s-%s.toml" % (kind, recog_file[:-4].replace("_", "-").lower())
            with open(os.path.join(out_dir, name), "w", encoding="utf-8") as fh:
                fh.write(render(group, kind, NOTICE % what[kind]))
            print("%s: %d signatures" % (name, len(group)))
        print("%s: %d signatures in all" % (kind, len(entries)))
    print("skipped fingerprints:")
    for why, n in skipped.most_common():
        print("  %5d  %s" % (n, why))
    for why, n in skipped_examples.most_common():
        print("  %5d  examples: %s" % (n, why))
    print("files not converted:")
    for fname in sorted(os.listdir(recog_dir)):
        if fname.endswith(".xml") and fname not in FILE_MAP:
            print("  %s: %s" % (fname, SKIPPED_FILES.get(fname, "protocol camsweep does not probe (mail, database, DNS, SIP, SMB …)")))


if __name__ == "__main__":
    main()
