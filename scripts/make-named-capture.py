#!/usr/bin/env python3
"""Writes tests/fixtures/pcaps/named_uploads.pcap: a small SYNTHETIC capture (built here, no real
device) with what the Yi camera capture lacks: DNS answers with a CNAME chain, TLS with an SNI,
an HTTP request with a Host header, complete TCP handshakes and closes, a UDP heartbeat, NTP and a
LAN RTSP session. It is the input of the Zeek-log agreement test (scripts/pcap-to-zeek.py).
Usage: make-named-capture.py OUT.pcap"""
import struct, sys

out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
T0 = 1_764_979_200_000_000  # 2025-12-06T00:00:00Z, in µs

def mac(ip):
    return bytes([2, 0] + list(ip))

def csum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16); s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def write(ts, src, dst, proto, sport, dport, payload=b"", flags=0x18, seq=1, ack=1):
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + payload
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    f = mac(dst) + mac(src) + b"\x08\x00" + ip + l4
    out.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(f), len(f)) + f)

def qname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"

def dns_query(tid, name):
    return struct.pack("!HHHHHH", tid, 0x0100, 1, 0, 0, 0) + qname(name) + b"\0\1\0\1"

def dns_answer(tid, name, cname, addrs):
    """An answer for NAME: a CNAME to CNAME (when given), then A records of the last name."""
    answers, count = b"", 0
    owner = b"\xc0\x0c"
    if cname:
        target = qname(cname)
        answers += owner + b"\0\5\0\1\0\0\0\x3c" + struct.pack("!H", len(target)) + target
        owner = struct.pack("!H", 0xC000 | (12 + len(qname(name)) + 4 + 12))
        count += 1
    for a in addrs:
        answers += owner + b"\0\1\0\1\0\0\0\x3c\0\4" + bytes(a)
        count += 1
    return struct.pack("!HHHHHH", tid, 0x8180, 1, count, 0, 0) + qname(name) + b"\0\1\0\1" + answers

def client_hello(sni):
    n = sni.encode()
    ext = struct.pack("!HHHBH", 0, len(n) + 5, len(n) + 3, 0, len(n)) + n
    body = b"\x03\x03" + bytes(32) + b"\0" + b"\0\x02\x13\x01" + b"\x01\0" + struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs

def tcp_session(ts, cli, cport, srv, sport, first, upload, chunk=1460, gap=2_000, reply=b""):
    """SYN, SYN-ACK, ACK, the client's FIRST bytes, UPLOAD bytes in CHUNK segments GAP µs apart
    (an ACK back every 4), the server's REPLY, then FIN both ways."""
    cseq, sseq = 1000, 5000
    write(ts, cli, srv, 6, cport, sport, flags=0x02, seq=cseq, ack=0); ts += 1000
    write(ts, srv, cli, 6, sport, cport, flags=0x12, seq=sseq, ack=cseq + 1); ts += 1000
    cseq += 1; sseq += 1
    write(ts, cli, srv, 6, cport, sport, flags=0x10, seq=cseq, ack=sseq); ts += 1000
    write(ts, cli, srv, 6, cport, sport, first, seq=cseq, ack=sseq); cseq += len(first); ts += 1000
    sent, n = 0, 0
    while sent < upload:
        size = min(chunk, upload - sent)
        write(ts, cli, srv, 6, cport, sport, bytes(size), seq=cseq, ack=sseq)
        cseq += size; sent += size; n += 1; ts += gap
        if n % 4 == 0:
            write(ts, srv, cli, 6, sport, cport, flags=0x10, seq=sseq, ack=cseq); ts += 100
    if reply:
        write(ts, srv, cli, 6, sport, cport, reply, seq=sseq, ack=cseq); sseq += len(reply); ts += 1000
    write(ts, cli, srv, 6, cport, sport, flags=0x11, seq=cseq, ack=sseq); ts += 1000
    write(ts, srv, cli, 6, sport, cport, flags=0x11, seq=sseq, ack=cseq + 1); ts += 1000
    write(ts, cli, srv, 6, cport, sport, flags=0x10, seq=cseq + 1, ack=sseq + 1); ts += 1000
    return ts

router, cam, cam2, nvr, other = [192, 168, 1, 1], [192, 168, 1, 20], [192, 168, 1, 21], [192, 168, 1, 50], [192, 168, 1, 99]
oss, oss2, api, ntp, p2p = [203, 0, 113, 10], [203, 0, 113, 11], [203, 0, 113, 20], [203, 0, 113, 123], [203, 0, 113, 30]
ts = T0
# The camera resolves its picture store (a CNAME to the storage edge, two addresses).
write(ts, cam, router, 17, 33000, 53, dns_query(0x1111, "pics.oss-cn-hangzhou.aliyuncs.com")); ts += 5_000
write(ts, router, cam, 17, 53, 33000, dns_answer(0x1111, "pics.oss-cn-hangzhou.aliyuncs.com", "edge.oss-cn-hangzhou.aliyuncs.com", [oss, oss2])); ts += 20_000
# Three pictures over TLS, a few seconds apart, each on its own connection.
for i in range(3):
    ts = tcp_session(ts, cam, 40000 + i, oss, 443, client_hello("pics.oss-cn-hangzhou.aliyuncs.com"), 120_000, reply=bytes(300))
    ts += 4_000_000
# Another host asks for the API's name: its answer names nothing of the camera's.
write(ts, other, router, 17, 33100, 53, dns_query(0x2222, "openapi.ovopark.com")); ts += 3_000
write(ts, router, other, 17, 53, 33100, dns_answer(0x2222, "openapi.ovopark.com", None, [api])); ts += 10_000
# The camera posts a face crop over plain HTTP (Host with a port).
post = b"POST /api/face/upload HTTP/1.1\r\nHost: OpenAPI.Ovopark.com:8080\r\nContent-Length: 48000\r\n\r\n"
ts = tcp_session(ts, cam, 41000, api, 80, post, 48_000, reply=b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
# The second camera: NTP (named by its own DNS answer), a P2P heartbeat, RTSP to the NVR.
write(ts, cam2, router, 17, 33200, 53, dns_query(0x3333, "time.windows.com")); ts += 3_000
write(ts, router, cam2, 17, 53, 33200, dns_answer(0x3333, "time.windows.com", None, [ntp])); ts += 10_000
write(ts, cam2, ntp, 17, 123, 123, bytes([0x23]) + bytes(47)); ts += 30_000
write(ts, ntp, cam2, 17, 123, 123, bytes([0x24]) + bytes(47)); ts += 100_000
for i in range(10):
    write(ts, cam2, p2p, 17, 50000, 32100, bytes(48)); ts += 40_000
    write(ts, p2p, cam2, 17, 32100, 50000, bytes(20)); ts += 5_000_000
ts = tcp_session(ts, nvr, 42000, cam2, 554, b"DESCRIBE rtsp://192.168.1.21/ch1 RTSP/1.0\r\nCSeq: 1\r\n\r\n", 0, reply=bytes(900))
out.close()
print(f"{sys.argv[1]}: ends at {(ts - T0) / 1e6:.1f} s")
