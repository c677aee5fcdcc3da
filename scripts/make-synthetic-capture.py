#!/usr/bin/env python3
"""Writes a synthetic pcap of camera uploads with mirror-port frame sizes (<= 1514 bytes) for
benchmarking `camsweep analyze`: 40 cameras on 192.168.0.0/24 each resolve a cloud name (DNS
answer), open TLS with that SNI, then upload in full-size segments; acks come back.
Usage: make-synthetic-capture.py SIZE_MB OUT.pcap"""
import struct, sys

size = int(sys.argv[1]) * 1_000_000
out = open(sys.argv[2], "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

def csum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16); s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def frame(src, dst, proto, sport, dport, payload, flags=0x18, seq=1):
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 0x50, flags, 65535, 0, 0) + payload
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes([2, 0] + list(dst)) + bytes([2, 0] + list(src)) + b"\x08\x00"
    return eth + ip + l4

def dns_answer(name, addr):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0) + q + b"\0\1\0\1" + b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4" + bytes(addr)

def client_hello(sni):
    n = sni.encode()
    ext = struct.pack("!HHHBH", 0, len(n) + 5, len(n) + 3, 0, len(n)) + n
    body = b"\x03\x03" + bytes(32) + b"\0" + b"\0\x02\x13\x01" + b"\x01\0" + struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs

names = ["aip.baidubce.com", "openapi.ovopark.com", "x.oss-cn-hangzhou.aliyuncs.com", "api.eu.xiaoyi.com"]
ts = 1_795_000_000_000_000
written = 24
cams = []
for i in range(40):
    cam, cloud = [192, 168, 0, 10 + i], [203, 0, 113, 10 + i % 4]
    name = names[i % 4]
    cams.append((tuple(cam), tuple(cloud), 40000 + i))
    for f in (frame([192, 168, 0, 1], cam, 17, 53, 33000 + i, dns_answer(name, cloud)),
              frame(cam, cloud, 6, 40000 + i, 443, b"", 0x02, seq=0),  # data then starts at seq 1
              frame(cloud, cam, 6, 443, 40000 + i, b"", 0x12, seq=0),
              frame(cam, cloud, 6, 40000 + i, 443, client_hello(name))):
        out.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(f), len(f)) + f); ts += 100; written += 16 + len(f)
data = {c: frame(c[0], c[1], 6, c[2], 443, bytes(1460)) for c in cams}
acks = {c: frame(c[1], c[0], 6, 443, c[2], b"", 0x10) for c in cams}
n = 0
buf = []
while written < size:
    c = cams[n % 40]
    f = acks[c] if n % 8 == 7 else data[c]
    buf.append(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(f), len(f)) + f)
    written += 16 + len(f); ts += 20; n += 1
    if len(buf) == 10000:
        out.write(b"".join(buf)); buf = []
out.write(b"".join(buf))
print(f"{sys.argv[2]}: {written} bytes, {n + 160} frames")
