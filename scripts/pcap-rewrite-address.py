#!/usr/bin/env python3
"""Rewrites one IPv4 address in a classic pcap (Ethernet link type) and fixes the IPv4 header
and TCP/UDP checksums, leaving every other byte and every length as captured.

    scripts/pcap-rewrite-address.py IN.pcap OUT.pcap OLD_ADDRESS NEW_ADDRESS

Why not `tcprewrite --srcipmap/--dstipmap`: it sets the IPv4 total length of a padded frame (a
60-byte minimum Ethernet frame carrying a 2-byte MQTT PINGREQ) to the frame's length, so the
padding becomes TCP payload. Used for the derived fixtures in tests/fixtures/pcaps/README.md.
"""

import ipaddress
import struct
import sys


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def rewrite(frame: bytearray, old: bytes, new: bytes) -> None:
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return
    ip = 14
    ihl = (frame[ip] & 0x0F) * 4
    total = struct.unpack("!H", frame[ip + 2 : ip + 4])[0]
    if frame[ip + 12 : ip + 16] != old and frame[ip + 16 : ip + 20] != old:
        return
    for at in (ip + 12, ip + 16):
        if frame[at : at + 4] == old:
            frame[at : at + 4] = new
    frame[ip + 10 : ip + 12] = b"\0\0"
    frame[ip + 10 : ip + 12] = struct.pack("!H", checksum(bytes(frame[ip : ip + ihl])))
    proto = frame[ip + 9]
    fragment = struct.unpack("!H", frame[ip + 6 : ip + 8])[0] & 0x1FFF
    end = ip + total
    if proto not in (6, 17) or fragment or end > len(frame):
        return  # a later fragment or a truncated segment: its checksum cannot be recomputed
    seg = ip + ihl
    field = seg + (16 if proto == 6 else 6)
    if proto == 17 and frame[field : field + 2] == b"\0\0":
        return  # UDP without a checksum
    frame[field : field + 2] = b"\0\0"
    pseudo = frame[ip + 12 : ip + 20] + struct.pack("!BBH", 0, proto, end - seg)
    value = checksum(bytes(pseudo) + bytes(frame[seg:end]))
    if proto == 17 and value == 0:
        value = 0xFFFF
    frame[field : field + 2] = struct.pack("!H", value)


def main() -> None:
    src, dst, old, new = sys.argv[1:5]
    old_b = ipaddress.IPv4Address(old).packed
    new_b = ipaddress.IPv4Address(new).packed
    data = open(src, "rb").read()
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">"}.get(magic)
    if endian is None:
        sys.exit("not a microsecond pcap")
    if struct.unpack(endian + "I", data[20:24])[0] != 1:
        sys.exit("not an Ethernet capture")
    out = bytearray(data[:24])
    at = 24
    while at + 16 <= len(data):
        header = data[at : at + 16]
        caplen = struct.unpack(endian + "I", header[8:12])[0]
        frame = bytearray(data[at + 16 : at + 16 + caplen])
        rewrite(frame, old_b, new_b)
        out += header + frame
        at += 16 + caplen
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
