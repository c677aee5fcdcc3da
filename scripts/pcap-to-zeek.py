#!/usr/bin/env python3
"""Writes Zeek's conn.log, dns.log, ssl.log and http.log for a capture, from tshark's fields, in
Zeek's documented layouts: the TSV form (LogAscii) into OUT/tsv/ and the JSON-lines form
(LogAscii::use_json=T) into OUT/json/. Zeek itself is not packaged here; this stands in for a
site sensor running it, so `camsweep analyze --zeek` can be checked against `camsweep analyze`
of the same capture (tests/integration/zeek_logs.rs).

What it does as Zeek does: a connection is a 5-tuple until TCP closes (FIN both ways or RST) or
it is idle longer than Zeek's inactivity timeouts (TCP 5 min, UDP and ICMP 1 min); its
originator is the sender of the first packet (of the SYN for TCP; the receiver when the first
packet is a SYN-ACK, or when it goes from a port below 1024 to one at or above it, as Zeek's
likely_server_ports flips such connections); ICMP's ports are its type and code; bytes are
payload bytes (orig_bytes) and IP bytes (orig_ip_bytes); link addresses are logged as Zeek's
mac-logging policy does (orig_l2_addr, resp_l2_addr). dns.log has one entry per answered query
(answers: CNAME targets then addresses), ssl.log one per ClientHello with its server_name,
http.log one per request with its Host.
Usage: pcap-to-zeek.py CAPTURE OUT_DIR"""
import json, os, re, subprocess, sys

FIELDS = ["frame.time_epoch", "eth.src", "eth.dst", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "ip.proto", "ipv6.nxt", "ip.len", "ipv6.plen", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport", "tcp.len", "udp.length", "tcp.flags.syn", "tcp.flags.ack",
          "tcp.flags.fin", "tcp.flags.reset", "icmp.type", "icmp.code", "dns.flags.response",
          "dns.id", "dns.qry.name", "dns.qry.type", "dns.flags.rcode", "dns.cname", "dns.a",
          "dns.aaaa", "dns.resp.ttl", "tls.handshake.type", "tls.handshake.extensions_server_name",
          "http.request.method", "http.host", "http.request.uri", "ip.flags.mf", "ip.frag_offset"]
TIMEOUT = {"tcp": 300_000_000, "udp": 60_000_000, "icmp": 60_000_000}  # µs

class Time(int):
    """A time or interval in µs, written as seconds with six decimals, as Zeek writes them."""
    def text(self):
        return f"{self // 1_000_000}.{self % 1_000_000:06d}"

def tshark_rows(capture):
    args = ["tshark", "-r", capture, "-n", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
            "-E", "aggregator=|"]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        yield dict(zip(FIELDS, line.split("\t")))

def first(value):
    return value.split("|")[0] if value else ""

def uid(n):
    # Zeek's uids are "C" and 17 base62 characters; these are stable across runs.
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(17):
        n, r = divmod(n * 2654435761 + 12345, 62)
        out += alphabet[r]
    return "C" + out

def main(capture, out_dir):
    conns, live, order = [], {}, 0
    dns, ssl, http = [], [], []
    queries = {}
    for r in tshark_rows(capture):
        src, dst = first(r["ip.src"]) or first(r["ipv6.src"]), first(r["ip.dst"]) or first(r["ipv6.dst"])
        if not src:
            continue  # not IP: Zeek's conn.log has no entry either
        whole, _, frac = r["frame.time_epoch"].partition(".")
        ts = int(whole) * 1_000_000 + int((frac + "000000")[:6])  # µs, exactly
        number = int(first(r["ip.proto"]) or first(r["ipv6.nxt"]) or 0)
        proto = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp"}.get(number)
        if proto is None:
            continue
        if r["ip.len"]:
            ip_bytes = int(first(r["ip.len"]))
        else:
            ip_bytes = int(first(r["ipv6.plen"])) + 40
        if proto == "icmp":
            sport, dport = int(first(r["icmp.type"]) or 0), int(first(r["icmp.code"]) or 0)
            payload = max(ip_bytes - 28, 0)
        elif proto == "tcp":
            sport, dport = int(first(r["tcp.srcport"])), int(first(r["tcp.dstport"]))
            payload = int(first(r["tcp.len"]) or 0)
        else:
            if first(r["ip.frag_offset"]) not in ("", "0"):
                continue  # a later fragment: Zeek counts the reassembled datagram
            sport, dport = int(first(r["udp.srcport"])), int(first(r["udp.dstport"]))
            payload = int(first(r["udp.length"]) or 8) - 8
        key = (proto,) + tuple(sorted([(src, sport), (dst, dport)]))
        c = live.get(key)
        syn, ack = first(r["tcp.flags.syn"]) in ("1", "True"), first(r["tcp.flags.ack"]) in ("1", "True")
        fin, rst = first(r["tcp.flags.fin"]) in ("1", "True"), first(r["tcp.flags.reset"]) in ("1", "True")
        if c is not None and ts - c["last"] > TIMEOUT[proto]:
            c = None
        # A closed TCP connection takes its last ACKs for Zeek's tcp_close_delay (5 s); a new SYN
        # or a later packet starts another.
        if c is not None and c.get("closed") is not None and (syn and not ack or ts - c["closed"] > 5_000_000):
            c = None
        if c is None:
            flipped = (proto == "tcp" and syn and ack) or (not (proto == "tcp" and syn) and sport < 1024 <= dport)
            orig, resp = ((dst, dport), (src, sport)) if flipped else ((src, sport), (dst, dport))
            order += 1
            c = {"uid": uid(order), "ts": ts, "last": ts, "proto": proto, "orig": orig, "resp": resp,
                 "bytes": [0, 0], "ip_bytes": [0, 0], "pkts": [0, 0], "l2": [None, None],
                 "fins": [False, False], "rst": False, "syn": False, "service": set()}
            live[key] = c
            conns.append(c)
        d = 0 if (src, sport) == c["orig"] else 1
        c["last"] = max(c["last"], ts)
        c["bytes"][d] += payload
        c["ip_bytes"][d] += ip_bytes
        c["pkts"][d] += 1
        c["l2"][d] = c["l2"][d] or first(r["eth.src"]) or None
        c["l2"][1 - d] = c["l2"][1 - d] or first(r["eth.dst"]) or None
        if proto == "tcp":
            c["syn"] |= syn and not ack
            c["fins"][d] |= fin
            c["rst"] |= rst
            if (rst or all(c["fins"])) and c.get("closed") is None:
                c["closed"] = ts
        conn_id = {"id.orig_h": c["orig"][0], "id.orig_p": c["orig"][1],
                   "id.resp_h": c["resp"][0], "id.resp_p": c["resp"][1]}
        if r["dns.qry.name"] and proto in ("udp", "tcp"):
            c["service"].add("dns")
            tid = first(r["dns.id"])
            if first(r["dns.flags.response"]) in ("0", "False"):
                queries[(c["uid"], tid)] = ts
            else:
                answers = [a for a in r["dns.cname"].split("|") if a]
                answers += [a for a in (r["dns.a"] + "|" + r["dns.aaaa"]).split("|") if a]
                asked = queries.pop((c["uid"], tid), None)
                qtype = int(first(r["dns.qry.type"]) or 1)
                dns.append(dict(ts=Time(asked if asked is not None else ts), uid=c["uid"], **conn_id,
                                proto=proto, trans_id=int(tid, 0) if tid else 0,
                                rtt=Time(ts - asked) if asked is not None else None,
                                query=first(r["dns.qry.name"]), qclass=1, qclass_name="C_INTERNET",
                                qtype=qtype, qtype_name={1: "A", 28: "AAAA", 5: "CNAME"}.get(qtype, str(qtype)),
                                rcode=int(first(r["dns.flags.rcode"]) or 0),
                                rcode_name="NOERROR" if int(first(r["dns.flags.rcode"]) or 0) == 0 else "NXDOMAIN",
                                AA=False, TC=False, RD=True, RA=True, Z=0, answers=answers,
                                TTLs=[Time(int(t) * 1_000_000) for t in r["dns.resp.ttl"].split("|") if t], rejected=False))
        if "1" in r["tls.handshake.type"].split("|") and d == 0:
            c["service"].add("ssl")
            sni = first(r["tls.handshake.extensions_server_name"])
            ssl.append(dict(ts=Time(ts), uid=c["uid"], **conn_id, version=None, cipher=None, curve=None,
                            server_name=sni or None, resumed=False, last_alert=None,
                            next_protocol=None, established=False))
        if r["http.request.method"] and d == 0:
            c["service"].add("http")
            http.append(dict(ts=Time(ts), uid=c["uid"], **conn_id, trans_depth=1,
                             method=first(r["http.request.method"]), host=first(r["http.host"]) or None,
                             uri=first(r["http.request.uri"]) or None, version="1.1",
                             user_agent=None, request_body_len=0, response_body_len=0,
                             status_code=None, status_msg=None))
    conn_rows = []
    for c in conns:
        state = ("RSTO" if c["rst"] else "SF" if all(c["fins"]) else "S0" if c["syn"] and not c["pkts"][1]
                 else "OTH") if c["proto"] == "tcp" else ("SF" if c["pkts"][1] else "S0")
        conn_rows.append(dict(ts=Time(c["ts"]), uid=c["uid"], **{"id.orig_h": c["orig"][0], "id.orig_p": c["orig"][1],
                              "id.resp_h": c["resp"][0], "id.resp_p": c["resp"][1]},
                              proto=c["proto"], service=",".join(sorted(c["service"])) or None,
                              duration=Time(c["last"] - c["ts"]) if c["last"] > c["ts"] else None,
                              orig_bytes=c["bytes"][0], resp_bytes=c["bytes"][1], conn_state=state,
                              local_orig=None, local_resp=None, missed_bytes=0, history=None,
                              orig_pkts=c["pkts"][0], orig_ip_bytes=c["ip_bytes"][0],
                              resp_pkts=c["pkts"][1], resp_ip_bytes=c["ip_bytes"][1], tunnel_parents=[],
                              orig_l2_addr=c["l2"][0], resp_l2_addr=c["l2"][1]))
    logs = {"conn": conn_rows, "dns": dns, "ssl": ssl, "http": http}
    types = {"ts": "time", "uid": "string", "id.orig_h": "addr", "id.orig_p": "port", "id.resp_h": "addr",
             "id.resp_p": "port", "proto": "enum", "duration": "interval", "rtt": "interval",
             "answers": "vector[string]", "TTLs": "vector[interval]", "tunnel_parents": "set[string]"}
    counts = {"orig_bytes", "resp_bytes", "missed_bytes", "orig_pkts", "orig_ip_bytes", "resp_pkts",
              "resp_ip_bytes", "trans_id", "qclass", "qtype", "rcode", "Z", "trans_depth",
              "request_body_len", "response_body_len", "status_code"}
    for form in ("tsv", "json"):
        os.makedirs(os.path.join(out_dir, form), exist_ok=True)
    for name, rows in logs.items():
        fields = list(rows[0].keys()) if rows else list(conn_rows[0].keys())
        with open(os.path.join(out_dir, "json", name + ".log"), "w") as f:
            for row in rows:
                f.write(to_json(row) + "\n")
        with open(os.path.join(out_dir, "tsv", name + ".log"), "w") as f:
            f.write("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n")
            f.write(f"#path\t{name}\n#open\t2025-12-06-00-00-00\n")
            f.write("#fields\t" + "\t".join(fields) + "\n")
            f.write("#types\t" + "\t".join(types.get(k, "count" if k in counts else
                                                    "bool" if k in ("AA", "TC", "RD", "RA", "rejected", "resumed", "established") else "string")
                                           for k in fields) + "\n")
            for row in rows:
                f.write("\t".join(tsv(row.get(k)) for k in fields) + "\n")
            f.write("#close\t2025-12-06-00-00-00\n")

def tsv(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, Time):
        return value.text()
    if isinstance(value, list):
        return ",".join(tsv(v) for v in value) if value else "(empty)"
    text = str(value)
    return text.replace("\\", "\\x5c").replace("\t", "\\x09").replace(",", "\\x2c") if text else "(empty)"

def to_json(row):
    """One JSON line as LogAscii::use_json writes it: unset fields left out, times as numbers
    with six decimals."""
    def mark(v):
        if isinstance(v, Time):
            return "\0T" + v.text()
        if isinstance(v, list):
            return [mark(x) for x in v]
        return v
    line = json.dumps({k: mark(v) for k, v in row.items() if v is not None and v != []},
                      separators=(",", ":"))
    return re.sub(r'"\\u0000T([0-9.]+)"', r"\1", line)

main(sys.argv[1], sys.argv[2])
