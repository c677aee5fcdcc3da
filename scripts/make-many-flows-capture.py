#!/usr/bin/env python3
"""Writes a SYNTHETIC pcap with many concurrent TCP connections, for measuring `camsweep analyze`'s
peak memory with a large flow table (issue 13: bounded memory on a capture with 300,000 flows).
No real capture of that size with a licence to redistribute was at hand, so it is built here.

50 devices on 192.168.1.0/24 each open FLOWS/50 connections to distinct public addresses
(20.0.0.0/8, port 443): SYN, SYN/ACK, one 200-byte data segment, FIN. All connections open in the
first half of the capture and close in the second, 30 s in all, so every flow is live at once
(the analyser's idle timeout is 120 s) and each device has thousands of destinations.
Usage: make-many-flows-capture.py FLOWS OUT.pcap"""
import struct, sys

flows = int(sys.argv[1])
out = open(sys.argv[2], "wb", buffering=1 << 20)
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

def csum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16); s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def frame(src, dst, sport, dport, flags, seq, ack, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\x00" + dst + b"\x02\x00" + src + b"\x08\x00" + ip + tcp

def endpoints(i):
    device = bytes([192, 168, 1, 10 + i % 50])
    n = i + 1
    remote = bytes([20, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF])
    return device, remote, 10_000 + (i // 50) % 50_000

T0 = 1_795_000_000_000_000
half = 15_000_000
step = half // flows
written = frames = 0
for phase in (0, 1):
    for i in range(flows):
        device, remote, sport = endpoints(i)
        ts = T0 + phase * half + i * step
        if phase == 0:
            parts = (frame(device, remote, sport, 443, 0x02, 0, 0),
                     frame(remote, device, 443, sport, 0x12, 0, 1),
                     frame(device, remote, sport, 443, 0x18, 1, 1, bytes(200)))
        else:
            parts = (frame(device, remote, sport, 443, 0x11, 201, 1),
                     frame(remote, device, 443, sport, 0x11, 1, 202))
        for f in parts:
            out.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(f), len(f)) + f)
            written += 16 + len(f); frames += 1
out.close()
print(f"{sys.argv[2]}: {written + 24} bytes, {frames} frames, {flows} TCP connections")
